import type { Command } from "commander";

/**
 * How the commands talk: results on stdout (with --json, exactly one JSON object there),
 * progress and notes on stderr, and a failure as one line `error: …` with a non-zero exit
 * code (the stack too with --verbose).
 */

// A reader that stops early (`lathe predict … | head`) closes the pipe: that is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

/** A note about what the command is doing or decided (stderr, so stdout stays the result). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function print(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** The one JSON object of --json; NaN and ±Infinity, which JSON cannot hold, become null. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`);
}

/** Adds the options every command has. */
export function withCommonOptions(cmd: Command, json = true): Command {
  if (json) cmd.option("--json", "print one JSON object on stdout (progress goes to stderr)");
  return cmd.option("--verbose", "on error, print the stack trace too");
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.trim().replace(/\s*\n\s*/g, "; ");
}

/**
 * A command's action, run so that any failure ends the command with one clear line on
 * stderr and exit code 1. Commander passes the command itself last, which says whether
 * --verbose was given.
 */
export function action<A extends unknown[]>(run: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (err) {
      const cmd = args[args.length - 1] as Command;
      const verbose = cmd?.opts?.().verbose === true;
      process.stderr.write(`error: ${oneLine(err)}\n`);
      if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
      process.exitCode = 1;
    }
  };
}

/** A metric's value for people: 4 decimals, or "n/a" where it is undefined for the data. */
export function formatMetric(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : "n/a";
}

/** "accuracy 0.9767  f1 0.9811  …": a metrics object on one line. */
export function metricsLine(metrics: Readonly<Record<string, number>>): string {
  return Object.entries(metrics).map(([k, v]) => `${k} ${formatMetric(v)}`).join("  ");
}

/** A confusion matrix as aligned text: one row per true label, one column per predicted one. */
export function confusionLines(cm: { labels: readonly unknown[]; matrix: readonly (readonly number[])[] }): string[] {
  const names = cm.labels.map(String);
  const width = Math.max(4, ...names.map((n) => n.length), ...cm.matrix.flat().map((v) => String(v).length));
  const pad = (s: string) => s.padStart(width);
  const corner = "true \\ predicted";
  const first = Math.max(corner.length, ...names.map((n) => n.length));
  return [
    `${corner.padEnd(first)}  ${names.map(pad).join("  ")}`,
    ...cm.matrix.map((row, i) => `${names[i].padStart(first)}  ${row.map((v) => pad(String(v))).join("  ")}`),
  ];
}

/** "MLP 30 → 128 → 64 → 1 (relu, dropout 0.1, batch norm)" for an mlp config, else its type and settings. */
export function describeArchitecture(a: Record<string, unknown>): string {
  if (a.type !== "mlp") return JSON.stringify(a);
  const extras = [String(a.activation), ...(a.dropout ? [`dropout ${a.dropout}`] : []), ...(a.batchNorm ? ["batch norm"] : [])];
  return `MLP ${[a.inputs, ...(a.hidden as number[]), a.outputs].join(" → ")} (${extras.join(", ")})`;
}
