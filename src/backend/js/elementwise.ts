import type { TypedArray } from "../../tensor/dtype.js";
import type { Shape } from "../../tensor/shape.js";
import type { StridedView } from "../../tensor/strided.js";
import type { BinaryOp, DiffUnaryOp, OutView, UnaryOp } from "../kernels.js";

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erf in double precision: Maclaurin series near 0, a continued fraction for erfc in the tails. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return sum * 1.1283791670955126;
  }
  if (ax > 6) return Math.sign(x);
  // erfc continued fraction (Lentz) for the tail.
  const x2 = ax * ax;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 100; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = 1 / d;
    c = ax + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-x2) / (f * Math.sqrt(Math.PI));
  return Math.sign(x) * (1 - erfc);
}

export function unary(op: UnaryOp, x: TypedArray, xo: number, out: TypedArray, n: number, p0: number, p1: number): void {
  switch (op) {
    case "neg": for (let i = 0; i < n; i++) out[i] = -x[xo + i]; break;
    case "abs": for (let i = 0; i < n; i++) out[i] = Math.abs(x[xo + i]); break;
    case "sign": for (let i = 0; i < n; i++) out[i] = Math.sign(x[xo + i]); break;
    case "exp": for (let i = 0; i < n; i++) out[i] = Math.exp(x[xo + i]); break;
    case "log": for (let i = 0; i < n; i++) out[i] = Math.log(x[xo + i]); break;
    case "log1p": for (let i = 0; i < n; i++) out[i] = Math.log1p(x[xo + i]); break;
    case "expm1": for (let i = 0; i < n; i++) out[i] = Math.expm1(x[xo + i]); break;
    case "sqrt": for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[xo + i]); break;
    case "rsqrt": for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[xo + i]); break;
    case "square": for (let i = 0; i < n; i++) { const v = x[xo + i]; out[i] = v * v; } break;
    case "reciprocal": for (let i = 0; i < n; i++) out[i] = 1 / x[xo + i]; break;
    case "sin": for (let i = 0; i < n; i++) out[i] = Math.sin(x[xo + i]); break;
    case "cos": for (let i = 0; i < n; i++) out[i] = Math.cos(x[xo + i]); break;
    case "tanh": for (let i = 0; i < n; i++) out[i] = Math.tanh(x[xo + i]); break;
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const v = x[xo + i];
        // Two branches keep exp() from overflowing for large |v|.
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); out[i] = e / (1 + e); }
      }
      break;
    case "relu": for (let i = 0; i < n; i++) { const v = x[xo + i]; out[i] = v > 0 ? v : 0; } break;
    case "leakyRelu": for (let i = 0; i < n; i++) { const v = x[xo + i]; out[i] = v > 0 ? v : v * p0; } break;
    case "elu": for (let i = 0; i < n; i++) { const v = x[xo + i]; out[i] = v > 0 ? v : p0 * Math.expm1(v); } break;
    case "gelu": for (let i = 0; i < n; i++) { const v = x[xo + i]; out[i] = 0.5 * v * (1 + erf(v * SQRT1_2)); } break;
    case "geluTanh":
      for (let i = 0; i < n; i++) {
        const v = x[xo + i];
        out[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_PI * (v + 0.044715 * v * v * v)));
      }
      break;
    case "silu": for (let i = 0; i < n; i++) { const v = x[xo + i]; out[i] = v / (1 + Math.exp(-v)); } break;
    case "softplus":
      // PyTorch: x when beta*x > threshold, else log1p(exp(beta*x))/beta.
      for (let i = 0; i < n; i++) {
        const bx = x[xo + i] * p0;
        out[i] = bx > p1 ? x[xo + i] : Math.log1p(Math.exp(bx)) / p0;
      }
      break;
    case "erf": for (let i = 0; i < n; i++) out[i] = erf(x[xo + i]); break;
    case "floor": for (let i = 0; i < n; i++) out[i] = Math.floor(x[xo + i]); break;
    case "ceil": for (let i = 0; i < n; i++) out[i] = Math.ceil(x[xo + i]); break;
    // Round half to even, as torch.round.
    case "round": for (let i = 0; i < n; i++) { const v = x[xo + i]; const r = Math.round(v); out[i] = r - v === 0.5 && r % 2 !== 0 ? r - 1 : r; } break;
    case "logicalNot": for (let i = 0; i < n; i++) out[i] = x[xo + i] ? 0 : 1; break;
  }
}

