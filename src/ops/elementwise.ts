import { type BinaryOp, type DiffUnaryOp, K, type UnaryOp } from "../backend/index.js";
import { record } from "../autograd/node.js";
import type { DType } from "../tensor/dtype.js";
import { broadcastShapes, broadcastStrides, fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { asTensor, contiguousData, f32, resultType, scalarConst, scalarTensor, sumToShape, uninitialized } from "./util.js";

type Operand = Tensor | number;

// ---------------------------------------------------------------- unary

/** Ops that keep an integer dtype; the rest compute in float32. */
const KEEPS_DTYPE = new Set<UnaryOp>(["neg", "abs", "sign", "square", "relu", "floor", "ceil", "round"]);

function unaryOp(op: UnaryOp, x: Tensor, p0 = 0, p1 = 0): Tensor {
  const xc = contiguousData(x);
  const dtype: DType = op === "logicalNot" ? "bool" : KEEPS_DTYPE.has(op) && x.dtype !== "bool" ? x.dtype : "float32";
  const out = uninitialized(x.shape, dtype);
  const n = out.numel();
  K.unary(op, xc.data, xc.offset, out.data, n, p0, p1);
  if (op === "sign" || op === "floor" || op === "ceil" || op === "round" || op === "logicalNot" || dtype !== "float32") {
    return out; // piecewise constant or integer: no gradient flows
  }
  return record(backwardName(op), out, [x], (g) => {
    const gx = uninitialized(x.shape);
    K.unaryBackward(op as DiffUnaryOp, f32(xc), out.data as Float32Array, f32(g), gx.data as Float32Array, n, p0, p1);
    return [gx];
  }, { freshGrads: true });
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

/** Arithmetic on two bool tensors is logic, as in PyTorch (True + True is True); other ops refuse it. */
const BOOL_ARITHMETIC: Partial<Record<BinaryOp, BinaryOp>> = {
  add: "logicalOr", mul: "logicalAnd", maximum: "logicalOr", minimum: "logicalAnd",
};

/** Runs a binary kernel with broadcasting; not recorded. */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, dtype?: DType): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const outDtype = dtype ?? (COMPARISONS.has(op) ? "bool" : op === "div" || op === "atan2" ? "float32" : resultType(a, b));
  const kernelOp = outDtype === "bool" && !COMPARISONS.has(op) ? BOOL_ARITHMETIC[op] : op;
  if (!kernelOp) throw new TypeError(`${op}: not supported for bool tensors of shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}; convert with .int() or .float()`);
  const out = uninitialized(shape, outDtype);
  const av = { data: a.data, shape, strides: broadcastStrides(a.shape, a.strides, shape), offset: a.offset };
  const bv = { data: b.data, shape, strides: broadcastStrides(b.shape, b.strides, shape), offset: b.offset };
  K.binary(kernelOp, av, bv, shape, out.data);
  return out;
}

/** The operands as tensors: a number takes its dtype from the other operand (two numbers: float32). */
function operandTensors(x: Operand, y: Operand): [Tensor, Tensor] {
  if (typeof x === "number") {
    const b = typeof y === "number" ? scalarConst(y) : y;
    return [scalarTensor(x, b), b];
  }
  return [x, asTensor(y, x)];
}

function binaryOp(op: BinaryOp, x: Operand, y: Operand, grads?: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null]): Tensor {
  const [a, b] = operandTensors(x, y);
  const out = binaryRaw(op, a, b);
  if (!grads || out.dtype !== "float32") return out;
  return record(backwardName(op), out, [a, b], (g) => {
    const [ga, gb] = grads(g, a, b, out);
    return [a.requiresGrad && ga ? sumToShape(ga, a.shape) : null, b.requiresGrad && gb ? sumToShape(gb, b.shape) : null];
  });
}

/** b·alpha, keeping a number a number so that it still adopts the other operand's dtype. */
function scaled(b: Operand, alpha: number | undefined): Operand {
  if (alpha === undefined || alpha === 1) return b;
  return typeof b === "number" ? b * alpha : mul(b, alpha);
}

export function add(a: Operand, b: Operand, opts: { alpha?: number } = {}): Tensor {
  return binaryOp("add", a, scaled(b, opts.alpha), (g) => [g, g]);
}

export function sub(a: Operand, b: Operand, opts: { alpha?: number } = {}): Tensor {
  return binaryOp("sub", a, scaled(b, opts.alpha), (g, _a, b) => [g, b.requiresGrad ? binaryRaw("mul", g, scalarConst(-1)) : null]);
}

export function mul(a: Operand, b: Operand): Tensor {
  return binaryOp("mul", a, b, (g, a, b) => [
    a.requiresGrad ? binaryRaw("mul", g, b, "float32") : null,
    b.requiresGrad ? binaryRaw("mul", g, a, "float32") : null,
  ]);
}

