import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Generator, Tensor, assertGradcheck, functional as F, noGrad, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { type OpFn, type Params, awayFromZero, fixtureTests, uniform } from "./core_helpers.js";

const unary = (f: (x: Tensor) => Tensor): OpFn => (i) => f(i.x);
/** A binary op's operands: tensors a and b, or a number from params in place of one of them. */
const operands = (i: Record<string, Tensor>, p: Params): [any, any] => [i.a ?? p.scalarA, i.b ?? p.scalar ?? p.scalarB];

const OPS: Record<string, OpFn> = {
  neg: unary(F.neg), abs: unary(F.abs), exp: unary(F.exp), expm1: unary(F.expm1), square: unary(F.square),
  reciprocal: unary(F.reciprocal), sin: unary(F.sin), cos: unary(F.cos), tanh: unary(F.tanh), sigmoid: unary(F.sigmoid),
  relu: unary(F.relu), erf: unary(F.erf), silu: unary(F.silu), log: unary(F.log), log1p: unary(F.log1p),
  sqrt: unary(F.sqrt), rsqrt: unary(F.rsqrt), floor: unary(F.floor), ceil: unary(F.ceil), round: unary(F.round),
  sign: unary(F.sign), logicalNot: unary(F.logicalNot),
  leakyRelu: (i, p) => F.leakyRelu(i.x, p.negativeSlope),
  elu: (i, p) => F.elu(i.x, p.alpha),
  gelu: (i, p) => F.gelu(i.x, { approximate: p.approximate }),
  softplus: (i, p) => F.softplus(i.x, { beta: p.beta, threshold: p.threshold }),
  add: (i, p) => F.add(...operands(i, p), { alpha: p.alpha }),
  sub: (i, p) => F.sub(...operands(i, p), { alpha: p.alpha }),
  mul: (i, p) => F.mul(...operands(i, p)),
  div: (i, p) => F.div(...operands(i, p)),
  pow: (i, p) => F.pow(...operands(i, p)),
  maximum: (i) => i.a.maximum(i.b),
  minimum: (i) => i.a.minimum(i.b),
  remainder: (i) => i.a.remainder(i.b),
  eq: (i, p) => F.eq(...operands(i, p)), ne: (i, p) => F.ne(...operands(i, p)),
  lt: (i, p) => F.lt(...operands(i, p)), le: (i, p) => F.le(...operands(i, p)),
  gt: (i, p) => F.gt(...operands(i, p)), ge: (i, p) => F.ge(...operands(i, p)),
  logicalAnd: (i) => F.logicalAnd(i.a, i.b), logicalOr: (i) => F.logicalOr(i.a, i.b), logicalXor: (i) => F.logicalXor(i.a, i.b),
  where: (i, p) => F.where(i.cond, i.a, i.b ?? p.scalarB),
  clamp: (i, p) => i.x.clamp(p.min, p.max),
};

describe("elementwise ops against PyTorch", () => fixtureTests("elementwise", OPS));