export function unaryBackward(
  op: DiffUnaryOp, x: Float32Array, y: Float32Array, g: Float32Array, out: Float32Array, n: number, p0: number, p1: number,
): void {
  switch (op) {
    case "neg": for (let i = 0; i < n; i++) out[i] = -g[i]; break;
    case "abs": for (let i = 0; i < n; i++) out[i] = g[i] * Math.sign(x[i]); break;
    case "exp": for (let i = 0; i < n; i++) out[i] = g[i] * y[i]; break;
    case "log": for (let i = 0; i < n; i++) out[i] = g[i] / x[i]; break;
    case "log1p": for (let i = 0; i < n; i++) out[i] = g[i] / (1 + x[i]); break;
    case "expm1": for (let i = 0; i < n; i++) out[i] = g[i] * (y[i] + 1); break;
    case "sqrt": for (let i = 0; i < n; i++) out[i] = g[i] / (2 * y[i]); break;
    case "rsqrt": for (let i = 0; i < n; i++) out[i] = -0.5 * g[i] * y[i] * y[i] * y[i]; break;
    case "square": for (let i = 0; i < n; i++) out[i] = 2 * g[i] * x[i]; break;
    case "reciprocal": for (let i = 0; i < n; i++) out[i] = -g[i] * y[i] * y[i]; break;
    case "sin": for (let i = 0; i < n; i++) out[i] = g[i] * Math.cos(x[i]); break;
    case "cos": for (let i = 0; i < n; i++) out[i] = -g[i] * Math.sin(x[i]); break;
    case "tanh": for (let i = 0; i < n; i++) out[i] = g[i] * (1 - y[i] * y[i]); break;
    case "sigmoid": for (let i = 0; i < n; i++) out[i] = g[i] * y[i] * (1 - y[i]); break;
    case "relu": for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? g[i] : 0; break;
    case "leakyRelu": for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? g[i] : g[i] * p0; break;
    case "elu": for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? g[i] : g[i] * (y[i] + p0); break;
    case "gelu":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = g[i] * (0.5 * (1 + erf(v * SQRT1_2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
      }
      break;
    case "geluTanh":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const inner = SQRT_2_PI * (v + 0.044715 * v * v * v);
        const t = Math.tanh(inner);
        const dInner = SQRT_2_PI * (1 + 3 * 0.044715 * v * v);
        out[i] = g[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * dInner);
      }
      break;
    case "silu":
      for (let i = 0; i < n; i++) {
        const s = 1 / (1 + Math.exp(-x[i]));
        out[i] = g[i] * s * (1 + x[i] * (1 - s));
      }
      break;
    case "softplus":
      for (let i = 0; i < n; i++) {
        const bx = x[i] * p0;
        out[i] = bx > p1 ? g[i] : g[i] / (1 + Math.exp(-bx));
      }
      break;
    case "erf": for (let i = 0; i < n; i++) out[i] = g[i] * 1.1283791670955126 * Math.exp(-x[i] * x[i]); break;
  }
}

/**
 * One row of a binary op: n elements read with strides sa and sb, written with stride so. The op switch runs once
 * per row, so the element loop has no dispatch in it.
 */
function binaryRow(
  op: BinaryOp, a: TypedArray, ai: number, sa: number, b: TypedArray, bi: number, sb: number,
  out: TypedArray, oi: number, so: number, n: number,
): void {
  switch (op) {
    case "add": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] + b[bi]; break;
    case "sub": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] - b[bi]; break;
    case "mul": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] * b[bi]; break;
    case "div": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] / b[bi]; break;
    case "pow": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = Math.pow(a[ai], b[bi]); break;
    // maximum/minimum propagate NaN, as PyTorch.
    case "maximum": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) { const x = a[ai], y = b[bi]; out[oi] = x > y || x !== x ? x : y; } break;
    case "minimum": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) { const x = a[ai], y = b[bi]; out[oi] = x < y || x !== x ? x : y; } break;
    // Python-style remainder: the result takes the sign of the divisor.
    case "remainder": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) { const x = a[ai], y = b[bi]; out[oi] = x - Math.floor(x / y) * y; } break;
    case "atan2": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = Math.atan2(a[ai], b[bi]); break;
    case "eq": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] === b[bi] ? 1 : 0; break;
    case "ne": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] !== b[bi] ? 1 : 0; break;
    case "lt": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] < b[bi] ? 1 : 0; break;
    case "le": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] <= b[bi] ? 1 : 0; break;
    case "gt": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] > b[bi] ? 1 : 0; break;
    case "ge": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] >= b[bi] ? 1 : 0; break;
    case "logicalAnd": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] && b[bi] ? 1 : 0; break;
    case "logicalOr": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = a[ai] || b[bi] ? 1 : 0; break;
    case "logicalXor": for (let i = 0; i < n; i++, ai += sa, bi += sb, oi += so) out[oi] = !a[ai] !== !b[bi] ? 1 : 0; break;
  }
}

