// Square float32 GEMM throughput of the native kernels against the machine's FMA peak
// (workload W1). Run after `npm run build`: node bench/gemm.mjs [--threads N] [--isa avx2]
// Prints, per n, the median and best GFLOP/s of many short timed samples (a few ms each)
// after warm-up, and the best as a fraction of the FMA peak on the same threads. The peak
// is also the best of short rounds, so on a shared machine both figures estimate what an
// undisturbed run reaches, and the median shows what the neighbours leave.
//
// With --addon a.node --addon b.node (copies of build/Release/lathe.node from different
// builds) it compares the builds on all threads instead, interleaved in one process: a
// burst of samples on one, then the other, each burst after a 2 ms pause so that the idle
// workers of the other addon's pool have stopped spinning (they would take the second
// core). [--sizes 512,1024] [--seconds S] per size. Each burst is ~3·10^10 flops (0.1 s
// or more, long against the kernel's CPU-time accounting); prints per build the best and
// median wall-clock GFLOP/s and the same from process CPU time (flops × threads / CPU
// seconds, the per-core rate; it excludes time the threads were preempted but includes
// the pool's spin-waits, so it reads low under load). On a loaded machine only the CPU
// figures are comparable, and only across builds.
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { backend, nativeKernels } from "../dist/src/backend/index.js";

if (!nativeKernels) {
  console.log(`the native addon is not available: ${backend.loadError}`);
  process.exit(0);
}
const args = process.argv.slice(2);
const values = (name) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
const arg = (name) => values(name)[0];
if (arg("--threads")) backend.setThreads(Number(arg("--threads")));
if (arg("--isa") && !backend.setIsa(arg("--isa"))) throw new Error(`this CPU cannot run ${arg("--isa")}`);

function rand(n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

if (values("--addon").length > 0) {
  compareAddons(values("--addon"));
  process.exit(0);
}

const peak1 = backend.measurePeakGflops({ threads: 1, seconds: 0.5 });
const peakAll = backend.measurePeakGflops({ seconds: 0.5 });
console.log(`isa ${backend.isa}, ${backend.threads} threads; FMA peak ${peak1.toFixed(1)} GFLOP/s on 1 thread, ${peakAll.toFixed(1)} on ${backend.threads}`);

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

function compareAddons(files) {
  const require = createRequire(import.meta.url);
  const threads = Number(arg("--threads") ?? 0);
  const addons = files.map((f) => {
    const addon = require(f);
    const P = new Float64Array(addon.paramCount);
    addon.init(P);
    if (threads) addon.setNumThreads(threads);
    return { addon, P };
  });
  const sizes = (arg("--sizes") ?? "512,1024,2048").split(",").map(Number);
  const seconds = Number(arg("--seconds") ?? 6);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
  console.log(`load average ${load()}; threads ${addons[0].addon.numThreads()}; ${files.map((f, v) => `[${v}] ${f}`).join("  ")}`);
  console.log("    n  per build: best (median) GFLOP/s, wall clock and from CPU time");
  for (const n of sizes) {
    const a = rand(n * n), b = rand(n * n), c = new Float32Array(n * n), flops = 2 * n * n * n;
    const reps = Math.max(1, Math.round(3e10 / flops));
    const wall = addons.map(() => []), cpu = addons.map(() => []);
    const cpuNs = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) * 1e3;
    };
    const deadline = performance.now() + seconds * 1000;
    do {
      addons.forEach(({ addon, P }, v) => {
        P.set([1, n, n, n, 0, n * n, 0, 0, n * n, 0, 0, n * n, 0]);
        Atomics.wait(pause, 0, 0, 2);
        addon.gemm(a, b, c);
        const c0 = cpuNs(), t0 = process.hrtime.bigint();
        for (let r = 0; r < reps; r++) addon.gemm(a, b, c);
        wall[v].push((flops * reps) / Number(process.hrtime.bigint() - t0));
        cpu[v].push((flops * reps * addon.numThreads()) / (cpuNs() - c0));
      });
    } while (performance.now() < deadline);
    const stat = (s) => {
      s.sort((x, y) => x - y);
      return `${s[s.length - 1].toFixed(1)} (${s[s.length >> 1].toFixed(1)})`;
    };
    const figs = wall.map((w, v) => `[${v}] wall ${stat(w)} cpu ${stat(cpu[v])}`);
    console.log(`${String(n).padStart(5)}  ${figs.join("   ")}`);
  }
  console.log(`load average ${load()}`);
}