describe("elementwise gradcheck", () => {
  const g = new Generator(7);
  const smooth: [string, (x: Tensor) => Tensor][] = [
    ["neg", F.neg], ["exp", F.exp], ["expm1", F.expm1], ["square", F.square], ["sin", F.sin], ["cos", F.cos],
    ["tanh", F.tanh], ["sigmoid", F.sigmoid], ["erf", F.erf], ["silu", F.silu],
    ["gelu", (x) => F.gelu(x)], ["gelu tanh", (x) => F.gelu(x, { approximate: "tanh" })],
    ["softplus", (x) => F.softplus(x)], ["softplus beta 2", (x) => F.softplus(x, { beta: 2, threshold: 20 })],
  ];
  for (const [name, f] of smooth) test(name, () => assertGradcheck(f, [uniform(g, [3, 4], -2, 2)]));

  const positive: [string, (x: Tensor) => Tensor][] = [
    ["log", F.log], ["log1p", F.log1p], ["sqrt", F.sqrt], ["rsqrt", F.rsqrt], ["reciprocal", F.reciprocal],
  ];
  for (const [name, f] of positive) test(name, () => assertGradcheck(f, [uniform(g, [3, 4], 0.5, 2)]));

  const kinked: [string, (x: Tensor) => Tensor][] = [
    ["abs", F.abs], ["relu", F.relu], ["leakyRelu", (x) => F.leakyRelu(x, 0.2)], ["elu", (x) => F.elu(x, 1.5)],
  ];
  for (const [name, f] of kinked) test(name, () => assertGradcheck(f, [awayFromZero(g, [3, 4])]));

  test("softplus on both sides of its threshold", () => {
    const x = tensor([-3, -0.5, 0.4, 1.2, 2.5, 4], { requiresGrad: true });
    assertGradcheck((x) => F.softplus(x, { beta: 2, threshold: 3 }), [x]);
  });

  test("add, sub, mul with broadcasting and alpha", () => {
    const a = uniform(g, [2, 1, 3]);
    const b = uniform(g, [4, 1]);
    assertGradcheck((a, b) => F.add(a, b, { alpha: 2 }), [a, b]);
    assertGradcheck((a, b) => F.sub(a, b, { alpha: 0.5 }), [a, b]);
    assertGradcheck(F.mul, [a, b]);
  });

  test("div", () => assertGradcheck(F.div, [uniform(g, [2, 3]), awayFromZero(g, [3], 0.5)]));

  test("pow: both operands, and with a number", () => {
    assertGradcheck(F.pow, [uniform(g, [2, 3], 0.5, 2), uniform(g, [3], -2, 2)]);
    assertGradcheck((a) => F.pow(a, 3), [uniform(g, [5], -2, 2)]);
    assertGradcheck((b) => F.pow(2, b), [uniform(g, [5], -2, 2)]);
  });

  test("maximum and minimum away from ties", () => {
    const a = tensor([0.5, -1, 2, 0.3], { requiresGrad: true });
    const b = tensor([[1, -2, 1.5, 0.6], [0, 0.2, 3, -1]], { requiresGrad: true });
    assertGradcheck(F.maximum, [a, b]);
    assertGradcheck(F.minimum, [a, b]);
  });

  test("remainder away from its jumps", () => {
    const a = tensor([5.5, -5.5, 3.3, -2.6], { requiresGrad: true });
    const b = tensor([2, 2, -1.5, 1.7], { requiresGrad: true });
    assertGradcheck(F.remainder, [a, b]);
  });

  test("where with broadcasting", () => {
    const cond = tensor([[[true, false, true]], [[false, false, true]]]);
    assertGradcheck((a, b) => F.where(cond, a, b), [uniform(g, [4, 3]), uniform(g, [2, 1, 1])]);
  });

  test("clamp away from its bounds", () => {
    const x = tensor([-2, -0.7, -0.3, 0.1, 0.4, 0.8, 1.5], { requiresGrad: true });
    assertGradcheck((x) => F.clamp(x, -0.5, 0.5), [x]);
    assertGradcheck((x) => F.clamp(x, 0), [x]);
    assertGradcheck((x) => F.clamp(x, null, 0), [x]);
  });
});