/**
 * Walks `shape` row by row (the last dim is the row), calling `row` with the start offset
 * of each input; outer dims advance an index counter instead of recomputing offsets.
 */
function forEachRow(
  shape: Shape, views: readonly StridedView[], row: (offsets: number[], outOffset: number, n: number) => void,
): void {
  const nd = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const offs = views.map((v) => v.offset);
  if (nd === 0) {
    row(offs, 0, 1);
    return;
  }
  // Merge trailing dims that are contiguous in every view into one longer row.
  let inner = shape[nd - 1];
  let first = nd - 1;
  while (first > 0 && views.every((v) => v.strides[first - 1] === v.strides[first] * shape[first])) {
    first--;
    inner *= shape[first];
  }
  const idx = new Array<number>(first).fill(0);
  for (let o = 0; o < total; o += inner) {
    row(offs, o, inner);
    for (let d = first - 1; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < views.length; k++) offs[k] += views[k].strides[d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < views.length; k++) offs[k] -= views[k].strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

export function binary(op: BinaryOp, a: StridedView, b: StridedView, shape: Shape, out: TypedArray, outView?: OutView): void {
  const nd = shape.length;
  const sa = nd ? a.strides[nd - 1] : 0;
  const sb = nd ? b.strides[nd - 1] : 0;
  if (outView) {
    const so = nd ? outView.strides[nd - 1] : 0;
    const o: StridedView = { data: out, shape, strides: outView.strides, offset: outView.offset };
    forEachRow(shape, [a, b, o], (offs, _oo, n) => binaryRow(op, a.data, offs[0], sa, b.data, offs[1], sb, out, offs[2], so, n));
    return;
  }
  // A merged row steps by the innermost stride; merging keeps that valid (see forEachRow).
  forEachRow(shape, [a, b], (offs, oo, n) => binaryRow(op, a.data, offs[0], sa, b.data, offs[1], sb, out, oo, 1, n));
}

export function where(cond: StridedView, a: StridedView, b: StridedView, shape: Shape, out: TypedArray): void {
  const nd = shape.length;
  const sc = nd ? cond.strides[nd - 1] : 0;
  const sa = nd ? a.strides[nd - 1] : 0;
  const sb = nd ? b.strides[nd - 1] : 0;
  const c = cond.data, ad = a.data, bd = b.data;
  forEachRow(shape, [cond, a, b], (offs, oo, n) => {
    let ci = offs[0], ai = offs[1], bi = offs[2];
    for (let i = 0; i < n; i++, ci += sc, ai += sa, bi += sb) out[oo + i] = c[ci] ? ad[ai] : bd[bi];
  });
}

export function copy(src: StridedView, dst: StridedView): void {
  const shape = src.shape;
  const nd = shape.length;
  const ss = nd ? src.strides[nd - 1] : 0;
  const sd = nd ? dst.strides[nd - 1] : 0;
  const s = src.data, d = dst.data;
  forEachRow(shape, [src, dst], (offs, _oo, n) => {
    let si = offs[0], di = offs[1];
    if (ss === 1 && sd === 1) d.set(s.subarray(si, si + n), di);
    else for (let i = 0; i < n; i++, si += ss, di += sd) d[di] = s[si];
  });
}
