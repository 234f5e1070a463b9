import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { FIXTURES, REPO } from "../helpers.js";

/** The built `lathe` command, run as a user runs it: a separate node process. */
export const CLI = join(REPO, "dist", "src", "cli", "main.js");
export const CSV = join(FIXTURES, "csv");
export const BREAST_CANCER = join(REPO, "data", "breast_cancer.csv");
export const DIGITS = join(REPO, "data", "digits.csv");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `lathe …args` to completion (in `cwd`, default the repository). */
export function lathe(args: readonly string[], opts: { cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? REPO, encoding: "utf8", maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `lathe …args` and returns its output, failing with its stderr when it fails. */
export async function ok(args: readonly string[], opts: { cwd?: string } = {}): Promise<Run> {
  const r = await lathe(args, opts);
  if (r.code !== 0) throw new Error(`lathe ${args.join(" ")} exited with ${r.code}:\n${r.stderr}`);
  return r;
}

/** The one JSON object of a --json run. */
export async function json(args: readonly string[], opts: { cwd?: string } = {}): Promise<any> {
  const r = await ok([...args, "--json"], opts);
  return JSON.parse(r.stdout);
}

/** Starts `lathe …args` without waiting, for tests that interrupt it. */
export function start(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
}

/** Asserts the failure is one line on stderr that matches `pattern`, with no stack trace. */
export function oneLineError(r: Run, pattern: RegExp): void {
  if (r.code === 0) throw new Error(`expected a failure, got exit code 0; stdout:\n${r.stdout}`);
  const lines = r.stderr.trimEnd().split("\n");
  const last = lines[lines.length - 1];
  if (!/^error: /.test(last)) throw new Error(`expected an "error: …" line last on stderr, got:\n${r.stderr}`);
  if (!pattern.test(last)) throw new Error(`the error line does not match ${pattern}:\n${last}`);
  if (/\n\s+at /.test(r.stderr)) throw new Error(`expected no stack trace without --verbose:\n${r.stderr}`);
}
