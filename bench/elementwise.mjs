// The native non-GEMM kernels on the shapes of the W4 training step (and a few more):
// ns per element and the bandwidth each reaches, next to a contiguous copy of the same
// size (what memory allows). Outputs are preallocated, so page faults of fresh arrays are
// not counted. Best of several timed batches, because the machine is shared (on one
// thread, of CPU time).
//
//   npm run build && node bench/elementwise.mjs [--threads N] [--isa L] [--against DIR] [filter]
//
// --against DIR also times the kernels of another checkout's build (its dist/ and
// build/Release/), interleaved with this one in the same process: before/after ratios.
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const threads = opt("--threads");
const isa = opt("--isa");
const against = opt("--against");
const filter = args[0] ?? "";

async function load(root) {
  const url = (p) => pathToFileURL(resolve(root, p)).href;
  const b = await import(url("dist/src/backend/index.js"));
  const { CROSSOVER } = await import(url("dist/src/backend/native/index.js"));
  if (!b.nativeKernels) throw new Error(`${root}: the native addon is not built (${b.backend.loadError})`);
  for (const k of Object.keys(CROSSOVER)) CROSSOVER[k] = 0;
  if (threads) b.backend.setThreads(Number(threads));
  if (isa && !b.backend.setIsa(isa)) throw new Error(`ISA level ${isa} is not available`);
  return { kernels: b.nativeKernels, info: b.backend };
}

const here = await load(new URL("..", import.meta.url).pathname);
const base = against ? await load(isAbsolute(against) ? against : resolve(process.cwd(), against)) : null;

function rand(n, lo = -4, hi = 4) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * Math.random();
  return a;
}
const contiguous = (shape) => {
  const s = [];
  let k = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = k; k *= shape[d]; }
  return s;
};
const view = (data, shape, strides = contiguous(shape), offset = 0) => ({ data, shape, strides, offset });
const M = 1 << 20;

// name, elements, bytes moved per element, make(kernels) => () => void
const cases = [
  ["copy contiguous 1M (memory)", M, 8, (k) => { const s = view(rand(M), [M]), d = view(new Float32Array(M), [M]); return () => k.copy(s, d); }],
  ["unary relu 1M", M, 8, (k) => { const x = rand(M), o = new Float32Array(M); return () => k.unary("relu", x, 0, o, M, 0, 0); }],
  ...["gelu", "erf", "geluTanh", "silu", "elu", "softplus", "exp", "tanh", "sigmoid", "log1p", "expm1", "sin"].map((op) =>
    [`unary ${op} 1M`, M, 8, (k) => { const x = rand(M), o = new Float32Array(M); return () => k.unary(op, x, 0, o, M, 1, 20); }]),
  ...["relu", "gelu", "erf", "geluTanh", "silu", "elu", "softplus"].map((op) =>
    [`backward ${op} 1M`, M, 12, (k) => {
      const x = rand(M), y = new Float32Array(M), g = rand(M), o = new Float32Array(M);
      k.unary(op, x, 0, y, M, 1, 20);
      return () => k.unaryBackward(op, x, y, g, o, M, 1, 20);
    }]),
  ...[[65536, 16], [8192, 128], [1024, 1024], [64, 4096]].flatMap(([r, c]) => [false, true].flatMap((log) => [
    [`${log ? "logSoftmax" : "softmax"} [${r},${c}]`, r * c, 8, (k) => { const x = rand(r * c), o = new Float32Array(r * c); return () => k.softmax(x, o, r, c, log); }],
    [`${log ? "logSoftmax" : "softmax"} backward [${r},${c}]`, r * c, 12, (k) => {
      const x = rand(r * c), y = new Float32Array(r * c), g = rand(r * c), o = new Float32Array(r * c);
      k.softmax(x, y, r, c, log);
      return () => k.softmaxBackward(y, g, o, r, c, log);
    }],
  ])),
  // Copies of W4: split heads (q, k, v), merge heads, key transpose and its gradient.
  ...[
    ["split heads", [16, 4, 128, 32], [16384, 32, 128, 1]],
    ["merge heads", [16, 128, 4, 32], [16384, 32, 4096, 1]],
    ["key transpose", [16, 4, 32, 128], [16384, 32, 1, 128]],
    ["key transpose grad", [16, 128, 4, 32], [16384, 1, 4096, 128]],
    ["qkv slice", [16, 128, 128], [49152, 384, 1]],
    ["transpose 1024²", [1024, 1024], [1, 1024]],
  ].map(([what, shape, strides]) => {
    const n = shape.reduce((p, d) => p * d, 1);
    return [`copy ${what} [${shape}]`, n, 8, (k) => {
      const src = view(rand(3 * n), shape, strides), dst = view(new Float32Array(n), shape);
      return () => k.copy(src, dst);
    }];
  }),
  ["copy into qkv slice [16,128,128]", 16 * 128 * 128, 8, (k) => {
    const n = 16 * 128 * 128, src = view(rand(n), [16, 128, 128]), dst = view(new Float32Array(3 * n), [16, 128, 128], [49152, 384, 1]);
    return () => k.copy(src, dst);
  }],
  ["binary add [16,128,384]", 786432, 12, (k) => {
    const s = [16, 128, 384], a = view(rand(786432), s), b = view(rand(786432), s), o = new Float32Array(786432);
    return () => k.binary("add", a, b, s, o);
  }],
  ["binary add bias [2048,384]", 786432, 8, (k) => {
    const a = view(rand(786432), [2048, 384]), b = view(rand(384), [2048, 384], [0, 1]), o = new Float32Array(786432);
    return () => k.binary("add", a, b, [2048, 384], o);
  }],
  ["binary mul scalar [16,4,128,32]", M / 4, 8, (k) => {
    const s = [16, 4, 128, 32], a = view(rand(M / 4), s), b = view(rand(1), s, [0, 0, 0, 0]), o = new Float32Array(M / 4);
    return () => k.binary("mul", a, b, s, o);
  }],
  ["binary mul scalar, strided [16,4,128,32]", M / 4, 8, (k) => {
    const s = [16, 4, 128, 32], a = view(rand(M / 4), s, [16384, 32, 128, 1]), b = view(rand(1), s, [0, 0, 0, 0]), o = new Float32Array(M / 4);
    return () => k.binary("mul", a, b, s, o);
  }],
  ["where causal mask [16,4,128,128]", M, 9, (k) => {
    const s = [16, 4, 128, 128];
    const c = view(new Uint8Array(128 * 128).map((_, i) => ((i & 127) > i >> 7 ? 1 : 0)), s, [0, 0, 128, 1]);
    const a = view(rand(M), s), b = view(new Float32Array([-Infinity]), s, [0, 0, 0, 0]), o = new Float32Array(M);
    return () => k.where(c, a, b, s, o);
  }],
  ["reduce sum [1,2048,512] (middle)", M, 4, (k) => { const x = rand(M), o = new Float32Array(512); return () => k.reduce("sum", x, 0, 1, 2048, 512, o); }],
  ["reduce sum [8192,128,1] (last)", M, 4, (k) => { const x = rand(M), o = new Float32Array(8192); return () => k.reduce("sum", x, 0, 8192, 128, 1, o); }],
  ["reduce max [8192,128,1] (last)", M, 4, (k) => { const x = rand(M), o = new Float32Array(8192); return () => k.reduce("max", x, 0, 8192, 128, 1, o); }],
  ["reduce sum [64,128,128] (middle)", M, 4, (k) => { const x = rand(M), o = new Float32Array(64 * 128); return () => k.reduce("sum", x, 0, 64, 128, 128, o); }],
  ["layerNorm [2048,128]", 262144, 8, (k) => {
    const n = 262144, x = rand(n), w = rand(128), b = rand(128), o = new Float32Array(n), m = new Float32Array(2048), r = new Float32Array(2048);
    return () => k.layerNorm(x, w, b, o, m, r, 2048, 128, 1e-5);
  }],
  ["layerNorm backward [2048,128]", 262144, 12, (k) => {
    const n = 262144, x = rand(n), w = rand(128), b = rand(128), o = new Float32Array(n), m = new Float32Array(2048), r = new Float32Array(2048);
    k.layerNorm(x, w, b, o, m, r, 2048, 128, 1e-5);
    const g = rand(n), gx = new Float32Array(n), gw = new Float32Array(128), gb = new Float32Array(128);
    return () => k.layerNormBackward(g, x, w, m, r, gx, gw, gb, 2048, 128);
  }],
].filter(([name]) => name.includes(filter));

