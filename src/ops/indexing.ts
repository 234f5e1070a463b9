/**
 * Indexing ops: gather/scatter along a dim, indexSelect, PyTorch's x[idx] for integer and
 * boolean indices, maskedFill and nonzero. Indices are int32 and checked before any kernel
 * runs; an index out of range is a RangeError naming the op, the index and the size.
 */
import { K } from "../backend/index.js";
import { record } from "../autograd/node.js";
import { type DType, type TypedArray, allocate } from "../tensor/dtype.js";
import { type Shape, broadcastShapes, contiguousStrides, fmtShape, normDim, numel, shapesEqual } from "../tensor/shape.js";
import type { StridedView } from "../tensor/strided.js";
import { Tensor } from "../tensor/tensor.js";
import { where } from "./elementwise.js";
import { alloc, checkDtype, f32, i32, uninitialized } from "./util.js";

/** The block of t at index 0 of every dim with extent `shape`: what an index smaller than t covers. */
function corner(t: StridedView, shape: Shape): StridedView {
  return { data: t.data, shape, strides: t.strides, offset: t.offset };
}

function denseView(data: TypedArray, shape: Shape): StridedView {
  return { data, shape, strides: contiguousStrides(shape), offset: 0 };
}

/** t's corner of `shape` as a dense row-major array; no copy when that is all of a contiguous t. */
function dense(t: Tensor, shape: Shape = t.shape): TypedArray {
  const n = numel(shape);
  if (shapesEqual(shape, t.shape) && t.isContiguous()) {
    return t.offset === 0 && t.data.length === n ? t.data : t.data.subarray(t.offset, t.offset + n);
  }
  const out = allocate(t.dtype, n);
  K.copy(corner(t, shape), denseView(out, shape));
  return out;
}

/** A number stored as `dtype` would store it (bool keeps 0/1, int32 truncates), as PyTorch casts fill values. */
function fillValue(dtype: DType, value: number): number {
  return dtype === "bool" ? Number(value !== 0) : value;
}

/** Throws unless every index is in [0, size). */
function checkBounds(op: string, idx: Int32Array, size: number, dim: number): void {
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (v < 0 || v >= size) throw new RangeError(`${op}: index ${v} is out of bounds for dim ${dim} with size ${size}`);
  }
}

function checkNotScalar(op: string, x: Tensor): void {
  if (x.ndim === 0) throw new RangeError(`${op}: input must have at least one dim, got a 0-d tensor`);
}

// ---------------------------------------------------------------- gather / scatter

/**
 * gather/scatter seen as [outer, n, inner] along dim d: the index (of extent m along d)
 * covers `region` of the input, which is the whole input unless the index is smaller
 * than it in some other dim.
 */
interface AxisPlan {
  d: number;
  outer: number;
  n: number;
  inner: number;
  m: number;
  region: number[];
  idx: Int32Array;
}

function axisPlan(op: string, x: Tensor, dim: number, index: Tensor, src?: Tensor): AxisPlan {
  checkDtype(op, index, "int32", "index");
  checkNotScalar(op, x);
  const d = normDim(dim, x.ndim, op);
  if (index.ndim !== x.ndim || (src && src.ndim !== x.ndim)) {
    const s = src ? ` and src of shape ${fmtShape(src.shape)}` : "";
    throw new RangeError(`${op}: index of shape ${fmtShape(index.shape)}${s} must have as many dims as input of shape ${fmtShape(x.shape)}`);
  }
  for (let k = 0; k < x.ndim; k++) {
    if (k !== d && index.shape[k] > x.shape[k]) {
      throw new RangeError(`${op}: index of shape ${fmtShape(index.shape)} is larger than input of shape ${fmtShape(x.shape)} at dim ${k}`);
    }
    if (src && index.shape[k] > src.shape[k]) {
      throw new RangeError(`${op}: index of shape ${fmtShape(index.shape)} is larger than src of shape ${fmtShape(src.shape)} at dim ${k}`);
    }
  }
  const idx = i32(index);
  checkBounds(op, idx, x.shape[d], d);
  const region = index.shape.slice();
  region[d] = x.shape[d];
  return {
    d, outer: numel(index.shape.slice(0, d)), n: x.shape[d], inner: numel(index.shape.slice(d + 1)), m: index.shape[d], region, idx,
  };
}

