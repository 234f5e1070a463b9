import { type BinaryOp, type DiffUnaryOp, K, type UnaryOp } from "../backend/index.js";
import { record } from "../autograd/node.js";
import type { DType } from "../tensor/dtype.js";
import { broadcastShapes, broadcastStrides, fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { alloc, asTensor, contiguousData, f32, resultType, sumToShape } from "./util.js";

type Operand = Tensor | number;

// ---------------------------------------------------------------- unary

/** Ops that keep an integer dtype; the rest compute in float32. */
const KEEPS_DTYPE = new Set<UnaryOp>(["neg", "abs", "sign", "square", "relu", "floor", "ceil", "round"]);

function unaryOp(op: UnaryOp, x: Tensor, p0 = 0, p1 = 0): Tensor {
  const xc = contiguousData(x);
  const dtype: DType = op === "logicalNot" ? "bool" : KEEPS_DTYPE.has(op) && x.dtype !== "bool" ? x.dtype : "float32";
  const out = alloc(x.shape, dtype);
  const n = out.numel();
  K.unary(op, xc.data, xc.offset, out.data, n, p0, p1);
  if (op === "sign" || op === "floor" || op === "ceil" || op === "round" || op === "logicalNot" || dtype !== "float32") {
    return out; // piecewise constant or integer: no gradient flows
  }
  return record(backwardName(op), out, [x], (g) => {
    const gx = alloc(x.shape);
    K.unaryBackward(op as DiffUnaryOp, f32(xc), out.data as Float32Array, f32(g), gx.data as Float32Array, n, p0, p1);
    return [gx];
  });
}

function backwardName(op: string): string {
  return op[0].toUpperCase() + op.slice(1) + "Backward";
}

export const neg = (x: Tensor) => unaryOp("neg", x);
export const abs = (x: Tensor) => unaryOp("abs", x);
export const sign = (x: Tensor) => unaryOp("sign", x);
export const exp = (x: Tensor) => unaryOp("exp", x);
export const log = (x: Tensor) => unaryOp("log", x);
export const log1p = (x: Tensor) => unaryOp("log1p", x);
export const expm1 = (x: Tensor) => unaryOp("expm1", x);
export const sqrt = (x: Tensor) => unaryOp("sqrt", x);
export const rsqrt = (x: Tensor) => unaryOp("rsqrt", x);
export const square = (x: Tensor) => unaryOp("square", x);
export const reciprocal = (x: Tensor) => unaryOp("reciprocal", x);
export const sin = (x: Tensor) => unaryOp("sin", x);
export const cos = (x: Tensor) => unaryOp("cos", x);
export const tanh = (x: Tensor) => unaryOp("tanh", x);
export const sigmoid = (x: Tensor) => unaryOp("sigmoid", x);
export const relu = (x: Tensor) => unaryOp("relu", x);
export const erf = (x: Tensor) => unaryOp("erf", x);
export const floor = (x: Tensor) => unaryOp("floor", x);
export const ceil = (x: Tensor) => unaryOp("ceil", x);
export const round = (x: Tensor) => unaryOp("round", x);
export const logicalNot = (x: Tensor) => unaryOp("logicalNot", x);
export const silu = (x: Tensor) => unaryOp("silu", x);

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return unaryOp("leakyRelu", x, negativeSlope);
}

export function elu(x: Tensor, alpha = 1): Tensor {
  return unaryOp("elu", x, alpha);
}

/** GELU; `approximate: "tanh"` is the tanh approximation used by GPT-2. */
export function gelu(x: Tensor, opts: { approximate?: "none" | "tanh" } = {}): Tensor {
  return unaryOp(opts.approximate === "tanh" ? "geluTanh" : "gelu", x);
}

export function softplus(x: Tensor, opts: { beta?: number; threshold?: number } = {}): Tensor {
  return unaryOp("softplus", x, opts.beta ?? 1, opts.threshold ?? 20);
}

