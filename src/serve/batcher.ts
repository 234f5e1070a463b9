/**
 * Dynamic micro-batching for one model version. Requests queue here; a batch of whole
 * requests (up to `maxBatch` rows) goes to the predictor when the queue holds that many
 * rows, or when the oldest queued request has waited `maxDelayMs`, whichever comes first —
 * and only while the predictor has a free worker. So a lone request waits at most
 * `maxDelayMs` before it is scored, and under load the requests that arrive while every
 * worker is busy ride together in the next batch, which is where the throughput comes from.
 *
 * maxBatch 1 turns batching off (every request is scored alone, at once); maxDelayMs 0
 * never waits for company but still batches whatever queued while the workers were busy.
 */
import { type Instance, type Prediction, type Predictor, InputError, UnavailableError } from "./types.js";

/** What the batcher needs of a model version: how many batches it scores at once, and scoring. */
export type BatchPredictor = Pick<Predictor, "capacity" | "predict">;

export interface BatcherOptions {
  readonly maxBatch: number;
  readonly maxDelayMs: number;
  /** Told the row count of every batch sent to the predictor (for the batch-size histogram). */
  readonly onBatch?: (rows: number) => void;
}

interface Pending {
  readonly rows: Instance[];
  readonly resolve: (p: Prediction[]) => void;
  readonly reject: (e: unknown) => void;
}

export class Batcher {
  private readonly queue: Pending[] = [];
  private queuedRows = 0;
  /** Batches being scored, and the requests in them. */
  private inFlight = 0;
  private inFlightRequests = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Set when the oldest queued request has waited maxDelayMs: everything queued is due. */
  private windowClosed = false;
  private idleWaiters: (() => void)[] = [];
  /** Set at shutdown: send batches at once, since no more company is coming. */
  private hurry = false;
  private draining = false;

  constructor(
    private readonly predictor: BatchPredictor,
    private readonly options: BatcherOptions,
  ) {}

  /** The predictions for `rows`, in order, once the batch they joined has been scored. */
  submit(rows: Instance[]): Promise<Prediction[]> {
    if (this.draining) return Promise.reject(new UnavailableError("this model version is shutting down"));
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.queuedRows += rows.length;
      if (!this.timer && !this.windowClosed && this.options.maxDelayMs > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.windowClosed = true;
          this.pump();
        }, this.options.maxDelayMs);
      }
      this.pump();
    });
  }

  /** Requests queued or being scored. */
  get pending(): number {
    return this.queue.length + this.inFlightRequests;
  }

  /**
   * Stops waiting for company from now on, still accepting requests: for a server that
   * has stopped accepting connections but still receives the bodies of requests in flight.
   */
  stopWaiting(): void {
    this.hurry = true;
    this.pump();
  }

  /**
   * Scores everything already submitted without waiting for more company, refuses new
   * requests, and resolves once every answer is out: the old version's side of a reload
   * or a shutdown.
   */
  drain(): Promise<void> {
    this.draining = true;
    this.pump();
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private due(): boolean {
    return this.draining || this.hurry || this.windowClosed || this.options.maxDelayMs <= 0 || this.queuedRows >= this.options.maxBatch;
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.predictor.capacity && this.due()) {
      this.dispatch(this.take());
    }
    if (this.queue.length === 0) {
      // A new request starts a new window.
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.windowClosed = false;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Whole requests from the front of the queue, up to maxBatch rows (at least one request). */
  private take(): Pending[] {
    const batch: Pending[] = [];
    let rows = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (batch.length > 0 && rows + next.rows.length > this.options.maxBatch) break;
      batch.push(this.queue.shift()!);
      rows += next.rows.length;
    }
    this.queuedRows -= rows;
    return batch;
  }

  private dispatch(batch: Pending[]): void {
    this.inFlight++;
    this.inFlightRequests += batch.length;
    const rows = batch.length === 1 ? batch[0].rows : batch.flatMap((p) => p.rows);
    this.options.onBatch?.(rows.length);
    this.predictor
      .predict(rows)
      .then(
        (predictions) => {
          let at = 0;
          for (const p of batch) {
            p.resolve(predictions.slice(at, at + p.rows.length));
            at += p.rows.length;
          }
        },
        (err) => this.fail(batch, err),
      )
      .finally(() => {
        this.inFlight--;
        this.inFlightRequests -= batch.length;
        this.pump();
      });
  }

  /**
   * A batch failed. If the rows were to blame and several requests shared the batch, each
   * is scored again on its own, so only the request that holds the bad row fails.
   */
  private async fail(batch: Pending[], err: unknown): Promise<void> {
    if (!(err instanceof InputError) || batch.length === 1) {
      for (const p of batch) p.reject(err);
      return;
    }
    await Promise.all(batch.map((p) => this.predictor.predict(p.rows).then(p.resolve, p.reject)));
  }
}
