import type { BatchLogs, Callback, EpochLogs, FitContext } from "./types.js";

/** Where progress goes: process.stderr by default; anything with write() will do. */
export interface ProgressStream {
  write(text: string): unknown;
  /** A terminal gets a live bar; anything else one line per epoch. */
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBarOptions {
  stream?: ProgressStream;
  /** Redraw the live bar at most this often. Default 100 ms. */
  intervalMs?: number;
}

/** A number for a progress line: 4 decimals, or 3 significant digits in exponent form when tiny or huge. */
export function formatValue(v: number): string {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(2) : v.toFixed(4);
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, "0")}s`;
}

/** "Epoch 3/10 - 1.2s - loss 0.4312 - accuracy 0.9500 - valLoss 0.3021 - lr 0.0010": the per-epoch line. */
export function epochLine(logs: EpochLogs, epochs: number): string {
  const values = Object.entries(logs)
    .filter(([k]) => k !== "epoch" && k !== "seconds")
    .map(([k, v]) => `${k} ${formatValue(v)}`);
  return [`Epoch ${logs.epoch}/${epochs}`, formatSeconds(logs.seconds), ...values].join(" - ");
}

/**
 * Keras-style progress on stderr. On a terminal, a live bar redrawn in place with the
 * batch, the running mean loss and the time left in the epoch, replaced by the epoch's line
 * when it ends; elsewhere (a log file, CI) only the epoch's line, one per epoch.
 */
export class ProgressBar implements Callback {
  readonly name = "progressBar";
  private readonly stream: ProgressStream;
  private readonly intervalMs: number;
  private epoch = 0;
  private epochStart = 0;
  private lastDraw = 0;
  private lossSum = 0;
  private seen = 0;
  private drawn = false;

  constructor(opts: ProgressBarOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.intervalMs = opts.intervalMs ?? 100;
  }

  private get live(): boolean {
    return this.stream.isTTY === true;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.lossSum = 0;
    this.seen = 0;
  }

  onBatchEnd(batch: number, logs: BatchLogs, ctx: FitContext): void {
    if (!this.live) return;
    this.lossSum += logs.loss * logs.size;
    this.seen += logs.size;
    const now = performance.now();
    const total = ctx.batchesPerEpoch;
    if (now - this.lastDraw < this.intervalMs && batch !== total) return;
    this.lastDraw = now;
    this.draw(batch, total, now, ctx);
  }

  private draw(batch: number, total: number | null, now: number, ctx: FitContext): void {
    const elapsed = (now - this.epochStart) / 1000;
    const loss = `loss ${formatValue(this.lossSum / this.seen)}`;
    let text: string;
    if (total === null) {
      text = `Epoch ${this.epoch}/${ctx.epochs} ${batch} batches - ${formatSeconds(elapsed)} - ${loss}`;
    } else {
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 60));
      const filled = Math.round((width * batch) / total);
      const bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? (batch === total ? "=" : ">") : "") + ".".repeat(width - filled);
      const eta = (elapsed / batch) * (total - batch);
      text = `Epoch ${this.epoch}/${ctx.epochs} [${bar}] ${batch}/${total} - ETA ${formatSeconds(eta)} - ${loss}`;
    }
    // Carriage return and erase-line redraw the bar in place.
    this.stream.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  onEpochEnd(_epoch: number, logs: EpochLogs, ctx: FitContext): void {
    this.stream.write(`${this.live && this.drawn ? "\r\x1b[2K" : ""}${epochLine(logs, ctx.epochs)}\n`);
    this.drawn = false;
  }

  onTrainError(): void {
    // Leave the half-drawn bar on its own line, so the error is printed below it.
    if (this.drawn) this.stream.write("\n");
    this.drawn = false;
  }
}

export function progressBar(opts: ProgressBarOptions = {}): ProgressBar {
  return new ProgressBar(opts);
}
