// Every op module imports this file, so loading any op also attaches the Tensor methods.
import "./methods.js";
import { K } from "../backend/index.js";
import { type DType, allocate, allocateUninit, promoteTypes } from "../tensor/dtype.js";
import { type Shape, fmtShape, numel, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/** A fresh contiguous tensor (not recorded by autograd). */
export function alloc(shape: Shape, dtype: DType = "float32"): Tensor {
  return new Tensor(allocate(dtype, numel(shape)), shape);
}

/** A fresh contiguous tensor with unspecified contents, for a kernel that writes all of it (not recorded). */
export function uninitialized(shape: Shape, dtype: DType = "float32"): Tensor {
  return new Tensor(allocateUninit(dtype, numel(shape)), shape);
}

/**
 * A number as a 0-d tensor whose dtype suits `like`, as PyTorch treats Python scalars: an
 * integral number next to an int32 or bool tensor is int32, anything else float32.
 */
export function scalarTensor(v: number, like: Tensor): Tensor {
  const dtype: DType = like.dtype !== "float32" && Number.isInteger(v) ? "int32" : "float32";
  const data = allocate(dtype, 1);
  data[0] = v;
  return new Tensor(data, []);
}

/** A float32 0-d constant, for arithmetic inside ops and backward rules. */
export function scalarConst(v: number): Tensor {
  return new Tensor(new Float32Array([v]), []);
}

export function asTensor(v: Tensor | number, like: Tensor): Tensor {
  return typeof v === "number" ? scalarTensor(v, like) : v;
}

/** The same values with contiguous storage, for kernels; no copy when already contiguous. Not recorded. */
export function contiguousData(t: Tensor): Tensor {
  if (t.isContiguous()) return t;
  const out = uninitialized(t.shape, t.dtype);
  K.copy(t, out);
  return out;
}

/** A contiguous float32 array holding exactly t's elements (offset 0), for kernels that take plain arrays. */
export function f32(t: Tensor): Float32Array {
  const c = contiguousData(t);
  if (c.dtype !== "float32") throw new TypeError(`expected a float32 tensor, got ${c.dtype}`);
  const d = c.data as Float32Array;
  return c.offset === 0 && d.length === c.numel() ? d : d.subarray(c.offset, c.offset + c.numel());
}

/** Same as f32 for int32 index tensors. */
export function i32(t: Tensor): Int32Array {
  const c = contiguousData(t);
  const d = c.data as Int32Array;
  return c.offset === 0 && d.length === c.numel() ? d : d.subarray(c.offset, c.offset + c.numel());
}

/**
 * Sums a broadcast gradient back down to `shape`: over leading dims that broadcasting
 * added and over dims where `shape` has 1. Not recorded.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  let cur = contiguousData(g);
  // Reduce one axis at a time from the left; leading axes collapse into outer = 1 runs.
  let curShape = cur.shape.slice();
  for (let d = 0; d < curShape.length; d++) {
    const target = d < lead ? 0 : shape[d - lead];
    if (d < lead || (target === 1 && curShape[d] !== 1)) {
      const outer = numel(curShape.slice(0, d));
      const inner = numel(curShape.slice(d + 1));
      const next = curShape.slice();
      next[d] = 1;
      const out = uninitialized(next);
      K.reduce("sum", cur.data, cur.offset, outer, curShape[d], inner, out.data);
      cur = out;
      curShape = next;
    }
  }
  return new Tensor(cur.data, shape);
}

export function resultType(a: Tensor, b: Tensor): DType {
  return promoteTypes(a.dtype, b.dtype);
}

export function checkFloat(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (t.dtype !== "float32") throw new TypeError(`${op}: expected a float32 tensor, got ${t.dtype} of shape ${fmtShape(t.shape)}`);
  }
}

export function checkDtype(op: string, t: Tensor, dtype: DType, what: string): void {
  if (t.dtype !== dtype) throw new TypeError(`${op}: ${what} must be ${dtype}, got ${t.dtype} of shape ${fmtShape(t.shape)}`);
}