// ---------------------------------------------------------------- binary

const COMPARISONS = new Set<BinaryOp>(["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"]);

/** Runs a binary kernel with broadcasting; not recorded. */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, dtype?: DType): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const outDtype = dtype ?? (COMPARISONS.has(op) ? "bool" : op === "div" || op === "pow" || op === "atan2" ? "float32" : resultType(a, b));
  const out = alloc(shape, outDtype);
  const av = { data: a.data, shape, strides: broadcastStrides(a.shape, a.strides, shape), offset: a.offset };
  const bv = { data: b.data, shape, strides: broadcastStrides(b.shape, b.strides, shape), offset: b.offset };
  K.binary(op, av, bv, shape, out.data);
  return out;
}

function binaryOp(op: BinaryOp, x: Operand, y: Operand, grads?: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null]): Tensor {
  const a = typeof x === "number" ? asTensor(x, y as Tensor) : x;
  const b = asTensor(y, a);
  const out = binaryRaw(op, a, b);
  if (!grads || out.dtype !== "float32") return out;
  return record(backwardName(op), out, [a, b], (g) => {
    const [ga, gb] = grads(g, a, b, out);
    return [a.requiresGrad && ga ? sumToShape(ga, a.shape) : null, b.requiresGrad && gb ? sumToShape(gb, b.shape) : null];
  });
}

export function add(a: Operand, b: Operand, opts: { alpha?: number } = {}): Tensor {
  if (opts.alpha !== undefined && opts.alpha !== 1) return add(a, mul(b, opts.alpha));
  return binaryOp("add", a, b, (g) => [g, g]);
}

export function sub(a: Operand, b: Operand, opts: { alpha?: number } = {}): Tensor {
  if (opts.alpha !== undefined && opts.alpha !== 1) return sub(a, mul(b, opts.alpha));
  return binaryOp("sub", a, b, (g, _a, b) => [g, b.requiresGrad ? binaryRaw("mul", g, new Tensor(new Float32Array([-1]), [])) : null]);
}

export function mul(a: Operand, b: Operand): Tensor {
  return binaryOp("mul", a, b, (g, a, b) => [
    a.requiresGrad ? binaryRaw("mul", g, b, "float32") : null,
    b.requiresGrad ? binaryRaw("mul", g, a, "float32") : null,
  ]);
}

export function div(a: Operand, b: Operand): Tensor {
  return binaryOp("div", a, b, (g, _a, b, out) => [
    binaryRaw("div", g, b),
    b.requiresGrad ? binaryRaw("mul", binaryRaw("div", g, b), binaryRaw("mul", out, new Tensor(new Float32Array([-1]), []))) : null,
  ]);
}

export function pow(a: Operand, b: Operand): Tensor {
  return binaryOp("pow", a, b, (g, a, b, out) => [
    a.requiresGrad ? binaryRaw("mul", g, binaryRaw("mul", b, binaryRaw("pow", a, binaryRaw("sub", b, scalar1())))) : null,
    b.requiresGrad ? binaryRaw("mul", g, binaryRaw("mul", out, logSafe(a))) : null,
  ]);
}

function scalar1(): Tensor {
  return new Tensor(new Float32Array([1]), []);
}

/** log(a) where a > 0; 0 elsewhere, so d(0^b)/db is 0 as in PyTorch rather than NaN. */
function logSafe(a: Tensor): Tensor {
  const l = alloc(a.shape);
  const ac = contiguousData(a);
  K.unary("log", ac.data, ac.offset, l.data, l.numel(), 0, 0);
  const d = l.data;
  const src = ac.data;
  for (let i = 0; i < d.length; i++) if (src[ac.offset + i] <= 0) d[i] = 0;
  return l;
}

