/** The messages between the worker pool (workers.ts) and a worker thread (worker.ts). */
import type { GenerateParams, Generated, Instance, ModelInfo, Prediction } from "./types.js";

/** What the pool hands a new worker: the bundle it loads itself. */
export interface WorkerInit {
  readonly dir: string;
}

/** A batch to score (tabular models) or a text to generate (language models). */
export type Job =
  | { readonly kind: "predict"; readonly id: number; readonly rows: Instance[] }
  | {
      readonly kind: "generate";
      readonly id: number;
      readonly params: GenerateParams;
      /** One Int32 the server sets to 1 to cancel: the worker is busy generating and reads no messages until it is done. */
      readonly cancel: SharedArrayBuffer;
    };

/** An error as it crosses the thread boundary; `input` marks one caused by the request's data. */
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
  | { readonly kind: "started"; readonly id: number; readonly promptTokens: number }
  | { readonly kind: "token"; readonly id: number; readonly token: number; readonly text: string }
  | { readonly kind: "generated"; readonly id: number; readonly result: Generated }
  | { readonly kind: "error"; readonly id: number; readonly error: WireError };

/** The messages about one job. */
export type JobMessage = Exclude<WorkerMessage, { kind: "ready" } | { kind: "failed" }>;
