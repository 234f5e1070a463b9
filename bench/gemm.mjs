// Square float32 GEMM throughput of the native kernels against the machine's FMA peak
// (workload W1). Run after `npm run build`: node bench/gemm.mjs [--threads N] [--isa avx2]
// Prints, per n, the median and best GFLOP/s of many short timed samples (a few ms each)
// after warm-up, and the best as a fraction of the FMA peak on the same threads. The peak
// is also the best of short rounds, so on a shared machine both figures estimate what an
// undisturbed run reaches, and the median shows what the neighbours leave.
import { backend, nativeKernels } from "../dist/src/backend/index.js";

if (!nativeKernels) {
  console.log(`the native addon is not available: ${backend.loadError}`);
  process.exit(0);
}
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
if (arg("--threads")) backend.setThreads(Number(arg("--threads")));
if (arg("--isa") && !backend.setIsa(arg("--isa"))) throw new Error(`this CPU cannot run ${arg("--isa")}`);

const peak1 = backend.measurePeakGflops({ threads: 1, seconds: 0.5 });
const peakAll = backend.measurePeakGflops({ seconds: 0.5 });
console.log(`isa ${backend.isa}, ${backend.threads} threads; FMA peak ${peak1.toFixed(1)} GFLOP/s on 1 thread, ${peakAll.toFixed(1)} on ${backend.threads}`);

function rand(n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

console.log("   n   median GFLOP/s   best GFLOP/s   best / peak");
for (const n of [128, 256, 384, 512, 768, 1024, 1536, 2048]) {
  const a = rand(n * n), b = rand(n * n), c = new Float32Array(n * n);
  const run = () => nativeKernels.gemm(1, n, n, n, a, 0, 0, false, b, 0, 0, false, c, 0, 0, false);
  const flops = 2 * n * n * n;
  // Samples of about 2 ms (one product for large n), for about a second in all.
  const reps = Math.max(1, Math.round(2e-3 * peakAll * 1e9 / flops));
  const count = Math.max(5, Math.min(200, Math.round(1 / (reps * flops / (peakAll * 1e9)))));
  for (let i = 0; i < reps; i++) run();
  const samples = [];
  for (let s = 0; s < count; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) run();
    samples.push((flops * reps) / Number(process.hrtime.bigint() - t0));
  }
  samples.sort((x, y) => x - y);
  const median = samples[samples.length >> 1], best = samples[samples.length - 1];
  console.log(`${String(n).padStart(4)}   ${median.toFixed(1).padStart(14)}   ${best.toFixed(1).padStart(12)}   ${(best / peakAll * 100).toFixed(1).padStart(10)}%`);
}
