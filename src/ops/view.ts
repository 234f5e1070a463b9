import { K } from "../backend/index.js";
import { record } from "../autograd/node.js";
import type { DType } from "../tensor/dtype.js";
import { type Shape, contiguousStrides, fmtShape, normDim, numel, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { contiguousData, sumToShape, uninitialized } from "./util.js";

/** A view sharing x's storage; only the ops in this file create views. */
function viewOf(x: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  return new Tensor(x.data, shape, strides, offset);
}

/** `shape` with its -1 entry (if any) resolved to hold `count` elements; null when no such shape exists. */
function fillInferred(shape: Shape, count: number): number[] | null {
  const s = shape.slice();
  const neg = s.indexOf(-1);
  if (neg >= 0) {
    const rest = numel(s.filter((_, i) => i !== neg));
    if (rest <= 0 || count % rest !== 0) return null;
    s[neg] = count / rest;
  }
  return s.every((d) => Number.isInteger(d) && d >= 0) && numel(s) === count ? s : null;
}

/** Resolves one -1 entry and checks the element count. */
function inferShape(x: Tensor, shape: Shape, op: string): number[] {
  if (shape.indexOf(-1) !== shape.lastIndexOf(-1)) throw new RangeError(`${op}: only one dimension can be -1, got ${fmtShape(shape)}`);
  const s = fillInferred(shape, x.numel());
  if (!s) throw new RangeError(`${op}: shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${x.numel()} elements)`);
  return s;
}

/** A contiguous copy of x that autograd passes straight through. */
export function clone(x: Tensor): Tensor {
  const out = uninitialized(x.shape, x.dtype);
  K.copy(x, out);
  return record("CloneBackward", out, [x], (g) => [g]);
}

export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : clone(x);
}

/** Shares storage, never requires grad. */
export function detach(x: Tensor): Tensor {
  return viewOf(x, x.shape, x.strides, x.offset);
}

/**
 * Strides that let x's storage be read as `shape` (ATen's computeStride), or null when no
 * view can: each run of x's dims that is contiguous within itself may be split or merged
 * freely, so a split-off or transposed piece (GPT's heads) reshapes without a copy.
 */
function viewStrides(x: Tensor, shape: Shape): number[] | null {
  if (x.ndim === 0 || x.numel() === 0) return contiguousStrides(shape);
  const strides = new Array<number>(shape.length);
  let v = shape.length - 1;
  let base = x.strides[x.ndim - 1];
  let chunk = 1;
  let viewCount = 1;
  for (let d = x.ndim - 1; d >= 0; d--) {
    chunk *= x.shape[d];
    // A run of dims ends where the next one out does not continue it.
    if (d === 0 || (x.shape[d - 1] !== 1 && x.strides[d - 1] !== chunk * base)) {
      while (v >= 0 && (viewCount < chunk || shape[v] === 1)) {
        strides[v] = viewCount * base;
        viewCount *= shape[v];
        v--;
      }
      if (viewCount !== chunk) return null;
      if (d > 0) {
        base = x.strides[d - 1];
        chunk = 1;
        viewCount = 1;
      }
    }
  }
  return v === -1 ? strides : null;
}

/** A view with a new shape; x's strides must allow one (use reshape otherwise). */
export function view(x: Tensor, shape: Shape): Tensor {
  const s = inferShape(x, shape, "view");
  const strides = viewStrides(x, s);
  if (!strides) {
    throw new Error(`view: input of shape ${fmtShape(x.shape)} is not contiguous; use reshape() or call contiguous() first`);
  }
  return record("ViewBackward", viewOf(x, s, strides, x.offset), [x], (g) => [reshape(g, x.shape)]);
}