describe("elementwise semantics", () => {
  test("a number operand on either side", () => {
    const x = tensor([1, 2, 4]);
    assertClose(F.sub(10, x), [9, 8, 6]);
    assertClose(F.div(1, x), [1, 0.5, 0.25]);
    assertClose(F.pow(x, 2), [1, 4, 16]);
    assertClose(x.add(1).mul(2), [4, 6, 10]);
  });

  test("two numbers give a 0-d float tensor", () => {
    const y = F.add(2, 3);
    assert.deepEqual(y.shape, []);
    assert.equal(y.dtype, "float32");
    assert.equal(y.item(), 5);
  });

  test("integer arithmetic stays int32, true division and float scalars give float32", () => {
    const i = tensor([7, -7], { dtype: "int32" });
    assert.equal(i.add(1).dtype, "int32");
    assert.equal(i.mul(i).dtype, "int32");
    assert.equal(i.pow(2).dtype, "int32");
    assert.deepEqual(Array.from(i.pow(2).toArray()), [49, 49]);
    assert.equal(i.div(2).dtype, "float32");
    assertClose(i.div(2), [3.5, -3.5]);
    assert.equal(i.add(0.5).dtype, "float32");
    assert.equal(i.exp().dtype, "float32");
    assert.equal(i.neg().dtype, "int32");
  });

  test("comparisons give bool masks", () => {
    const m = tensor([1, 2, 3]).gt(1.5);
    assert.equal(m.dtype, "bool");
    assert.deepEqual(m.tolist(), [false, true, true]);
  });

  test("maximum and minimum propagate NaN", () => {
    const a = tensor([NaN, 1, 2]);
    const b = tensor([0, NaN, 1]);
    assertClose(F.maximum(a, b), [NaN, NaN, 2]);
    assertClose(F.minimum(a, b), [NaN, NaN, 1]);
  });

  test("sigmoid, softplus and silu do not overflow for large inputs", () => {
    const x = tensor([-1000, -100, 100, 1000]);
    assertClose(F.sigmoid(x), [0, 0, 1, 1]);
    assertClose(F.softplus(x), [0, 0, 100, 1000]);
    assertClose(F.silu(x), [0, 0, 100, 1000]);
  });

  test("erf matches reference values across its range", () => {
    // erf(x) from a double-precision reference; the kernel switches method at |x| = 2.5.
    const x = tensor([0, 0.1, 0.5, 1, 2, 2.49, 2.51, 3, 4, 6, -1, -3]);
    const ref = [0, 0.1124629160182849, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527,
      0.9995707121322661, 0.9996142945182758, 0.9999779095030014, 0.9999999845827421, 1, -0.8427007929497149, -0.9999779095030014];
    assertClose(F.erf(x), ref, { atol: 1e-6, rtol: 0 });
  });

  test("non-contiguous inputs", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]).t();
    assert.equal(x.isContiguous(), false);
    assertClose(x.exp(), tensor([[1, 4], [2, 5], [3, 6]]).exp());
    assertClose(x.add(tensor([10, 20])), [11, 24, 12, 25, 13, 26]);
  });

  test("piecewise-constant and integer results are not recorded", () => {
    const x = tensor([0.5, 1.5], { requiresGrad: true });
    assert.equal(x.floor().requiresGrad, false);
    assert.equal(x.gt(1).requiresGrad, false);
    assert.equal(x.add(1).requiresGrad, true);
    assert.equal(noGrad(() => x.add(1)).requiresGrad, false);
  });
});

describe("elementwise errors", () => {
  test("a shape mismatch names the op and both shapes", () => {
    const cases: [string, () => Tensor][] = [
      ["add", () => F.add(zeros([2, 3]), zeros([4]))],
      ["mul", () => zeros([2, 3]).mul(zeros([3, 2]))],
      ["maximum", () => F.maximum(zeros([5]), zeros([4]))],
      ["lt", () => F.lt(zeros([5]), zeros([2, 4]))],
    ];
    for (const [op, f] of cases) {
      assert.throws(f, (e: Error) => e instanceof RangeError && e.message.startsWith(op + ":") && /\[\d+(, \d+)*\] and \[\d+(, \d+)*\]/.test(e.message), op);
    }
  });

  test("where: condition must be bool; all three shapes must broadcast", () => {
    assert.throws(() => F.where(zeros([3]), zeros([3]), zeros([3])), /where: condition must be a bool tensor, got float32 of shape \[3\]/);
    const cond = tensor([true, false, true]);
    assert.throws(() => F.where(cond, zeros([2]), zeros([3])), /where: .*\[3\] and \[2\]/);
  });

  test("clamp needs a bound", () => {
    assert.throws(() => F.clamp(zeros([2])), /clamp: at least one of min and max must be given/);
  });
});