/** Scatters (or scatter-adds) `values` into the plan's region of target, a fresh contiguous tensor. */
function scatterInto(add: boolean, target: Tensor, p: AxisPlan, values: TypedArray): Tensor {
  const whole = shapesEqual(p.region, target.shape);
  const buf = whole ? target.data : dense(target, p.region);
  if (add) K.scatterAdd(values as Float32Array, p.outer, p.n, p.inner, p.idx, p.m, buf as Float32Array);
  else K.scatter(values, p.outer, p.n, p.inner, p.idx, p.m, buf);
  if (!whole) K.copy(denseView(buf, p.region), corner(target, p.region));
  return target;
}

/** t placed in the corner of zeros of `shape`: the gradient of a src larger than its index. */
function embed(t: Tensor, shape: Shape): Tensor {
  if (shapesEqual(t.shape, shape)) return t;
  const out = alloc(shape, t.dtype);
  K.copy(t, corner(out, t.shape));
  return out;
}

/** out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and likewise for other dims), as torch.gather. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const p = axisPlan("gather", x, dim, index);
  const out = uninitialized(index.shape, x.dtype);
  K.gather(dense(x, p.region), p.outer, p.n, p.inner, p.idx, p.m, out.data);
  return record("GatherBackward", out, [x], (g) => [scatterInto(true, alloc(x.shape), p, f32(g))]);
}

/** A copy of x with src[i][j][k] added at x[index[i][j][k]][j][k] (dim 0), as torch.scatter_add. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const p = axisPlan("scatterAdd", x, dim, index, src);
  // The kernel accumulates in float32 only.
  checkDtype("scatterAdd", x, "float32", "input");
  checkDtype("scatterAdd", src, "float32", "src");
  const out = uninitialized(x.shape);
  K.copy(x, out);
  scatterInto(true, out, p, dense(src, index.shape));
  return record("ScatterAddBackward", out, [x, src], (g) => [g, src.requiresGrad ? embed(gather(g, p.d, index), src.shape) : null]);
}

/**
 * A copy of x with src[i][j][k] (or a number) written at x[index[i][j][k]][j][k] (dim 0), as
 * torch.scatter. When an index repeats, the last write wins.
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  const srcT = src instanceof Tensor ? src : null;
  const p = axisPlan("scatter", x, dim, index, srcT ?? undefined);
  if (srcT && srcT.dtype !== x.dtype) throw new TypeError(`scatter: src dtype ${srcT.dtype} must match input dtype ${x.dtype}`);
  const out = uninitialized(x.shape, x.dtype);
  K.copy(x, out);
  const values = srcT ? dense(srcT, index.shape) : allocate(x.dtype, index.numel()).fill(fillValue(x.dtype, src as number));
  scatterInto(false, out, p, values);
  // Overwritten positions pass no gradient to x; src gets the gradient of where it landed.
  const gx = (g: Tensor) => (x.requiresGrad ? scatter(g, p.d, index, 0) : null);
  if (!srcT) return record("ScatterBackward", out, [x], (g) => [gx(g)]);
  return record("ScatterBackward", out, [x, srcT], (g) => [gx(g), srcT.requiresGrad ? embed(gather(g, p.d, index), srcT.shape) : null]);
}

// ---------------------------------------------------------------- selecting whole slices

/** The rows `idx` of x laid out as [outer, n, inner], shaped `shape`; the gradient adds rows back. */
function take(name: string, x: Tensor, outer: number, n: number, inner: number, idx: Int32Array, shape: Shape): Tensor {
  const out = uninitialized(shape, x.dtype);
  K.indexSelect(dense(x), outer, n, inner, idx, out.data);
  return record(name, out, [x], (g) => {
    const gx = alloc(x.shape);
    K.indexAdd(f32(g), outer, n, inner, idx, gx.data as Float32Array);
    return [gx];
  });
}

/** The slices of x at `index` (1-d int32) along dim, as torch.index_select. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkDtype("indexSelect", index, "int32", "index");
  if (index.ndim > 1) throw new RangeError(`indexSelect: index must be 1-d, got shape ${fmtShape(index.shape)}`);
  checkNotScalar("indexSelect", x);
  const d = normDim(dim, x.ndim, "indexSelect");
  const idx = i32(index);
  checkBounds("indexSelect", idx, x.shape[d], d);
  const shape = x.shape.slice();
  shape[d] = idx.length;
  return take("IndexSelectBackward", x, numel(x.shape.slice(0, d)), x.shape[d], numel(x.shape.slice(d + 1)), idx, shape);
}

/**
 * PyTorch's x[idx]. An int32 idx of any shape picks slices along dim 0 (negative indices
 * count from the end), giving shape [...idx.shape, ...x.shape.slice(1)]. A bool idx is a
 * mask over x's leading dims and gives the selected slices as [count, ...rest].
 */