/** Gradient routing for maximum/minimum: the larger (smaller) side gets it, ties split in half. */
function selectGrads(pick: "gt" | "lt") {
  return (g: Tensor, a: Tensor, b: Tensor): [Tensor, Tensor] => {
    const half = new Tensor(new Float32Array([0.5]), []);
    const wa = binaryRaw("add", binaryRaw(pick, a, b, "float32"), binaryRaw("mul", binaryRaw("eq", a, b, "float32"), half));
    const wb = binaryRaw("sub", scalar1(), wa);
    return [binaryRaw("mul", g, wa), binaryRaw("mul", g, wb)];
  };
}

export function maximum(a: Tensor, b: Operand): Tensor {
  return binaryOp("maximum", a, b, selectGrads("gt"));
}

export function minimum(a: Tensor, b: Operand): Tensor {
  return binaryOp("minimum", a, b, selectGrads("lt"));
}

export function remainder(a: Operand, b: Operand): Tensor {
  return binaryOp("remainder", a, b, (g, a, b) => [g, b.requiresGrad ? binaryRaw("mul", g, binaryRaw("mul", unaryRaw("floor", binaryRaw("div", a, b)), new Tensor(new Float32Array([-1]), []))) : null]);
}

function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  const xc = contiguousData(x);
  const out = alloc(x.shape, "float32");
  K.unary(op, xc.data, xc.offset, out.data, out.numel(), 0, 0);
  return out;
}

export const eq = (a: Tensor, b: Operand) => binaryOp("eq", a, b);
export const ne = (a: Tensor, b: Operand) => binaryOp("ne", a, b);
export const lt = (a: Tensor, b: Operand) => binaryOp("lt", a, b);
export const le = (a: Tensor, b: Operand) => binaryOp("le", a, b);
export const gt = (a: Tensor, b: Operand) => binaryOp("gt", a, b);
export const ge = (a: Tensor, b: Operand) => binaryOp("ge", a, b);
export const logicalAnd = (a: Tensor, b: Operand) => binaryOp("logicalAnd", a, b);
export const logicalOr = (a: Tensor, b: Operand) => binaryOp("logicalOr", a, b);
export const logicalXor = (a: Tensor, b: Operand) => binaryOp("logicalXor", a, b);

/** cond ? a : b with broadcasting over all three; cond must be bool. */
export function where(cond: Tensor, x: Operand, y: Operand): Tensor {
  if (cond.dtype !== "bool") throw new TypeError(`where: condition must be a bool tensor, got ${cond.dtype} of shape ${fmtShape(cond.shape)}`);
  const a = typeof x === "number" ? asTensor(x, typeof y === "number" ? new Tensor(new Float32Array(1), []) : y) : x;
  const b = asTensor(y, a);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, "where"), b.shape, "where");
  const out = alloc(shape, resultType(a, b));
  const view = (t: Tensor) => ({ data: t.data, shape, strides: broadcastStrides(t.shape, t.strides, shape), offset: t.offset });
  K.where(view(cond), view(a), view(b), shape, out.data);
  if (out.dtype !== "float32") return out;
  return record("WhereBackward", out, [a, b], (g) => {
    const zero = new Tensor(new Float32Array(1), []);
    const gv = { data: g.data, shape, strides: broadcastStrides(g.shape, g.strides, shape), offset: g.offset };
    const ga = alloc(shape);
    const gb = alloc(shape);
    const zv = { data: zero.data, shape, strides: new Array(shape.length).fill(0), offset: 0 };
    if (a.requiresGrad) K.where(view(cond), gv, zv, shape, ga.data);
    if (b.requiresGrad) K.where(view(cond), zv, gv, shape, gb.data);
    return [a.requiresGrad ? sumToShape(ga, a.shape) : null, b.requiresGrad ? sumToShape(gb, b.shape) : null];
  });
}

/** Clamps to [min, max]; the gradient passes where the input was inside the range. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  let out = x;
  if (min !== undefined && min !== null) out = where(lt(x, min), min, out);
  if (max !== undefined && max !== null) out = where(gt(x, max), max, out);
  return out === x ? mul(x, 1) : out;
}
