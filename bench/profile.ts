/**
 * Where a step's time goes: wraps every kernel of the active backend (the `K` seam all
 * ops call) with a timer, runs each workload's step, and prints the time inside kernels,
 * the time outside them (autograd, shape checks, allocation, garbage collection — per-op
 * overhead) and the costliest kernels. A diagnostic for docs/PERFORMANCE.md, not a benchmark:
 * the timers add ~0.1 µs per kernel call.
 *
 *   npm run build && node dist/bench/profile.js [W1,W2,W3,W4,GPT2]
 */
import { K } from "../src/backend/index.js";
import { loadPretrained } from "../src/llm/index.js";
import { GPT2_SHAPE, GPT2_SMALL, ensureGpt2Dir, gpt2CacheDir, gpt2Generate, gpt2Prefill } from "./workloads/gpt2.js";
import { gemmStep } from "./workloads/lathe_gemm.js";
import { W4_CONFIG, gptGenerate, gptTrainStep } from "./workloads/lathe_gpt.js";
import { lenetInferStep, lenetTrainStep } from "./workloads/lathe_lenet.js";
import { mlpTrainStep } from "./workloads/lathe_mlp.js";

const spent = new Map<string, { ms: number; calls: number }>();
let depth = 0;  // a kernel that calls another kernel counts once, as the outer one

const kernels = K as unknown as Record<string, unknown>;
for (const name of Object.keys(kernels)) {
  const fn = kernels[name];
  if (typeof fn !== "function") continue;
  kernels[name] = function (this: unknown, ...args: unknown[]) {
    if (depth++ > 0) {
      try {
        return fn.apply(this, args);
      } finally {
        depth--;
      }
    }
    const t = performance.now();
    try {
      return fn.apply(this, args);
    } finally {
      depth--;
      const e = spent.get(name) ?? { ms: 0, calls: 0 };
      e.ms += performance.now() - t;
      e.calls++;
      spent.set(name, e);
    }
  };
}

function profile(label: string, step: () => unknown, iters: number): void {
  for (let i = 0; i < Math.max(2, iters / 5); i++) step();  // warm-up
  spent.clear();
  const t = performance.now();
  for (let i = 0; i < iters; i++) step();
  const total = (performance.now() - t) / iters;
  let inside = 0;
  let calls = 0;
  for (const e of spent.values()) {
    inside += e.ms / iters;
    calls += e.calls / iters;
  }
  const top = [...spent].sort((a, b) => b[1].ms - a[1].ms).slice(0, 6)
    .map(([k, e]) => `${k} ${(e.ms / iters).toFixed(2)} ms/${Math.round(e.calls / iters)}`);
  console.log(`${label}: ${total.toFixed(3)} ms per step, ${Math.round(calls)} kernel calls; ` +
    `in kernels ${((100 * inside) / total).toFixed(0)}%, outside ${(total - inside).toFixed(3)} ms ` +
    `(${((1000 * (total - inside)) / calls).toFixed(1)} µs per kernel call)\n  top kernels (ms/calls per step): ${top.join(", ")}`);
}

const only = (process.argv[2] ?? "W1,W2,W3,W4,GPT2").split(",");
console.log(`backend ${K.name}`);
if (only.includes("W1")) for (const n of [128, 1024]) profile(`W1 n=${n}`, gemmStep(n), n < 1024 ? 400 : 10);
if (only.includes("W2")) for (const b of [32, 256]) profile(`W2 batch=${b}`, mlpTrainStep(b), 400);
if (only.includes("W3")) {
  profile("W3 train,batch=100", lenetTrainStep(100), 30);
  profile("W3 infer,batch=100", lenetInferStep(100), 60);
}
if (only.includes("W4")) {
  profile("W4 train,B=16,T=128", gptTrainStep(W4_CONFIG, 16), 8);
  profile("W4 generate,kvcache (200 tokens)", gptGenerate(W4_CONFIG, 200, true), 3);
  profile("W4 generate,full-recompute (200 tokens)", gptGenerate(W4_CONFIG, 200, false), 3);
}
if (only.includes("GPT2")) {
  const dir = gpt2CacheDir();
  await ensureGpt2Dir(dir, GPT2_SMALL);
  const { model } = await loadPretrained(dir);
  profile(`GPT2 prefill (${GPT2_SHAPE.promptTokens} tokens)`, gpt2Prefill(model, GPT2_SHAPE.promptTokens), 3);
  profile("GPT2 generate,kvcache (16 tokens)", gpt2Generate(model, 16), 2);
}