export function index(x: Tensor, idx: Tensor): Tensor {
  if (idx.dtype === "bool") return maskedSelect(x, idx);
  if (idx.dtype !== "int32") throw new TypeError(`index: indices must be int32 or bool, got ${idx.dtype} of shape ${fmtShape(idx.shape)}`);
  checkNotScalar("index", x);
  const n = x.shape[0];
  const src = i32(idx);
  const pos = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < -n || v >= n) throw new RangeError(`index: index ${v} is out of bounds for dim 0 with size ${n}`);
    pos[i] = v < 0 ? v + n : v;
  }
  return take("IndexBackward", x, 1, n, numel(x.shape.slice(1)), pos, [...idx.shape, ...x.shape.slice(1)]);
}

function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  const k = mask.ndim;
  if (k > x.ndim || mask.shape.some((s, i) => s !== x.shape[i])) {
    throw new RangeError(`index: mask of shape ${fmtShape(mask.shape)} does not match the leading dims of input of shape ${fmtShape(x.shape)}`);
  }
  const m = dense(mask);
  let count = 0;
  for (let i = 0; i < m.length; i++) if (m[i]) count++;
  const pos = new Int32Array(count);
  for (let i = 0, j = 0; i < m.length; i++) if (m[i]) pos[j++] = i;
  return take("MaskedSelectBackward", x, 1, m.length, numel(x.shape.slice(k)), pos, [count, ...x.shape.slice(k)]);
}

/** x with `value` wherever the bool mask (broadcast to x's shape) is true, as torch.masked_fill. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  checkDtype("maskedFill", mask, "bool", "mask");
  if (!shapesEqual(broadcastShapes(mask.shape, x.shape, "maskedFill"), x.shape)) {
    throw new RangeError(`maskedFill: mask of shape ${fmtShape(mask.shape)} does not broadcast to input of shape ${fmtShape(x.shape)}`);
  }
  const v = allocate(x.dtype, 1);
  v[0] = fillValue(x.dtype, value);
  return where(mask, new Tensor(v, []), x);
}

/** Indices of the nonzero elements as int32 [count, ndim], in row-major order, as torch.nonzero. */
export function nonzero(x: Tensor): Tensor {
  const data = dense(x);
  const nd = x.ndim;
  let count = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) count++;
  const out = new Int32Array(count * nd);
  // Row-major coordinates of each hit, advanced as a counter rather than divided out.
  const coord = new Array<number>(nd).fill(0);
  for (let i = 0, r = 0; i < data.length; i++) {
    if (data[i] !== 0) {
      for (let d = 0; d < nd; d++) out[r * nd + d] = coord[d];
      r++;
    }
    for (let d = nd - 1; d >= 0; d--) {
      if (++coord[d] < x.shape[d]) break;
      coord[d] = 0;
    }
  }
  return new Tensor(out, [count, nd]);
}

// ---------------------------------------------------------------- Tensor methods

declare module "../tensor/tensor.js" {
  interface Tensor {
    gather(dim: number, index: Tensor): Tensor;
    indexSelect(dim: number, index: Tensor): Tensor;
    /** PyTorch's x[idx] for an int32 or bool index tensor. */
    index(idx: Tensor): Tensor;
    maskedFill(mask: Tensor, value: number): Tensor;
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    scatter(dim: number, index: Tensor, src: Tensor | number): Tensor;
    nonzero(): Tensor;
  }
}

const P = Tensor.prototype;
P.gather = function (dim, idx) { return gather(this, dim, idx); };
P.indexSelect = function (dim, idx) { return indexSelect(this, dim, idx); };
P.index = function (idx) { return index(this, idx); };
P.maskedFill = function (mask, value) { return maskedFill(this, mask, value); };
P.scatterAdd = function (dim, idx, src) { return scatterAdd(this, dim, idx, src); };
P.scatter = function (dim, idx, src) { return scatter(this, dim, idx, src); };
P.nonzero = function () { return nonzero(this); };
