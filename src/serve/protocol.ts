/** The messages between the worker pool (workers.ts) and a worker thread (worker.ts). */
import type { Instance, ModelInfo, Prediction } from "./types.js";

/** What the pool hands a new worker: the bundle it loads itself. */
export interface WorkerInit {
  readonly dir: string;
}

/** A batch to score. */
export interface Job {
  readonly id: number;
  readonly rows: Instance[];
}

/** An error as it crosses the thread boundary; `input` marks one caused by the rows. */
export interface WireError {
  readonly message: string;
  readonly input: boolean;
  readonly row: number | null;
  readonly field: string | null;
}

export type WorkerMessage =
  | { readonly kind: "ready"; readonly info: ModelInfo }
  | { readonly kind: "failed"; readonly error: WireError }
  | { readonly kind: "result"; readonly id: number; readonly predictions: Prediction[] }
  | { readonly kind: "error"; readonly id: number; readonly error: WireError };
