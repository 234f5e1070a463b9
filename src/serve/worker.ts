/**
 * A worker thread of the pool: loads the bundle itself (so model compute never runs on the
 * server's event loop, and threads share nothing), says "ready" with the model's schema,
 * then scores one batch per message.
 */
import { parentPort, workerData } from "node:worker_threads";
// A thread starts with a fresh module graph: load the package root, as a user program
// would, so the Tensor methods the model's forward pass calls are attached.
import "../index.js";
import { loadServedModel, toWireError } from "./model.js";
import type { Job, WorkerInit, WorkerMessage } from "./protocol.js";

const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);

try {
  const model = await loadServedModel((workerData as WorkerInit).dir);
  port.on("message", (job: Job) => {
    try {
      send({ kind: "result", id: job.id, predictions: model.predict(job.rows) });
    } catch (e) {
      send({ kind: "error", id: job.id, error: toWireError(e) });
    }
  });
  send({ kind: "ready", info: model.info });
} catch (e) {
  send({ kind: "failed", error: toWireError(e) });
}
