import type { Node } from "../autograd/node.js";
import { type DType, type TypedArray, dtypeOf, isFloating } from "./dtype.js";
import { formatTensor } from "./format.js";
import { type Shape, contiguousStrides, fmtShape, numel, normDim } from "./shape.js";
import { type StridedView, gatherStrided, isContiguousView } from "./strided.js";

export type NestedArray = number | boolean | NestedArray[];

/**
 * An n-dimensional array over a typed-array storage. Views (reshape, transpose, slice, …)
 * share `data` and differ in shape, strides and offset. Storage is plain JavaScript memory:
 * the garbage collector frees it, so there is nothing to dispose.
 *
 * Op methods (`add`, `matmul`, `sum`, `backward`, …) are attached by the ops and autograd
 * layers (see ops/methods.ts); this file holds what a tensor is.
 */
export class Tensor implements StridedView {
  readonly data: TypedArray;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  /** Accumulated gradient, filled by backward() on leaves (and on tensors that called retainGrad()). */
  grad: Tensor | null = null;
  /** The autograd node that produced this tensor; null for leaves. */
  gradFn: Node | null = null;
  /** Set by retainGrad(): keep .grad on a non-leaf. */
  retainsGrad = false;
  private _requiresGrad = false;

  constructor(data: TypedArray, shape: Shape, strides?: readonly number[], offset = 0) {
    this.data = data;
    // Own copies, read-only by type. Not Object.freeze'd: freezing costs ~0.4 µs per tensor,
    // a sizeable share of a small op.
    this.shape = shape.slice();
    this.strides = strides ? strides.slice() : contiguousStrides(shape);
    this.offset = offset;
    this.dtype = dtypeOf(data);
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (value && !isFloating(this.dtype)) {
      throw new TypeError(`requiresGrad: only floating-point tensors can require gradients (dtype ${this.dtype})`);
    }
    if (!value && this.gradFn) {
      throw new Error("requiresGrad: cannot turn off gradients on a non-leaf tensor; use detach()");
    }
    this._requiresGrad = value;
  }

  /** Sets requiresGrad in place and returns this, as torch's requires_grad_(). */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** A leaf was created by the user, not by a differentiable op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  numel(): number {
    return numel(this.shape);
  }

  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return this.shape.slice();
    if (this.ndim === 0) throw new RangeError(`size: a 0-d tensor has no dimension ${dim}`);
    return this.shape[normDim(dim, this.ndim, "size")];
  }

  isContiguous(): boolean {
    return isContiguousView(this);
  }

  /** The value of a one-element tensor as a JavaScript number. */
  item(): number {
    if (this.numel() !== 1) {
      throw new RangeError(`item: only one-element tensors can be converted to a number, got shape ${fmtShape(this.shape)}`);
    }
    return this.data[this.offset];
  }

  /** A contiguous copy of the values, row-major. */
  toArray(): TypedArray {
    const n = this.numel();
    if (this.isContiguous()) return this.data.slice(this.offset, this.offset + n);
    const out = new (this.data.constructor as new (n: number) => TypedArray)(n);
    gatherStrided(this, out);
    return out;
  }

  /** Nested JavaScript arrays (booleans for bool tensors), as torch's tolist(). */
  tolist(): NestedArray {
    const flat = this.toArray();
    const conv = this.dtype === "bool" ? (v: number) => v !== 0 : (v: number) => v;
    if (this.ndim === 0) return conv(flat[0]);
    let pos = 0;
    const rec = (d: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[d]; i++) out.push(d === this.ndim - 1 ? conv(flat[pos++]) : rec(d + 1));
      return out;
    };
    return rec(0);
  }

  toString(): string {
    const prefix = "tensor(";
    const body = formatTensor(this.toArray(), this.shape, this.dtype, prefix.length);
    const extras: string[] = [];
    if (this.numel() === 0 && this.ndim !== 1) extras.push(`size=${fmtShape(this.shape)}`);
    if (this.dtype !== "float32") extras.push(`dtype=${this.dtype}`);
    if (this.gradFn) extras.push(`gradFn=<${this.gradFn.name}>`);
    else if (this.requiresGrad) extras.push("requiresGrad=true");
    return `${prefix}${body}${extras.length ? ", " + extras.join(", ") : ""})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
