/**
 * The progress report of LM training. On a terminal one live line is redrawn in place (at
 * most every 200 ms) and permanent lines (evaluations, samples) are printed above it; on
 * anything else (a log file, a pipe, CI) a plain line every `logInterval` steps.
 */

/** Where the report goes: process.stdout, or anything with write(). */
export interface LogStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface StepReport {
  step: number;
  /** The budget in steps, or null for a time budget. */
  totalSteps: number | null;
  /** The budget in seconds, or null for a step budget. */
  totalSeconds: number | null;
  /** Mean training loss since the last report. */
  loss: number;
  lr: number;
  tokensPerSecond: number;
  seconds: number;
}

const REDRAW_MS = 200;

/** "1m05s", "12.3s". */
export function formatDuration(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s - 60 * m)).padStart(2, "0")}s`;
}

export function stepLine(r: StepReport): string {
  const of = r.totalSteps !== null ? `/${r.totalSteps}` : "";
  const left = r.totalSteps !== null
    ? (r.step > 0 ? ((r.totalSteps - r.step) * r.seconds) / r.step : NaN)
    : (r.totalSeconds as number) - r.seconds;
  const eta = Number.isFinite(left) ? `, ${formatDuration(Math.max(0, left))} left` : "";
  return `step ${r.step}${of} | loss ${r.loss.toFixed(4)} | lr ${r.lr.toExponential(2)} | ` +
    `${Math.round(r.tokensPerSecond).toLocaleString("en-US")} tok/s | ${formatDuration(r.seconds)}${eta}`;
}

export class TrainProgress {
  private lastDraw = -Infinity;
  private live = false;

  constructor(private readonly stream: LogStream, private readonly logInterval: number) {}

  /** Reports a finished step: redraws the live line on a terminal, else prints every logInterval steps. */
  step(r: StepReport): void {
    if (this.stream.isTTY) {
      const now = performance.now();
      if (now - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = now;
      this.stream.write(`\r\x1b[K${stepLine(r)}`);
      this.live = true;
    } else if (r.step % this.logInterval === 0) {
      this.stream.write(`${stepLine(r)}\n`);
    }
  }

  /** Prints a permanent line (clearing a live one first; it comes back at the next step). */
  line(text: string): void {
    if (this.live) this.stream.write("\r\x1b[K");
    this.live = false;
    this.lastDraw = -Infinity;
    this.stream.write(`${text}\n`);
  }
}
