/**
 * A worker thread of the pool: loads the bundle itself (so model compute never runs on the
 * server's event loop, and threads share nothing), says "ready" with the model's schema,
 * then runs one job per message: scores a batch (tabular models) or generates a text
 * (language models), reporting each token as it comes.
 */
import { parentPort, workerData } from "node:worker_threads";
// A thread starts with a fresh module graph: load the package root, as a user program
// would, so the Tensor methods the model's forward pass calls are attached.
import "../index.js";
import { type ServedLM, isLanguageModelDir, loadServedLM } from "./lm.js";
import { type ServedModel, loadServedModel, toWireError } from "./model.js";
import type { Job, WorkerInit, WorkerMessage } from "./protocol.js";

const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);

function run(job: Job, tabular: ServedModel | null, lm: ServedLM | null): void {
  if (job.kind === "predict") {
    if (!tabular) throw new Error("this model is a language model; it does not score rows");
    send({ kind: "result", id: job.id, predictions: tabular.predict(job.rows) });
    return;
  }
  if (!lm) throw new Error("this model is not a language model; it does not generate text");
  const cancel = new Int32Array(job.cancel);
  const { id } = job;
  const result = lm.generate(job.params, {
    started: (promptTokens) => send({ kind: "started", id, promptTokens }),
    token: (token, text) => send({ kind: "token", id, token, text }),
    cancelled: () => Atomics.load(cancel, 0) !== 0,
  });
  send({ kind: "generated", id, result });
}

try {
  const { dir } = workerData as WorkerInit;
  const lm = isLanguageModelDir(dir) ? await loadServedLM(dir) : null;
  const tabular = lm ? null : await loadServedModel(dir);
  port.on("message", (job: Job) => {
    try {
      run(job, tabular, lm);
    } catch (e) {
      send({ kind: "error", id: job.id, error: toWireError(e) });
    }
  });
  send({ kind: "ready", info: (lm ?? tabular)!.info });
} catch (e) {
  send({ kind: "failed", error: toWireError(e) });
}
