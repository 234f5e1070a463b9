import { K, type ReduceOp } from "../backend/index.js";
import { record } from "../autograd/node.js";
import { noGrad } from "../autograd/grad_mode.js";
import { type DType } from "../tensor/dtype.js";
import { numel, normDim } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { alloc, contiguousData } from "./util.js";
import { binaryRaw, div, exp, log, mul, sub, add, where, sqrt } from "./elementwise.js";
import { expand, permute, reshape } from "./view.js";

export type Dims = number | readonly number[] | null | undefined;

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
  let dims = dimsArg === null || dimsArg === undefined ? [...Array(nd).keys()] : typeof dimsArg === "number" ? [dimsArg] : [...dimsArg];
  dims = [...new Set(dims.map((d) => normDim(d, nd, op)))].sort((a, b) => a - b);
  if (nd === 0) dims = [];
  const keptShape = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const outShape = keepdim ? keptShape : x.shape.filter((_, i) => !dims.includes(i));
  const adjacent = dims.length === 0 || dims[dims.length - 1] - dims[0] === dims.length - 1;
  if (adjacent) {
    const first = dims.length ? dims[0] : nd;
    const last = dims.length ? dims[dims.length - 1] : nd - 1;
    return {
      dims, keptShape, outShape, x: contiguousData(x),
      outer: numel(x.shape.slice(0, first)), n: numel(x.shape.slice(first, last + 1)), inner: numel(x.shape.slice(last + 1)),
    };
  }
  const kept = [...Array(nd).keys()].filter((d) => !dims.includes(d));
  const xp = contiguousData(noGrad(() => permute(x, [...kept, ...dims])));
  return { dims, keptShape, outShape, x: xp, outer: numel(kept.map((d) => x.shape[d])), n: numel(dims.map((d) => x.shape[d])), inner: 1 };
}

function run(op: ReduceOp, p: Plan, dtype: DType): Tensor {
  const out = alloc(p.outShape, dtype);
  K.reduce(op, p.x.data, p.x.offset, p.outer, p.n, p.inner, out.data);
  return out;
}

/** Sum over `dim` (all dims when omitted). Integer and bool tensors sum to int32. */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const p = plan(x, dim, keepdim, "sum");
  const out = run("sum", p, x.dtype === "float32" ? "float32" : "int32");
  return record("SumBackward", out, [x], (g) => [expand(reshape(g, p.keptShape), x.shape)]);
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (x.dtype !== "float32") throw new TypeError(`mean: expected a float32 tensor, got ${x.dtype}; cast with .float() first`);
  const p = plan(x, dim, keepdim, "mean");
  return div(sum(x, dim, keepdim), p.n);
}

export interface VarOptions {
  /** Bessel's correction (divide by n - 1), PyTorch's default. */
  unbiased?: boolean;
  keepdim?: boolean;
}

export function variance(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  const keepdim = opts.keepdim ?? false;
  const p = plan(x, dim, true, "var");
  const m = mean(x, dim, true);
  const d = sub(x, m);
  const ss = sum(mul(d, d), dim, keepdim);
  return div(ss, Math.max(0, p.n - ((opts.unbiased ?? true) ? 1 : 0)));
}

export function std(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  return sqrt(variance(x, dim, opts));
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
  if (x.numel() === 0) throw new RangeError(`${op}: cannot reduce an empty tensor of shape [${x.shape.join(", ")}]`);
  if (dim === undefined) {
    const p = plan(x, null, false, op);
    const out = run(op, p, x.dtype);
    return record(op === "max" ? "MaxBackward" : "MinBackward", out, [x], (g) => {
      const mask = binaryRaw("eq", x, out, "float32");
      const count = binaryRaw("add", new Tensor(new Float32Array(1), []), sumAll(mask));
      return [binaryRaw("mul", mask, binaryRaw("div", g, count))];
    });
  }
  const p = plan(x, dim, keepdim, op);
  const values = run(op, p, x.dtype);
  const indices = run(op === "max" ? "argmax" : "argmin", p, "int32");
  record(op === "max" ? "MaxBackward" : "MinBackward", values, [x], (g) => {
    const gx = alloc([p.outer, p.n, p.inner]);
    K.scatterAdd(contiguousData(g).data as Float32Array, p.outer, p.n, p.inner, indices.data as Int32Array, 1, gx.data as Float32Array);
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

/** Index of the maximum (over all elements, flattened, when dim is omitted), int32. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return run("argmax", plan(x, dim ?? null, dim === undefined ? false : keepdim, "argmax"), "int32");
}

export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return run("argmin", plan(x, dim ?? null, dim === undefined ? false : keepdim, "argmin"), "int32");
}

export function prod(x: Tensor, dim?: number, keepdim = false): Tensor {
  const p = plan(x, dim ?? null, keepdim, "prod");
  const out = run("prod", p, x.dtype === "float32" ? "float32" : "int32");
  // d(prod)/dx_i = prod / x_i (inputs with zeros need the general rule; not supported here)
  return record("ProdBackward", out, [x], (g) => {
    const o = reshape(out, p.keptShape);
    return [binaryRaw("div", binaryRaw("mul", reshape(g, p.keptShape), o), x)];
  });
}

/** log(sum(exp(x))) over dim, computed around the max so large inputs do not overflow. */
export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const p = plan(x, dim, true, "logsumexp");
  const mx = alloc(p.keptShape);
  K.reduce("max", p.x.data, p.x.offset, p.outer, p.n, p.inner, mx.data);
  // A row that is all -inf keeps -inf instead of NaN (inf - inf).
  const shift = where(binaryRaw("eq", mx, new Tensor(new Float32Array([-Infinity]), [])), 0, mx);
  const lse = add(log(sum(exp(sub(x, shift)), dim, true)), shift);
  return keepdim ? lse : reshape(lse, p.keptShape.filter((_, i) => !p.dims.includes(i)));
}

export function all(x: Tensor, dim?: number, keepdim = false): Tensor {
  const p = plan(x, dim ?? null, keepdim, "all");
  const out = run("min", { ...p, x: contiguousData(binaryRaw("ne", p.x, new Tensor(new Float32Array(1), []))) }, "bool");
  return out;
}

export function any(x: Tensor, dim?: number, keepdim = false): Tensor {
  const p = plan(x, dim ?? null, keepdim, "any");
  return run("max", { ...p, x: contiguousData(binaryRaw("ne", p.x, new Tensor(new Float32Array(1), []))) }, "bool");
}
