import type { TypedArray } from "../../tensor/dtype.js";
import type { ReduceOp } from "../kernels.js";

/**
 * Reduces the middle axis of a contiguous [outer, n, inner] array. When inner = 1 each
 * output is a contiguous run; otherwise rows of `inner` are combined element-wise, which
 * keeps the reads sequential.
 */
export function reduce(op: ReduceOp, x: TypedArray, xo: number, outer: number, n: number, inner: number, out: TypedArray): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) out[o] = reduceRun(op, x, xo + o * n, n);
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = xo + o * n * inner;
    const ob = o * inner;
    if (n === 0) {
      for (let i = 0; i < inner; i++) out[ob + i] = op === "prod" ? 1 : 0;
      continue;
    }
    for (let i = 0; i < inner; i++) acc[i] = x[base + i];
    if (op === "argmax" || op === "argmin") {
      for (let i = 0; i < inner; i++) out[ob + i] = 0;
    }
    for (let j = 1; j < n; j++) {
      const row = base + j * inner;
      switch (op) {
        case "sum": for (let i = 0; i < inner; i++) acc[i] += x[row + i]; break;
        case "prod": for (let i = 0; i < inner; i++) acc[i] *= x[row + i]; break;
        case "max": for (let i = 0; i < inner; i++) { const v = x[row + i]; if (v > acc[i] || v !== v) acc[i] = v; } break;
        case "min": for (let i = 0; i < inner; i++) { const v = x[row + i]; if (v < acc[i] || v !== v) acc[i] = v; } break;
        case "argmax":
          for (let i = 0; i < inner; i++) {
            const v = x[row + i];
            if (v > acc[i] || (v !== v && acc[i] === acc[i])) { acc[i] = v; out[ob + i] = j; }
          }
          break;
        case "argmin":
          for (let i = 0; i < inner; i++) {
            const v = x[row + i];
            if (v < acc[i] || (v !== v && acc[i] === acc[i])) { acc[i] = v; out[ob + i] = j; }
          }
          break;
      }
    }
    if (op !== "argmax" && op !== "argmin") for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
  }
}

/** Reduces n contiguous values; sums accumulate in double precision. */
function reduceRun(op: ReduceOp, x: TypedArray, start: number, n: number): number {
  const end = start + n;
  switch (op) {
    case "sum": {
      let s = 0;
      for (let i = start; i < end; i++) s += x[i];
      return s;
    }
    case "prod": {
      let p = 1;
      for (let i = start; i < end; i++) p *= x[i];
      return p;
    }
    case "max":
    case "min": {
      if (n === 0) return 0;
      let best = x[start];
      for (let i = start + 1; i < end; i++) {
        const v = x[i];
        if (v !== v) return v; // NaN wins, as PyTorch
        if (op === "max" ? v > best : v < best) best = v;
      }
      return best;
    }
    case "argmax":
    case "argmin": {
      if (n === 0) return 0;
      let best = x[start];
      let at = 0;
      if (best !== best) return 0;
      for (let i = start + 1; i < end; i++) {
        const v = x[i];
        if (v !== v) return i - start;
        if (op === "argmax" ? v > best : v < best) { best = v; at = i - start; }
      }
      return at;
    }
  }
}
