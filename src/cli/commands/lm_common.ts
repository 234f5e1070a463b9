/** What the `lathe lm` subcommands share: error reporting, file reading, option parsers. */
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import { integer } from "../args.js";

/** Runs a subcommand; an error becomes one line on stderr ("lathe lm train: …") and exit status 1. */
export function guarded<A extends unknown[]>(name: string, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    // `lathe lm generate … | head` closes the pipe early: that ends the output, it is not an error.
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
      process.exit(0);
    });
    try {
      await fn(...args);
    } catch (err) {
      process.stderr.write(`lathe lm ${name}: ${(err as Error).message.split("\n")[0]}\n`);
      process.exitCode = 1;
    }
  };
}

/** A file's text, or an error that names it. */
export function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message}`);
  }
}

export function positiveInt(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError("expected a number > 0");
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0)) throw new InvalidArgumentError("expected a number >= 0");
  return n;
}