export function div(a: Operand, b: Operand): Tensor {
  return binaryOp("div", a, b, (g, a, b, out) => [
    a.requiresGrad ? binaryRaw("div", g, b) : null,
    b.requiresGrad ? binaryRaw("mul", binaryRaw("div", g, b), binaryRaw("mul", out, scalarConst(-1))) : null,
  ]);
}

/**
 * a^b; int32 ^ int32 stays int32 (negative integer exponents are refused, as in PyTorch).
 * Gradients follow PyTorch: d/da is 0 where b = 0, and d/db is 0 where a = 0 and b >= 0
 * (elsewhere b·a^(b-1) and a^b·log(a), NaN for negative a).
 */
export function pow(a: Operand, b: Operand): Tensor {
  const [at, bt] = operandTensors(a, b);
  if (at.dtype !== "float32" && bt.dtype !== "float32" && binaryRaw("lt", bt, scalarConst(0)).toArray().includes(1)) {
    throw new RangeError(`pow: integers to negative integer powers are not allowed (exponent of shape ${fmtShape(bt.shape)})`);
  }
  return binaryOp("pow", at, bt, (g, a, b, out) => {
    const zero = scalarConst(0);
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (a.requiresGrad) {
      const dA = binaryRaw("mul", b, binaryRaw("pow", a, binaryRaw("sub", b, scalarConst(1))));
      ga = maskedZero(binaryRaw("mul", g, dA), binaryRaw("eq", b, zero));
    }
    if (b.requiresGrad) {
      const dB = binaryRaw("mul", out, unaryRaw("log", a));
      gb = maskedZero(binaryRaw("mul", g, dB), binaryRaw("logicalAnd", binaryRaw("eq", a, zero), binaryRaw("ge", b, zero)));
    }
    return [ga, gb];
  });
}

/** x with zeros where the bool `mask` (broadcast to x's shape or beyond) is set; not recorded. */
function maskedZero(x: Tensor, mask: Tensor): Tensor {
  const shape = broadcastShapes(x.shape, mask.shape, "where");
  const out = uninitialized(shape);
  const view = (t: Tensor) => ({ data: t.data, shape, strides: broadcastStrides(t.shape, t.strides, shape), offset: t.offset });
  K.where(view(mask), view(scalarConst(0)), view(x), shape, out.data);
  return out;
}

/** Gradient routing for maximum/minimum: the larger (smaller) side gets it, ties split in half. */
function selectGrads(pick: "gt" | "lt") {
  return (g: Tensor, a: Tensor, b: Tensor): [Tensor, Tensor] => {
    const wa = binaryRaw("add", binaryRaw(pick, a, b, "float32"), binaryRaw("mul", binaryRaw("eq", a, b, "float32"), scalarConst(0.5)));
    const wb = binaryRaw("sub", scalarConst(1), wa);
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
  return binaryOp("remainder", a, b, (g, a, b) => [g, b.requiresGrad ? binaryRaw("mul", g, binaryRaw("mul", unaryRaw("floor", binaryRaw("div", a, b)), scalarConst(-1))) : null]);
}

function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  const xc = contiguousData(x);
  const out = uninitialized(x.shape, "float32");
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
  const [a, b] = operandTensors(x, y);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, "where"), b.shape, "where");
  const out = uninitialized(shape, resultType(a, b));
  const view = (t: Tensor) => ({ data: t.data, shape, strides: broadcastStrides(t.shape, t.strides, shape), offset: t.offset });
  K.where(view(cond), view(a), view(b), shape, out.data);
  if (out.dtype !== "float32") return out;
  return record("WhereBackward", out, [a, b], (g) => {
    const zero = scalarConst(0);
    const gv = { data: g.data, shape, strides: broadcastStrides(g.shape, g.strides, shape), offset: g.offset };
    const ga = uninitialized(shape);
    const gb = uninitialized(shape);
    const zv = { data: zero.data, shape, strides: new Array(shape.length).fill(0), offset: 0 };
    if (a.requiresGrad) K.where(view(cond), gv, zv, shape, ga.data);
    if (b.requiresGrad) K.where(view(cond), zv, gv, shape, gb.data);
    return [a.requiresGrad ? sumToShape(ga, a.shape) : null, b.requiresGrad ? sumToShape(gb, b.shape) : null];
  });
}

/**
 * Clamps to [min, max] (all of it to max when min > max, as PyTorch); the gradient passes
 * where the input was inside the range, bounds included.
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const hasMin = min !== undefined && min !== null;
  const hasMax = max !== undefined && max !== null;
  if (!hasMin && !hasMax) throw new TypeError("clamp: at least one of min and max must be given");
  let out = x;
  if (hasMin) out = where(lt(out, min), min, out);
  if (hasMax) out = where(gt(out, max), max, out);
  return out;
}
