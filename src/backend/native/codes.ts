import type { BinaryOp, ReduceOp, UnaryOp } from "../kernels.js";

// Op codes of the addon: the enums at the top of native/kernels.h, in the same order.

export const UNARY: Record<UnaryOp, number> = {
  neg: 0, abs: 1, sign: 2, exp: 3, log: 4, log1p: 5, expm1: 6, sqrt: 7, rsqrt: 8, square: 9, reciprocal: 10,
  sin: 11, cos: 12, tanh: 13, sigmoid: 14, relu: 15, leakyRelu: 16, elu: 17, gelu: 18, geluTanh: 19, silu: 20,
  softplus: 21, erf: 22, floor: 23, ceil: 24, round: 25, logicalNot: 26,
};

export const BINARY: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, remainder: 7, atan2: 8,
  eq: 9, ne: 10, lt: 11, le: 12, gt: 13, ge: 14, logicalAnd: 15, logicalOr: 16, logicalXor: 17,
};

/** Binary ops whose result is a truth value, which the addon may also write as uint8. */
export const FIRST_COMPARISON = BINARY.eq;

export const REDUCE: Record<ReduceOp, number> = { sum: 0, prod: 1, max: 2, min: 3, argmax: 4, argmin: 5 };

/** The most dims a strided view may have on the addon side (kMaxDims). */
export const MAX_DIMS = 16;
