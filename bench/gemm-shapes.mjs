// GFLOP/s of the native GEMM on the shapes the workloads run (W1 square, W2 MLP batch 256,
// W4 GPT training and generation) through the addon directly, no op or crossover around it.
//   node bench/gemm-shapes.mjs [--threads N] [--only W2] [--shape m,n,k[,tA,tB]] [--addon a.node --addon b.node]
// With several --addon files (copies of build/Release/lathe.node from different builds)
// the variants are timed interleaved, sample by sample, so the load of a shared machine
// falls on all of them alike; do that with --threads 1 only, since each addon keeps a pool
// whose idle workers spin and would take the other's second core. Each figure is the best
// of many short samples (~1 ms); with --threads 1 a second figure uses process CPU time
// instead of wall time, which excludes the time the thread was preempted.
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const values = (name) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
const threads = Number(values("--threads")[0] ?? 0);
const only = values("--only")[0];
const files = values("--addon");
if (files.length === 0) files.push(fileURLToPath(new URL("../build/Release/lathe.node", import.meta.url)));
const addons = files.map((f) => {
  const addon = require(f);
  const P = new Float64Array(addon.paramCount);
  addon.init(P);
  if (threads) addon.setNumThreads(threads);
  return { addon, P };
});

// [workload, batch, m, n, k, transA, transB]; nn.Linear runs x·Wᵀ forward, g·W and gᵀ·x backward.
const shapes = [];
for (const n of [512, 1024, 2048]) shapes.push(["W1", 1, n, n, n, false, false]);
for (const [i, o] of [[30, 128], [128, 64], [64, 1]]) {
  shapes.push(["W2 fwd", 1, 256, o, i, false, true], ["W2 dx", 1, 256, i, o, false, false], ["W2 dw", 1, o, i, 256, true, false]);
}
for (const [i, o] of [[128, 384], [128, 512], [512, 128]]) {
  shapes.push(["W4 fwd", 1, 2048, o, i, false, true], ["W4 dx", 1, 2048, i, o, false, false], ["W4 dw", 1, o, i, 2048, true, false]);
}
// The untied head (width 128 → 65 characters), then generation's batch-1 window forward
// (T = 128 rows through the same layers).
shapes.push(["W4 head", 1, 2048, 65, 128, false, true], ["W4 hdx", 1, 2048, 128, 65, false, false], ["W4 hdw", 1, 65, 128, 2048, true, false]);
for (const [i, o] of [[128, 384], [128, 128], [128, 512], [512, 128], [128, 65]]) shapes.push(["W4 gen", 1, 128, o, i, false, true]);
for (const spec of values("--shape")) {
  const [m, n, k, ta, tb] = spec.split(",").map(Number);
  shapes.push(["shape", 1, m, n, k, ta === 1, tb === 1]);
}
shapes.push(["W4 qk", 64, 128, 128, 32, false, true], ["W4 av", 64, 128, 32, 128, false, false], ["W4 dv", 64, 128, 32, 128, true, false]);

const rand = (n) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1e3; };
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}; threads ${addons[0].addon.numThreads()}`);
for (const [w, batch, m, n, k, ta, tb] of shapes) {
  if (only && !w.startsWith(only)) continue;
  const a = rand(batch * m * k), b = rand(batch * k * n), c = new Float32Array(batch * m * n);
  const flops = 2 * batch * m * n * k;
  const reps = Math.max(1, Math.round(2e8 / flops));
  const runs = addons.map(({ addon, P }) => () => {
    P.set([batch, m, n, k, 0, m * k, ta ? 1 : 0, 0, k * n, tb ? 1 : 0, 0, m * n, 0]);
    for (let r = 0; r < reps; r++) addon.gemm(a, b, c);
  });
  const best = addons.map(() => 0), bestCpu = addons.map(() => 0);
  for (const run of runs) run();
  const deadline = performance.now() + 1500;
  while (performance.now() < deadline) {
    runs.forEach((run, v) => {
      const c0 = threads === 1 ? cpuNs() : 0, t0 = process.hrtime.bigint();
      run();
      const t = Number(process.hrtime.bigint() - t0), ct = threads === 1 ? cpuNs() - c0 : 0;
      best[v] = Math.max(best[v], (flops * reps) / t);
      if (ct > 0) bestCpu[v] = Math.max(bestCpu[v], (flops * reps) / ct);
    });
  }
  const shape = `${batch > 1 ? batch + "×" : ""}${m}×${n}×${k}${ta ? " tA" : ""}${tb ? " tB" : ""}`;
  const figs = best.map((g, v) => `${g.toFixed(1).padStart(7)}${threads === 1 ? ` (cpu ${bestCpu[v].toFixed(1)})` : ""}`);
  console.log(`${w.padEnd(7)} ${shape.padEnd(22)} ${figs.join("  ")}`);
}
