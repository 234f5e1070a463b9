/**
 * Lets @tensorflow/tfjs-backend-wasm 4.22 run its threaded-SIMD build (2 XNNPACK threads)
 * under Node 20 — the technique of ../shared/peers/wasm_threads_shim.mjs. Three obstacles:
 *  1. tfjs sets WASM_HAS_MULTITHREAD_SUPPORT=false under Node (the caller sets it true);
 *  2. Emscripten starts workers from `blob:` object URLs, which Node's Worker rejects
 *     (ERR_WORKER_PATH): object URLs become temp files instead, and the worker script, a
 *     function lifted out of the bundle, gets the bundle's module variables prepended;
 *  3. the wasm side caps threads at logical cores / 2 (it assumes SMT), i.e. 1 on 2 vCPUs:
 *     os.cpus() reports each core twice.
 * Call before importing @tensorflow/tfjs; not a supported tfjs configuration.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";

const BUNDLE_VARS =
  "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks')," +
  "require$$4=require('os'),commonjsGlobal=globalThis;";

export function installWasmThreadShims(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lathe-bench-wasm-"));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

  // 2a. Keep each Blob's text so an object URL can be written out as a file.
  const blobText = new WeakMap<Blob, string>();
  const NodeBlob = globalThis.Blob;
  globalThis.Blob = class extends NodeBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      blobText.set(this, (parts ?? []).map(String).join(""));
    }
  };
  let count = 0;
  URL.createObjectURL = (blob: Blob): string => {
    let text = blobText.get(blob) ?? "";
    if (text.includes("require$$0")) text = BUNDLE_VARS + text;
    const file = path.join(dir, `worker${count++}.js`);
    fs.writeFileSync(file, text);
    return file;
  };

  // 2b. Emscripten posts the main script to each worker as a Blob: send a file path instead.
  const postMessage = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
    const m = message as { urlOrBlob?: unknown } | null;
    if (m && m.urlOrBlob && typeof m.urlOrBlob !== "string") {
      message = { ...m, urlOrBlob: URL.createObjectURL(m.urlOrBlob as Blob) };
    }
    return (postMessage as (...args: unknown[]) => void).call(this, message, ...rest);
  };

  // 3. Twice the cores, so that setThreadsCount(2) is honoured.
  const cpus = os.cpus;
  os.cpus = () => [...cpus(), ...cpus()];
}
