// Where the native kernels start to beat the TypeScript ones: times each kernel family on
// both backends over growing sizes (per call, after warm-up) and prints the ratio. The
// thresholds in src/backend/native/backend.ts (CROSSOVER) come from this table.
// Run after `npm run build`: node bench/crossover.mjs
import { jsBackend as js, nativeKernels } from "../dist/src/backend/index.js";
import { CROSSOVER } from "../dist/src/backend/native/index.js";

if (!nativeKernels) {
  console.log("the native addon is not built");
  process.exit(0);
}
for (const k of Object.keys(CROSSOVER)) CROSSOVER[k] = 0; // measure native at every size
const nk = nativeKernels;

function rand(n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

/** Nanoseconds per call of f, best of a few timed batches. */
function time(f) {
  for (let i = 0; i < 2000; i++) f();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const reps = 2000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / reps);
  }
  return best;
}

const view = (data, shape) => {
  const strides = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) { strides[d] = s; s *= shape[d]; }
  return { data, shape, strides, offset: 0 };
};

const families = {
  "unary relu": (n) => { const x = rand(n), o = new Float32Array(n); return (b) => () => b.unary("relu", x, 0, o, n, 0, 0); },
  "unary exp": (n) => { const x = rand(n), o = new Float32Array(n); return (b) => () => b.unary("exp", x, 0, o, n, 0, 0); },
  "binary add": (n) => {
    const a = view(rand(n), [n]), c = view(rand(n), [n]), o = new Float32Array(n);
    return (b) => () => b.binary("add", a, c, [n], o);
  },
  "binary add row-broadcast": (n) => {
    const r = Math.max(1, n >> 5), a = view(rand(r * 32), [r, 32]), c = { data: rand(32), shape: [r, 32], strides: [0, 1], offset: 0 };
    const o = new Float32Array(r * 32);
    return (b) => () => b.binary("add", a, c, [r, 32], o);
  },
  "copy transpose": (n) => {
    const s = Math.max(1, Math.round(Math.sqrt(n))), src = { data: rand(s * s), shape: [s, s], strides: [1, s], offset: 0 };
    const dst = view(new Float32Array(s * s), [s, s]);
    return (b) => () => b.copy(src, dst);
  },
  "reduce sum": (n) => { const x = rand(n), o = new Float32Array(1); return (b) => () => b.reduce("sum", x, 0, 1, n, 1, o); },
  "softmax rows of 16": (n) => { const r = Math.max(1, n >> 4), x = rand(r * 16), o = new Float32Array(r * 16); return (b) => () => b.softmax(x, o, r, 16, false); },
  "gemm cube": (n) => {
    const s = Math.max(1, Math.round(Math.cbrt(n))), a = rand(s * s), c = rand(s * s), o = new Float32Array(s * s);
    return (b) => () => b.gemm(1, s, s, s, a, 0, 0, false, c, 0, 0, false, o, 0, 0, false);
  },
  "adam": (n) => {
    const p = rand(n), g = rand(n), m = new Float32Array(n), v = new Float32Array(n);
    return (b) => () => b.adamStep(p, g, m, v, null, 1e-3, 0.9, 0.999, 1e-8, 0, false, 10);
  },
  "maxPool 2x2": (n) => {
    const planes = Math.max(1, n >> 4), x = rand(planes * 64), o = new Float32Array(planes * 16), idx = new Int32Array(planes * 16);
    const geo = { planes, h: 8, w: 8, kh: 2, kw: 2, outH: 4, outW: 4, strideH: 2, strideW: 2, padH: 0, padW: 0, dilationH: 1, dilationW: 1 };
    return (b) => () => b.maxPool2d(x, o, idx, geo);
  },
  "attention, head dim 16": (n) => {
    // One query row against S keys: n = S·(E + Ev) forward multiply-adds.
    const S = Math.max(1, n >> 5), E = 16, q = rand(E), k = rand(S * E), v = rand(S * E), o = new Float32Array(E), lse = new Float32Array(1);
    const at = (data) => ({ data, offset: 0, strides: [0, 0, E, 1] });
    const geo = { batch: 1, heads: 1, L: 1, S, E, Ev: E, scale: 0.25, causal: false, past: 0 };
    return (b) => () => b.attention(at(q), at(k), at(v), at(o), lse, geo);
  },
  "indexSelect rows of 8": (n) => {
    const rows = Math.max(1, n >> 3), x = rand(64 * 8), idx = new Int32Array(rows).map((_, i) => i % 64), o = new Float32Array(rows * 8);
    return (b) => () => b.indexSelect(x, 1, 64, 8, idx, o);
  },
};

const sizes = [16, 64, 128, 256, 512, 1024, 4096, 16384];
console.log(`size (elements or multiply-adds): ${sizes.join(", ")}; cells: js ns / native ns`);
for (const [name, make] of Object.entries(families)) {
  const cells = sizes.map((n) => {
    const f = make(n);
    const tj = time(f(js)), tn = time(f(nk));
    return `${tj.toFixed(0)}/${tn.toFixed(0)}${tn < tj ? "*" : ""}`;
  });
  console.log(`${name.padEnd(26)} ${cells.join("  ")}`);
}
console.log("* native faster");
