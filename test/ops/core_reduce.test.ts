import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Generator, Tensor, arange, assertGradcheck, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { type OpFn, fixtureTests, uniform } from "./core_helpers.js";

const OPS: Record<string, OpFn> = {
  sum: (i, p) => i.x.sum(p.dim, p.keepdim),
  mean: (i, p) => i.x.mean(p.dim, p.keepdim),
  var: (i, p) => i.x.var(p.dim, { unbiased: p.unbiased, keepdim: p.keepdim }),
  std: (i, p) => i.x.std(p.dim, { unbiased: p.unbiased, keepdim: p.keepdim }),
  max: (i, p) => (p.dim === undefined ? i.x.max() : { ...i.x.max(p.dim, p.keepdim) }),
  min: (i, p) => (p.dim === undefined ? i.x.min() : { ...i.x.min(p.dim, p.keepdim) }),
  argmax: (i, p) => i.x.argmax(p.dim, p.keepdim),
  argmin: (i, p) => i.x.argmin(p.dim, p.keepdim),
  prod: (i, p) => i.x.prod(p.dim, p.keepdim),
  logsumexp: (i, p) => i.x.logsumexp(p.dim, p.keepdim),
  all: (i, p) => i.x.all(p.dim, p.keepdim),
  any: (i, p) => i.x.any(p.dim, p.keepdim),
};

describe("reductions against PyTorch", () => fixtureTests("reduce", OPS));

describe("reduction gradcheck", () => {
  const g = new Generator(11);
  const dimsCases: [string, number | number[] | undefined, boolean][] = [
    ["all dims", undefined, false], ["dim 1", 1, false], ["dim -1 keepdim", -1, true],
    ["dims [0, 2]", [0, 2], false], ["dims [1, 2] keepdim", [1, 2], true],
  ];
  for (const [name, dim, keepdim] of dimsCases) {
    test(`sum, mean, var, std, logsumexp over ${name}`, () => {
      const x = uniform(g, [2, 3, 4], -2, 2);
      assertGradcheck((x) => x.sum(dim, keepdim), [x]);
      assertGradcheck((x) => x.mean(dim, keepdim), [x]);
      assertGradcheck((x) => x.var(dim, { keepdim }), [x]);
      assertGradcheck((x) => x.var(dim, { unbiased: false, keepdim }), [x]);
      assertGradcheck((x) => x.std(dim, { keepdim }), [x]);
      assertGradcheck((x) => x.logsumexp(dim ?? [0, 1, 2], keepdim), [x]);
    });
  }

  test("max and min, with and without dim (distinct values)", () => {
    const x = tensor([[0.1, 2.3, -1.2, 0.9], [1.7, -0.4, 0.6, -2.1], [3.1, 0.2, 1.1, 2.6]], { requiresGrad: true });
    assertGradcheck((x) => x.max(), [x]);
    assertGradcheck((x) => x.min(), [x]);
    assertGradcheck((x) => x.max(1).values, [x]);
    assertGradcheck((x) => x.min(0, true).values, [x]);
  });

  test("prod, including slices with one and with two zeros", () => {
    assertGradcheck((x) => x.prod(1), [uniform(g, [3, 4], 0.5, 1.5)]);
    assertGradcheck((x) => x.prod(), [uniform(g, [5], -1.5, 1.5)]);
    const zeros = tensor([[1.5, 0, 2, 0.8], [0, 1.2, -1.1, 0], [0.5, 0.7, 1.1, 1.3]], { requiresGrad: true });
    assertGradcheck((x) => x.prod(1), [zeros]);
    assertGradcheck((x) => x.prod(0, true), [zeros]);
  });

  test("on a non-contiguous input", () => {
    const x = uniform(g, [4, 3]);
    assertGradcheck((x) => x.t().sum(1), [x]);
    assertGradcheck((x) => x.t().var(0), [x]);
    assertGradcheck((x) => x.t().max(1).values, [x]);
  });
});

describe("reduction semantics", () => {
  test("int and bool tensors sum to int32; mean rejects them", () => {
    assert.equal(tensor([1, 2, 3], { dtype: "int32" }).sum().dtype, "int32");
    assert.equal(tensor([true, true, false]).sum().item(), 2);
    assert.throws(() => tensor([1, 2], { dtype: "int32" }).mean(), /mean: expected a float32 tensor, got int32/);
    assert.throws(() => tensor([1, 2], { dtype: "int32" }).var(), /var: expected a float32 tensor, got int32/);
  });

  test("a repeated dim is reduced once", () => {
    assertClose(arange(6).float().reshape([2, 3]).sum([1, -1]), [3, 12]);
  });

  test("empty reductions", () => {
    const e = zeros([0, 3]);
    assertClose(e.sum(0), [0, 0, 0]);
    assertClose(e.prod(0), [1, 1, 1]);
    assertClose(e.mean(0), [NaN, NaN, NaN]);
    assert.deepEqual(e.bool().all(0).tolist(), [true, true, true]);
    assert.deepEqual(e.bool().any(0).tolist(), [false, false, false]);
    assert.deepEqual(e.bool().all().tolist(), true);
    assert.throws(() => e.max(), /max: cannot reduce an empty tensor of shape \[0, 3\]/);
    assert.throws(() => e.argmax(), /argmax: cannot reduce an empty tensor of shape \[0, 3\]/);
    assert.throws(() => e.max(0), /max: cannot reduce an empty tensor of shape \[0, 3\]/);
  });

  test("var of one element is NaN unbiased, 0 biased", () => {
    const x = tensor([3]);
    assertClose(x.var(), NaN);
    assertClose(x.var(0, { unbiased: false }), 0);
  });

  test("NaN wins max, min, argmax and argmin", () => {
    const x = tensor([[1, NaN, 3], [2, 1, 0]]);
    assertClose(x.max(), NaN);
    assertClose(x.max(1).values, [NaN, 2]);
    assert.deepEqual(Array.from(x.max(1).indices.toArray()), [1, 0]);
    assert.deepEqual(Array.from(x.argmin(1).toArray()), [1, 2]);
    assert.deepEqual(Array.from(x.t().argmax(0).toArray()), [1, 0]);
  });

  test("reductions of a 0-d tensor", () => {
    const s = tensor(2.5);
    assertClose(s.sum(), 2.5);
    assertClose(s.sum(0), 2.5);
    assertClose(s.max(), 2.5);
    assert.equal(s.argmax().item(), 0);
  });

  test("max(dim) indices are int32 and do not require grad", () => {
    const x = tensor([[1, 5], [7, 2]], { requiresGrad: true });
    const { values, indices } = x.max(1);
    assert.equal(indices.dtype, "int32");
    assert.equal(indices.requiresGrad, false);
    assert.equal(values.requiresGrad, true);
  });
});

describe("reduction errors", () => {
  const x = zeros([2, 3]);
  test("an out-of-range dim names the op", () => {
    const cases: [string, () => Tensor][] = [
      ["sum", () => x.sum(2)], ["mean", () => x.mean([0, -3])], ["var", () => x.var(5)], ["std", () => x.std(-3)],
      ["max", () => x.max(2).values], ["argmin", () => x.argmin(-4)], ["prod", () => x.prod(2)],
      ["logsumexp", () => x.logsumexp(3)], ["all", () => x.bool().all(2)],
    ];
    for (const [op, f] of cases) {
      assert.throws(f, (e: Error) => e instanceof RangeError && e.message.startsWith(`${op}: dimension`) && e.message.includes("2-d"), op);
    }
  });

  test("a fractional dim is rejected", () => {
    assert.throws(() => x.sum(0.5), /sum: dimension 0.5 out of range/);
  });
});
