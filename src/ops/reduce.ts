import { K, type ReduceOp } from "../backend/index.js";
import { record } from "../autograd/node.js";
import { noGrad } from "../autograd/grad_mode.js";
import { type DType } from "../tensor/dtype.js";
import { fmtShape, numel, normDim } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { alloc, checkFloat, contiguousData, f32, scalarConst, uninitialized } from "./util.js";
import { abs, add, binaryRaw, div, eq, exp, log, mul, sqrt, sub, where } from "./elementwise.js";
import { expand, permute, reshape } from "./view.js";

export type Dims = number | readonly number[] | null | undefined;

/** The reduced dims, normalised, deduplicated and sorted; all dims when none are given. */
function resolveDims(x: Tensor, dimsArg: Dims, op: string): number[] {
  const nd = x.ndim;
  const dims = dimsArg === null || dimsArg === undefined ? [...Array(nd).keys()] : typeof dimsArg === "number" ? [dimsArg] : [...dimsArg];
  const norm = [...new Set(dims.map((d) => normDim(d, nd, op)))].sort((a, b) => a - b);
  return nd === 0 ? [] : norm;
}

/** How many elements each output of a reduction over `dims` combines. */
function reducedCount(x: Tensor, dims: number[]): number {
  return numel(dims.map((d) => x.shape[d]));
}

interface Plan {
  dims: number[]; // sorted, normalised reduced dims
  keptShape: number[]; // output shape with keepdim
  outShape: number[]; // output shape as requested
  x: Tensor; // contiguous, laid out so the reduced dims form the middle axis
  outer: number;
  n: number;
  inner: number;
}

/**
 * Lays out x for a reduction over `dims`: when those dims are adjacent the contiguous
 * tensor is used as is ([outer, n, inner]); otherwise they are permuted to the end.
 */
function plan(x: Tensor, dimsArg: Dims, keepdim: boolean, op: string): Plan {
  const nd = x.ndim;
  const dims = resolveDims(x, dimsArg, op);
  const keptShape = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const outShape = keepdim ? keptShape : x.shape.filter((_, i) => !dims.includes(i));
  const n = reducedCount(x, dims);
  const adjacent = dims.length === 0 || dims[dims.length - 1] - dims[0] === dims.length - 1;
  if (adjacent) {
    const first = dims.length ? dims[0] : nd;
    const last = dims.length ? dims[dims.length - 1] : nd - 1;
    return { dims, keptShape, outShape, x: contiguousData(x), outer: numel(x.shape.slice(0, first)), n, inner: numel(x.shape.slice(last + 1)) };
  }
  const kept = [...Array(nd).keys()].filter((d) => !dims.includes(d));
  const xp = contiguousData(noGrad(() => permute(x, [...kept, ...dims])));
  return { dims, keptShape, outShape, x: xp, outer: numel(kept.map((d) => x.shape[d])), n, inner: 1 };
}

function run(op: ReduceOp, p: Plan, dtype: DType, shape: readonly number[] = p.outShape): Tensor {
  const out = uninitialized(shape, dtype);
  K.reduce(op, p.x.data, p.x.offset, p.outer, p.n, p.inner, out.data);
  return out;
}

function checkNonEmpty(x: Tensor, op: string): void {
  if (x.numel() === 0) throw new RangeError(`${op}: cannot reduce an empty tensor of shape ${fmtShape(x.shape)}`);
}

/** Sum over `dim` (all dims when omitted). Integer and bool tensors sum to int32. */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const p = plan(x, dim, keepdim, "sum");
  const out = run("sum", p, x.dtype === "float32" ? "float32" : "int32");
  return record("SumBackward", out, [x], (g) => [expand(reshape(g, p.keptShape), x.shape)]);
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkFloat("mean", x);
  const n = reducedCount(x, resolveDims(x, dim, "mean"));
  return div(sum(x, dim, keepdim), n);
}

export interface VarOptions {
  /** Bessel's correction (divide by n - 1), PyTorch's default. */
  unbiased?: boolean;
  keepdim?: boolean;
}

function varianceOf(x: Tensor, dim: Dims, opts: VarOptions, op: string): Tensor {
  checkFloat(op, x);
  const n = reducedCount(x, resolveDims(x, dim, op));
  const d = sub(x, mean(x, dim, true));
  return div(sum(mul(d, d), dim, opts.keepdim ?? false), Math.max(0, n - ((opts.unbiased ?? true) ? 1 : 0)));
}

/** Variance over `dim` (all dims when omitted), unbiased unless `unbiased: false`; as torch.var. */
export function variance(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  return varianceOf(x, dim, opts, "var");
}