/** A view when x's strides allow one, otherwise a copy, as torch.reshape. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = inferShape(x, shape, "reshape");
  if (shapesEqual(s, x.shape)) return x;
  const strides = viewStrides(x, s);
  const src = strides ? x : clone(x);
  return record("ReshapeBackward", viewOf(src, s, strides ?? contiguousStrides(s), src.offset), [src], (g) => [reshape(g, src.shape)]);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim(startDim, x.ndim, "flatten");
  const e = normDim(endDim, x.ndim, "flatten");
  if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Splits dim into `sizes` (one of which may be -1), as torch.unflatten. */
export function unflatten(x: Tensor, dim: number, sizes: Shape): Tensor {
  const d = normDim(dim, x.ndim, "unflatten");
  const inner = fillInferred(sizes, x.shape[d]);
  if (!inner) throw new RangeError(`unflatten: sizes ${fmtShape(sizes)} do not multiply to dim ${d} of shape ${fmtShape(x.shape)}`);
  return reshape(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) throw new RangeError(`permute: got ${dims.length} dims for a ${x.ndim}-d tensor of shape ${fmtShape(x.shape)}`);
  const d = dims.map((v) => normDim(v, x.ndim, "permute"));
  if (new Set(d).size !== d.length) throw new RangeError(`permute: repeated dim in ${fmtShape(dims)}`);
  const out = viewOf(x, d.map((i) => x.shape[i]), d.map((i) => x.strides[i]), x.offset);
  const inverse = new Array<number>(d.length);
  d.forEach((v, i) => (inverse[v] = i));
  return record("PermuteBackward", out, [x], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.ndim === 0) return x;
  const a = normDim(dim0, x.ndim, "transpose");
  const b = normDim(dim1, x.ndim, "transpose");
  const dims = [...Array(x.ndim).keys()];
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/** Matrix transpose of a ≤2-d tensor, as torch.t. */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dims, got shape ${fmtShape(x.shape)}; use transpose()`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

/** Broadcasts to `shape` without copying (stride 0 on stretched dims); -1 keeps a size. */
export function expand(x: Tensor, shape: Shape): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new RangeError(`expand: target ${fmtShape(shape)} has fewer dims than input ${fmtShape(x.shape)}`);
  const target = shape.map((s, i) => (s === -1 && i >= lead ? x.shape[i - lead] : s));
  const strides = target.map((s, i) => {
    if (!Number.isInteger(s) || s < 0) {
      const what = i < lead && s === -1 ? `the new leading dim ${i}` : `dim ${i}`;
      throw new RangeError(`expand: ${s} is not allowed for ${what} (target ${fmtShape(shape)}, input ${fmtShape(x.shape)})`);
    }
    if (i < lead) return 0;
    const d = x.shape[i - lead];
    if (d === s) return x.strides[i - lead];
    if (d === 1) return 0;
    throw new RangeError(`expand: cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(shape)} (dim ${i}: ${d} vs ${s})`);
  });
  if (shapesEqual(target, x.shape)) return x;
  return record("ExpandBackward", viewOf(x, target, strides, x.offset), [x], (g) => [sumToShape(g, x.shape)]);
}

export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? [...Array(x.ndim).keys()] : (typeof dim === "number" ? [dim] : dim).map((d) => normDim(d, x.ndim, "squeeze"));
  const keep = [...Array(x.ndim).keys()].filter((i) => !(dims.includes(i) && x.shape[i] === 1));
  if (keep.length === x.ndim) return x;
  return record("SqueezeBackward", viewOf(x, keep.map((i) => x.shape[i]), keep.map((i) => x.strides[i]), x.offset), [x], (g) => [reshape(g, x.shape)]);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1, "unsqueeze");
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  return record("UnsqueezeBackward", viewOf(x, shape, strides, x.offset), [x], (g) => [reshape(g, x.shape)]);
}

/** The dim an indexing op works along; a 0-d tensor has none. */
function indexedDim(x: Tensor, dim: number, op: string): number {
  if (x.ndim === 0) throw new RangeError(`${op}: cannot index a 0-d tensor`);
  return normDim(dim, x.ndim, op);
}

/**
 * Elements start, start+step, … below end along dim, as x[..., start:end:step, ...].
 * Negative start/end count from the end; out-of-range bounds are clipped as in Python.
 */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  const d = indexedDim(x, dim, "slice");
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  if (!Number.isInteger(start) || (end !== undefined && !Number.isInteger(end))) {
    throw new TypeError(`slice: start and end must be integers, got ${start} and ${end}`);
  }
  const size = x.shape[d];
  const clip = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const s = clip(start);
  const e = Math.max(s, clip(end ?? size));
  const len = Math.ceil((e - s) / step);
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape[d] = len;
  strides[d] = x.strides[d] * step;
  const out = viewOf(x, shape, strides, x.offset + s * x.strides[d]);
  // The slice's elements within a contiguous tensor of x's shape.
  const window = (full: Tensor) => {
    const ws = [...full.strides];
    ws[d] *= step;
    return viewOf(full, shape, ws, full.offset + s * full.strides[d]);
  };
  return record("SliceBackward", out, [x], (g) => {
    // Uninitialised storage may be a recycled gradient buffer, so what the window leaves out is
    // zeroed by hand: for a step of 1, the parts of dim d before and after it.
    const gx = uninitialized(x.shape);
    if (step === 1) {
      zeroRange(gx, d, 0, s);
      zeroRange(gx, d, e, size);
    } else {
      gx.data.fill(0);
    }
    K.copy(g, window(gx));
    return [gx];
  }, {
    freshGrads: true,
    // The pieces of a split add into one gradient of x instead of one zero-filled x each:
    // target's window += g in place, a strided output.
    addInto: (g, target) => {
      const win = window(target);
      K.binary("add", win, g, shape, target.data, win);
    },
  });
}

const ZERO = new Float32Array(1);

/** Zeroes indices [from, to) of dim d of the contiguous t. */
function zeroRange(t: Tensor, d: number, from: number, to: number): void {
  if (to <= from) return;
  const shape = [...t.shape];
  shape[d] = to - from;
  K.copy({ data: ZERO, shape, strides: shape.map(() => 0), offset: 0 }, viewOf(t, shape, t.strides, t.offset + from * t.strides[d]));
}

/** `length` elements of dim from `start` (which must be in range), as torch.narrow. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = indexedDim(x, dim, "narrow");
  if (!Number.isInteger(start) || !Number.isInteger(length)) throw new TypeError(`narrow: start and length must be integers, got ${start} and ${length}`);
  const s = start < 0 ? start + x.shape[d] : start;
  if (s < 0 || length < 0 || s + length > x.shape[d]) {
    throw new RangeError(`narrow: start ${start} + length ${length} exceeds dim ${d} of shape ${fmtShape(x.shape)}`);
  }
  return slice(x, d, s, s + length);
}

/** The slice at `index` along dim, with that dim removed, as x[..., index, ...]. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = indexedDim(x, dim, "select");
  const size = x.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new RangeError(`select: index ${index} is out of bounds for dim ${d} with size ${size} (shape ${fmtShape(x.shape)})`);
  }
  const i = index < 0 ? index + size : index;
  return squeeze(narrow(x, d, i, 1), d);
}

/** Converts the dtype (a copy; float→int truncates toward zero). Gradients flow float→float only. */
export function to(x: Tensor, dtype: DType): Tensor {
  if (dtype === x.dtype) return x;
  const src = contiguousData(x);
  const out = uninitialized(x.shape, dtype);
  const n = out.numel();
  const d = out.data;
  const s = src.data;
  if (dtype === "bool") for (let i = 0; i < n; i++) d[i] = s[src.offset + i] ? 1 : 0;
  else for (let i = 0; i < n; i++) d[i] = dtype === "int32" ? Math.trunc(s[src.offset + i]) : s[src.offset + i];
  return out;
}
