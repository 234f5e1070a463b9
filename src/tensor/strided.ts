import type { TypedArray } from "./dtype.js";
import type { Shape } from "./shape.js";

/** A read-only window on storage: what kernels receive for a possibly non-contiguous input. */
export interface StridedView {
  readonly data: TypedArray;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

export function isContiguousView(v: StridedView): boolean {
  let expected = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] !== 1 && v.strides[i] !== expected) return false;
    expected *= v.shape[i];
  }
  return true;
}

/**
 * Copies a strided view into `out` in row-major order. The innermost dim is a tight loop;
 * the outer dims advance an index counter, so no per-element index arithmetic is needed.
 */
export function gatherStrided(v: StridedView, out: TypedArray, outOffset = 0): void {
  const { data, shape, strides } = v;
  const nd = shape.length;
  if (nd === 0) {
    out[outOffset] = data[v.offset];
    return;
  }
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const inner = shape[nd - 1];
  const sIn = strides[nd - 1];
  const idx = new Array<number>(nd - 1).fill(0);
  let src = v.offset;
  let dst = outOffset;
  for (let done = 0; done < total; done += inner) {
    if (sIn === 1) {
      out.set(data.subarray(src, src + inner), dst);
      dst += inner;
    } else {
      for (let i = 0, p = src; i < inner; i++, p += sIn) out[dst++] = data[p];
    }
    // advance the outer index counter
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      src += strides[d];
      if (idx[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}