export function std(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  return sqrt(varianceOf(x, dim, opts, "std"));
}

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/**
 * max(x) over all elements (gradient split evenly between ties), or max(x, dim) returning
 * {values, indices} with the gradient routed to the index, as PyTorch.
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return extremum("max", x, dim, keepdim);
}

export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return extremum("min", x, dim, keepdim);
}

function extremum(op: "max" | "min", x: Tensor, dim: number | undefined, keepdim: boolean): Tensor | ValuesIndices {
  const name = op === "max" ? "MaxBackward" : "MinBackward";
  if (dim === undefined) {
    checkNonEmpty(x, op);
    const out = run(op, plan(x, null, false, op), x.dtype);
    return record(name, out, [x], (g) => {
      const mask = binaryRaw("eq", x, out, "float32");
      return [binaryRaw("mul", mask, binaryRaw("div", g, sumAll(mask)))];
    });
  }
  const p = plan(x, dim, keepdim, op);
  checkNonEmpty(x, op);
  const values = run(op, p, x.dtype);
  const indices = run(op === "max" ? "argmax" : "argmin", p, "int32");
  record(name, values, [x], (g) => {
    const gx = alloc([p.outer, p.n, p.inner]);
    K.scatterAdd(f32(g), p.outer, p.n, p.inner, indices.data as Int32Array, 1, gx.data as Float32Array);
    return [reshape(gx, x.shape)];
  });
  return { values, indices };
}

function sumAll(t: Tensor): Tensor {
  const c = contiguousData(t);
  const out = alloc([]);
  K.reduce("sum", c.data, c.offset, 1, c.numel(), 1, out.data);
  return out;
}

function argExtremum(op: "argmax" | "argmin", x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  const p = plan(x, dim ?? null, dim === undefined ? false : keepdim, op);
  checkNonEmpty(x, op);
  return run(op, p, "int32");
}

/** Index of the maximum (over all elements, flattened, when dim is omitted), int32. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum("argmax", x, dim, keepdim);
}

export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum("argmin", x, dim, keepdim);
}

/**
 * Product over dim (all elements when omitted). The gradient of each element is the product
 * of the others: out/x in a slice without zeros; in a slice with one zero, the product of
 * the rest at the zero and 0 elsewhere; with two or more zeros, 0.
 */
export function prod(x: Tensor, dim?: number, keepdim = false): Tensor {
  const p = plan(x, dim ?? null, keepdim, "prod");
  const out = run("prod", p, x.dtype === "float32" ? "float32" : "int32");
  return record("ProdBackward", out, [x], (g) => {
    const overSlice = (t: Tensor, op: ReduceOp): Tensor => run(op, plan(t, p.dims, true, "prod"), "float32", p.keptShape);
    const isZero = binaryRaw("eq", x, scalarConst(0), "float32");
    const nonZero = binaryRaw("add", x, isZero); // zeros replaced by 1
    const zeroCount = overSlice(isZero, "sum");
    const noZero = binaryRaw("eq", zeroCount, scalarConst(0), "float32");
    const oneZero = binaryRaw("eq", zeroCount, scalarConst(1), "float32");
    const weight = binaryRaw("add", binaryRaw("div", noZero, nonZero), binaryRaw("mul", oneZero, isZero));
    const others = binaryRaw("mul", weight, overSlice(nonZero, "prod"));
    return [binaryRaw("mul", others, reshape(g, p.keptShape))];
  });
}

/**
 * log(sum(exp(x))) over dim, computed around the max so large inputs do not overflow; a
 * slice whose max is ±inf gives that max rather than NaN, as PyTorch.
 */
export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkFloat("logsumexp", x);
  const p = plan(x, dim, keepdim, "logsumexp");
  const lse = noGrad(() => {
    const mx = run("max", p, "float32", p.keptShape);
    const shift = where(eq(abs(mx), Infinity), 0, mx);
    return add(log(sum(exp(sub(x, shift)), p.dims, true)), shift);
  });
  const out = new Tensor(lse.data, p.outShape);
  return record("LogsumexpBackward", out, [x], (g) => [mul(reshape(g, p.keptShape), exp(sub(x, lse)))]);
}

/** Counts the nonzero elements of each slice, int32 of the plan's output shape. */
function countNonZero(p: Plan): Tensor {
  return run("sum", { ...p, x: binaryRaw("ne", p.x, scalarConst(0)) }, "int32");
}

/** Whether every element (of each slice along dim) is nonzero, as a bool tensor. */
export function all(x: Tensor, dim?: number, keepdim = false): Tensor {
  const p = plan(x, dim ?? null, keepdim, "all");
  return binaryRaw("eq", countNonZero(p), scalarConst(p.n));
}

/** Whether any element (of each slice along dim) is nonzero, as a bool tensor. */
export function any(x: Tensor, dim?: number, keepdim = false): Tensor {
  const p = plan(x, dim ?? null, keepdim, "any");
  return binaryRaw("gt", countNonZero(p), scalarConst(0));
}