/**
 * Nanoseconds per call of f: the best of 7 batches of at least 20 ms each. On one thread
 * the process's CPU time, which leaves out the time other processes held the core.
 */
function time(f) {
  const oneThread = here.info.threads === 1;
  const clock = () => (oneThread ? (({ user, system }) => (user + system) * 1000)(process.cpuUsage()) : Number(process.hrtime.bigint()));
  let reps = 1;
  for (;;) {
    const t0 = clock();
    for (let i = 0; i < reps; i++) f();
    if (clock() - t0 > 2e7) break;
    reps *= 2;
  }
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const t0 = clock();
    for (let i = 0; i < reps; i++) f();
    best = Math.min(best, (clock() - t0) / reps);
  }
  return best;
}

const { cpus, loadavg } = await import("node:os");
console.log(`${cpus()[0].model}, isa ${here.info.isa}, ${here.info.threads} thread(s), load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(base ? "kernel | ns/element | GB/s | base ns/element | base ÷ this" : "kernel | ns/element | GB/s | × copy time per byte");
let copyNsPerByte = 0;
for (const [name, n, bytes, make] of cases) {
  const f = make(here.kernels);
  const g = base ? make(base.kernels) : null;
  let t = Infinity, tb = Infinity;
  for (let round = 0; round < 2; round++) {  // interleaved rounds, best of each
    t = Math.min(t, time(f));
    if (g) tb = Math.min(tb, time(g));
  }
  const ns = t / n;
  if (name.startsWith("copy contiguous")) copyNsPerByte = t / (n * bytes);
  const gbs = (n * bytes) / t;
  const tail = base ? `${(tb / n).toFixed(3)} | ${(tb / t).toFixed(2)}` : copyNsPerByte ? (t / (n * bytes) / copyNsPerByte).toFixed(2) : "";
  console.log(`${name} | ${ns.toFixed(3)} | ${gbs.toFixed(1)} | ${tail}`);
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
