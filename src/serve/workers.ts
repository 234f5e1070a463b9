/**
 * A pool of worker threads for one model version. Each worker loads the bundle itself and
 * runs one job at a time — scores a batch, or generates a text token by token — so model
 * compute never holds up the event loop (health checks, parsing, validation keep answering)
 * and N workers run N jobs at once. A worker that dies is replaced; the job it held fails
 * with a 500, nothing else does.
 */
import { Worker } from "node:worker_threads";
import type { Job, JobMessage, WireError, WorkerInit, WorkerMessage } from "./protocol.js";
import {
  type GenerateHooks,
  type GenerateParams,
  type Generated,
  type Instance,
  type ModelInfo,
  type Prediction,
  type Predictor,
  InputError,
  UnavailableError,
} from "./types.js";

/** A job in the pool, and what to do with the worker's messages about it. */
interface Task {
  readonly job: Job;
  /** Handles a message about the job; true when it was the last one. */
  readonly handle: (m: JobMessage) => boolean;
  readonly reject: (e: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  running: Task | null;
}

export interface PoolOptions {
  /** Where the pool reports a worker it lost or could not replace. */
  readonly log?: (message: string) => void;
}

const WORKER_URL = new URL("./worker.js", import.meta.url);

function fromWire(e: WireError): Error {
  return e.input ? new InputError(e.message, e.row, e.field) : new Error(e.message);
}

/** Jobs a model version takes: a batch of rows, or (below) a generation. */
type NewJob = { kind: "predict"; rows: Instance[] } | { kind: "generate"; params: GenerateParams; cancel: SharedArrayBuffer };

/** Starts one worker and resolves with it and the model's schema once the bundle is loaded. */
function spawn(dir: string): Promise<{ worker: Worker; info: ModelInfo }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: { dir } satisfies WorkerInit });
    // These stay attached (settling a settled promise does nothing), so an error between
    // "ready" and the pool adopting the worker is never an unhandled 'error' event.
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the worker loading ${dir} exited with code ${code}`)));
    worker.once("message", (m: WorkerMessage) => {
      if (m.kind === "ready") resolve({ worker, info: m.info });
      else {
        void worker.terminate();
        reject(m.kind === "failed" ? fromWire(m.error) : new Error(`unexpected first message from a worker: ${m.kind}`));
      }
    });
  });
}

export class WorkerPool implements Predictor {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  /** Called once no job is waiting or running (close waits for that). */
  private idleWaiters: (() => void)[] = [];
  private nextId = 1;
  private closing = false;
  /** Replacement workers being started. */
  private replacing = 0;

  private constructor(
    private readonly dir: string,
    readonly info: ModelInfo,
    readonly capacity: number,
    private readonly options: PoolOptions,
  ) {}

  /** `size` workers with the bundle at `dir` loaded; fails (leaving no thread behind) if any cannot load it. */
  static async start(dir: string, size: number, options: PoolOptions = {}): Promise<WorkerPool> {
    const started = await Promise.allSettled(Array.from({ length: size }, () => spawn(dir)));
    const failure = started.find((s) => s.status === "rejected");
    if (failure) {
      await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.worker.terminate() : undefined)));
      throw failure.reason;
    }
    const ready = started.map((s) => (s as PromiseFulfilledResult<{ worker: Worker; info: ModelInfo }>).value);
    const pool = new WorkerPool(dir, ready[0].info, size, options);
    for (const { worker } of ready) pool.adopt(worker);
    return pool;
  }

  get ready(): boolean {
    return !this.closing && this.slots.length + this.replacing > 0;
  }

  predict(rows: Instance[]): Promise<Prediction[]> {
    return new Promise((resolve, reject) => {
      this.submit({ kind: "predict", rows }, reject, (m) => {
        if (m.kind === "result") resolve(m.predictions);
        else if (m.kind === "error") reject(fromWire(m.error));
        else return false;
        return true;
      });
    });
  }

  generate(params: GenerateParams, hooks: GenerateHooks): Promise<Generated> {
    const cancel = new SharedArrayBuffer(4);
    return new Promise((resolve, reject) => {
      const task = this.submit({ kind: "generate", params, cancel }, reject, (m) => {
        switch (m.kind) {
          case "started":
            hooks.onStart(m.promptTokens);
            return false;
          case "token":
            hooks.onToken(m.token, m.text);
            return false;
          case "generated":
            resolve(m.result);
            break;
          case "error":
            reject(fromWire(m.error));
            break;
          default:
            return false;
        }
        hooks.signal.removeEventListener("abort", abort);
        return true;
      });
      // Still queued: drop it. Running: the worker reads the flag before each token.
      const abort = () => {
        const at = task ? this.waiting.indexOf(task) : -1;
        if (at >= 0) {
          this.waiting.splice(at, 1);
          resolve({ finish: "cancelled", tail: "" });
          this.checkIdle();
        } else Atomics.store(new Int32Array(cancel), 0, 1);
      };
      if (hooks.signal.aborted) abort();
      else hooks.signal.addEventListener("abort", abort, { once: true });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.waiting.length > 0 || this.slots.some((s) => s.running)) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** Queues a job, unless the pool is closed or has no worker left (then `reject`); returns its task if queued. */
  private submit(job: NewJob, reject: (e: unknown) => void, handle: Task["handle"]): Task | null {
    if (this.closing) reject(new UnavailableError("this model version is shutting down"));
    else if (this.slots.length === 0 && this.replacing === 0) reject(new UnavailableError("no worker is left for this model; reload it"));
    else {
      const task: Task = { job: { ...job, id: this.nextId++ }, handle, reject };
      this.waiting.push(task);
      this.run();
      return task;
    }
    return null;
  }

  private checkIdle(): void {
    if (this.waiting.length === 0 && !this.slots.some((s) => s.running)) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private adopt(worker: Worker): void {
    const slot: Slot = { worker, running: null };
    this.slots.push(slot);
    worker.on("message", (m: WorkerMessage) => {
      const t = slot.running;
      if (!t || m.kind === "ready" || m.kind === "failed" || m.id !== t.job.id || !t.handle(m)) return;
      slot.running = null;
      this.run();
    });
    // An uncaught error in the thread is followed by its exit, which is handled below.
    worker.on("error", (e) => this.options.log?.(`worker for ${this.dir} failed: ${e.message}`));
    worker.on("exit", (code) => {
      this.slots.splice(this.slots.indexOf(slot), 1);
      slot.running?.reject(new Error(`the worker thread running this job exited (code ${code})`));
      slot.running = null;
      if (this.closing) {
        if (this.slots.length === 0) for (const t of this.waiting.splice(0)) t.reject(new UnavailableError("this model version is shutting down"));
        return this.checkIdle();
      }
      this.options.log?.(`worker for ${this.dir} exited with code ${code}; starting a replacement`);
      this.replacing++;
      spawn(this.dir)
        .then(
          ({ worker: w }) => {
            if (this.closing) void w.terminate();
            else this.adopt(w);
          },
          (e: Error) => this.options.log?.(`could not replace the worker for ${this.dir}: ${e.message}`),
        )
        .finally(() => {
          this.replacing--;
          if (this.slots.length === 0 && this.replacing === 0) {
            for (const t of this.waiting.splice(0)) t.reject(new UnavailableError("no worker is left for this model; reload it"));
          }
          this.run();
        });
    });
  }

  /** Hands waiting jobs to idle workers. */
  private run(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) break;
      if (slot.running) continue;
      const t = this.waiting.shift()!;
      slot.running = t;
      slot.worker.postMessage(t.job);
    }
    this.checkIdle();
  }
}
