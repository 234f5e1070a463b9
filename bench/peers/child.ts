/**
 * A peer runs in its own child process, started once and kept for the whole bench run, so
 * process start-up (1–4 s to load tfjs or torch) is paid once rather than per workload,
 * and no two backends ever share a process. Protocol: the parent writes a workload id and
 * a newline to the child's stdin; the child prints a `{"info": …}` line once at start, one
 * Sample per line for the workload, then `{"done": "<id>"}`. Other stdout lines (tfjs
 * prints a banner) are ignored. Closing stdin ends the child.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Sample } from "../plan.js";

export interface PeerRun {
  info: Record<string, unknown> | null;
  samples: Sample[];
  /** Why the workload did not finish (the child died or ran past its time limit), else null. */
  error: string | null;
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;
type Message = Sample | { info: Record<string, unknown> } | { done: string };

export class PeerProcess {
  #child: Child | null = null;
  #info: Record<string, unknown> | null = null;
  #onMessage: ((m: Message) => void) | null = null;
  #onExit: ((why: string) => void) | null = null;

  /** The child is `cmd args…`; it reads workload ids from stdin. */
  constructor(
    readonly id: string,
    readonly workloads: readonly string[],
    private readonly cmd: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Runs one workload; kills the child if it takes longer than timeoutS (the next run starts a new one). */
  run(workload: string, timeoutS: number): Promise<PeerRun> {
    const child = this.#child ?? this.#start();
    const samples: Sample[] = [];
    return new Promise((resolve) => {
      const finish = (error: string | null) => {
        clearTimeout(timer);
        this.#onMessage = this.#onExit = null;
        resolve({ info: this.#info, samples, error });
      };
      const timer = setTimeout(() => {
        this.#child = null;
        child.kill("SIGKILL");
        finish(`killed after ${timeoutS} s, the peer time limit`);
      }, timeoutS * 1000);
      this.#onMessage = (m) => {
        if ("done" in m) finish(null);
        else if ("workload" in m) samples.push(m);
      };
      this.#onExit = (why) => finish(why);
      child.stdin.write(`${workload}\n`);
    });
  }

  /** Ends the child (closes its stdin); resolves once it has exited, so the next process does not share the cores with its teardown. */
  close(): Promise<void> {
    const child = this.#child;
    if (!child) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
    child.stdin.end();
    return exited;
  }

  #start(): Child {
    const child = spawn(this.cmd, this.args, { env: this.env, stdio: ["pipe", "pipe", "pipe"] });
    this.#child = child;
    // A child given up on (killed at its time limit) may still emit lines and events: ignore them.
    const current = () => this.#child === child;
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d).slice(-4000)));
    child.stdin.on("error", () => {});  // a dead child's broken pipe is reported by "close"
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (!current() || !line.startsWith("{")) return;
      const m = JSON.parse(line) as Message;
      if ("info" in m) this.#info = m.info;
      else this.#onMessage?.(m);
    });
    const exited = (why: string) => {
      if (!current()) return;
      this.#child = null;
      this.#onExit?.(why);
    };
    child.on("error", (e) => exited(e.message));
    // "close", not "exit": it comes after the last stdout line has been read.
    child.on("close", (code, signal) => exited(`exit ${code ?? signal}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
    return child;
  }
}
