/**
 * TensorFlow.js peer, one process per tfjs backend so backends never share a process with
 * Lathe or with each other. Same workloads as ../shared/peers/tfjs_bench.mjs, timed by
 * ../timing.ts; speaks the protocol of ./child.ts (workload ids on stdin).
 *
 *   node dist/bench/peers/tfjs_child.js cpu|wasm|wasm-mt2 '<plan json>'
 *
 * tfjs `cpu` and `wasm` kernels run synchronously when an op is called, so timing an op
 * call needs no readback.
 */
import type * as TF from "@tensorflow/tfjs";
import { createInterface } from "node:readline";
import { type Case, runCase } from "../cases.js";
import type { Plan } from "../plan.js";
import { installWasmThreadShims } from "./wasm_threads.js";

const [backend, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson) as Plan;
const peer = `tfjs-${backend}`;

if (backend === "wasm-mt2") installWasmThreadShims();  // before tfjs is loaded
const tf = await import("@tensorflow/tfjs");
const info: Record<string, unknown> = { tfjs: tf.version.tfjs, backend };
if (backend.startsWith("wasm")) {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  wasm.setThreadsCount(2);  // ignored unless the shims made threads possible
  if (backend === "wasm-mt2") tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs wasm backend failed to initialise");
  const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
  Object.assign(info, {
    simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
    sharedMemory: heap.buffer instanceof SharedArrayBuffer,
    threads: wasm.getThreadsCount(),
  });
} else {
  await tf.setBackend("cpu");
}
await tf.ready();
console.log(JSON.stringify({ info }));

// Pure-JS tfjs-cpu takes ~2.5 s per GEMM at n=1024, ~20 s at 2048 and ~9 s per LeNet
// training step: a quick run skips those cases.
const skipSlow = plan.quick && backend === "cpu";

function gemmCases(): Case[] {
  const sizes = plan.gemmSizes.filter((n) => !(skipSlow && n >= 1024));
  return sizes.map((n) => ({
    workload: "W1", config: `n=${n}`, metric: "GFLOP/s", work: (2 * n ** 3) / 1e9, long: n >= 2048,
    make: () => {
      const a = tf.randomNormal([n, n]);
      const b = tf.randomNormal([n, n]);
      return () => tf.matMul(a, b).dispose();
    },
  }));
}

function mlp(): TF.Sequential {
  return tf.sequential({ layers: [
    tf.layers.dense({ units: 128, activation: "relu", inputShape: [30] }),
    tf.layers.dense({ units: 64, activation: "relu" }),
    tf.layers.dense({ units: 1, activation: "sigmoid" }),
  ] });
}

/** W2 two ways: optimizer.minimize (tfjs's fastest path) and Keras-style trainOnBatch (reads the loss back). */
function mlpCases(): Case[] {
  return [32, 256].flatMap((bs): Case[] => {
    const data = () => ({ x: tf.randomNormal([bs, 30]), y: tf.randomUniform([bs, 1]).greater(0.5).toFloat() });
    const base = { workload: "W2", config: `batch=${bs}`, metric: "steps/s", work: 1 } as const;
    return [
      { ...base, variant: "minimize", make: () => {
        const { x, y } = data();
        const model = mlp();
        const opt = tf.train.adam(1e-3);
        return () => opt.minimize(() => tf.metrics.binaryCrossentropy(y, model.apply(x, { training: true }) as TF.Tensor).mean());
      } },
      { ...base, variant: "trainOnBatch", make: () => {
        const { x, y } = data();
        const model = mlp();
        model.compile({ optimizer: tf.train.adam(1e-3), loss: "binaryCrossentropy" });
        return () => model.trainOnBatch(x, y);
      } },
    ];
  });
}

function lenet(): TF.Sequential {
  return tf.sequential({ layers: [
    tf.layers.conv2d({ filters: 6, kernelSize: 5, activation: "relu", inputShape: [32, 32, 3] }),
    tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
    tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: "relu" }),
    tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 120, activation: "relu" }),
    tf.layers.dense({ units: 84, activation: "relu" }),
    tf.layers.dense({ units: 10 }),
  ] });
}

/** W3 in NHWC, tfjs's layout. */
function lenetCases(): Case[] {
  const bs = 100;
  const x = () => tf.randomNormal([bs, 32, 32, 3]);
  const train: Case = { workload: "W3", config: `train,batch=${bs}`, metric: "images/s", work: bs, make: () => {
    const model = lenet();
    const opt = tf.train.momentum(0.001, 0.9);
    const xs = x();
    const y = tf.oneHot(tf.randomUniform([bs], 0, 10, "int32") as TF.Tensor1D, 10);
    return () => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(xs, { training: true }) as TF.Tensor));
  } };
  const infer: Case = { workload: "W3", config: `infer,batch=${bs}`, metric: "images/s", work: bs, make: () => {
    const model = lenet();
    const xs = x();
    return () => tf.tidy(() => model.apply(xs) as TF.Tensor).dispose();
  } };
  return skipSlow ? [infer] : [train, infer];
}

const cases: Record<string, () => Case[]> = { W1: gemmCases, W2: mlpCases, W3: lenetCases };
for await (const workload of createInterface({ input: process.stdin })) {
  // The process serves every round: free each workload's inputs and models when it is done.
  tf.engine().startScope();
  for (const c of cases[workload]?.() ?? []) console.log(JSON.stringify(await runCase(peer, c, plan)));
  tf.engine().endScope();
  tf.disposeVariables();
  console.log(JSON.stringify({ done: workload }));
}
process.exit(0);  // wasm-mt2 worker threads would otherwise keep the process alive
