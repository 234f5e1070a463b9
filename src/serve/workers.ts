/**
 * A pool of worker threads for one model version. Each worker loads the bundle itself and
 * scores one batch at a time, so a big batch never holds up the event loop (health checks,
 * parsing, validation keep answering) and N workers score N batches at once. A worker that
 * dies is replaced; the batch it held fails with a 500, nothing else does.
 */
import { Worker } from "node:worker_threads";
import type { Job, WireError, WorkerInit, WorkerMessage } from "./protocol.js";
import { type Instance, type ModelInfo, type Prediction, type Predictor, InputError, UnavailableError } from "./types.js";

interface Running {
  readonly job: Job;
  readonly resolve: (p: Prediction[]) => void;
  readonly reject: (e: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  running: Running | null;
}

export interface PoolOptions {
  /** Where the pool reports a worker it lost or could not replace. */
  readonly log?: (message: string) => void;
}

const WORKER_URL = new URL("./worker.js", import.meta.url);

function fromWire(e: WireError): Error {
  return e.input ? new InputError(e.message, e.row, e.field) : new Error(e.message);
}

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
  private readonly waiting: Running[] = [];
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
    if (this.closing) return Promise.reject(new UnavailableError("the worker pool is closed"));
    if (this.slots.length === 0 && this.replacing === 0) return Promise.reject(new UnavailableError("no worker is left for this model; reload it"));
    return new Promise((resolve, reject) => {
      this.waiting.push({ job: { id: this.nextId++, rows }, resolve, reject });
      this.run();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const r of this.waiting.splice(0)) r.reject(new UnavailableError("the worker pool is closed"));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private adopt(worker: Worker): void {
    const slot: Slot = { worker, running: null };
    this.slots.push(slot);
    worker.on("message", (m: WorkerMessage) => {
      const r = slot.running;
      if (!r || (m.kind !== "result" && m.kind !== "error") || m.id !== r.job.id) return;
      slot.running = null;
      if (m.kind === "result") r.resolve(m.predictions);
      else r.reject(fromWire(m.error));
      this.run();
    });
    // An uncaught error in the thread is followed by its exit, which is handled below.
    worker.on("error", (e) => this.options.log?.(`worker for ${this.dir} failed: ${e.message}`));
    worker.on("exit", (code) => {
      this.slots.splice(this.slots.indexOf(slot), 1);
      if (this.closing) return;
      slot.running?.reject(new Error(`the worker thread scoring this batch exited (code ${code})`));
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
            for (const r of this.waiting.splice(0)) r.reject(new UnavailableError("no worker is left for this model; reload it"));
          }
          this.run();
        });
    });
  }

  /** Hands waiting batches to idle workers. */
  private run(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.running) continue;
      const r = this.waiting.shift()!;
      slot.running = r;
      slot.worker.postMessage(r.job);
    }
  }
}
