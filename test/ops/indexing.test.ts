import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Generator, type Tensor, arange, assertGradcheck, gather, index, indexSelect, maskedFill, nonzero, randn, scatter,
  scatterAdd, tensor, zeros,
} from "../../src/index.js";
import { assertClose, fromFixture, loadFixture } from "../helpers.js";

type Inputs = Record<string, Tensor>;
const TOL = { atol: 1e-6, rtol: 1e-5 };
const ints = (v: number[], shape?: number[]) => tensor(v, { dtype: "int32", shape });

/** Forward value and, when the case has them, input gradients for the upstream gradient `gout`. */
function checkCase(name: string, fn: (t: Inputs, p: Record<string, unknown>) => Tensor): void {
  const c = loadFixture("shape")[name];
  const t: Inputs = {};
  for (const [k, e] of Object.entries(c.inputs)) t[k] = fromFixture(e, k in c.grads);
  const out = fn(t, c.params);
  assert.equal(out.dtype, c.outputs.out.dtype, `${name} dtype`);
  assertClose(out, c.outputs.out, TOL, `${name} value`);
  if (!Object.keys(c.grads).length) return;
  out.backward(t.gout);
  for (const [k, g] of Object.entries(c.grads)) assertClose(t[k].grad, g, TOL, `${name} grad ${k}`);
}

describe("indexing ops match PyTorch 1.13", () => {
  it("gather", () => {
    checkCase("gather", (t, p) => gather(t.x, p.dim as number, t.index));
    checkCase("gather_last", (t) => t.x.gather(-1, t.index));
  });
  it("indexSelect", () => checkCase("index_select", (t) => t.x.indexSelect(1, t.index)));
  it("index with int32 indices (negative allowed)", () => checkCase("index_int", (t) => t.x.index(t.idx)));
  it("index with a bool mask", () => {
    checkCase("index_mask", (t) => index(t.x, t.mask));
    checkCase("index_mask_full", (t) => t.x.index(t.mask));
  });
  it("maskedFill", () => checkCase("masked_fill", (t, p) => t.x.maskedFill(t.mask, p.value as number)));
  it("scatterAdd", () => {
    checkCase("scatter_add", (t) => scatterAdd(t.x, 0, t.index, t.src));
    checkCase("scatter_add_small_index", (t) => t.x.scatterAdd(1, t.index, t.src));
  });
  it("scatter", () => {
    checkCase("scatter", (t) => t.x.scatter(1, t.index, t.src));
    checkCase("scatter_value", (t, p) => scatter(t.x, 0, t.index, p.value as number));
  });
  it("nonzero", () => checkCase("nonzero", (t) => t.x.nonzero()));
});

describe("indexing ops: behaviour", () => {
  it("keep the input's dtype", () => {
    const x = arange(6).reshape([2, 3]);
    assert.deepEqual(x.gather(1, ints([2, 0], [2, 1])).tolist(), [[2], [3]]);
    assert.deepEqual(x.index(ints([-1])).tolist(), [[3, 4, 5]]);
    assert.deepEqual(x.scatter(1, ints([0], [1, 1]), 9).tolist(), [[9, 1, 2], [3, 4, 5]]);
    // The fill value is cast as PyTorch casts it: truncated for int32, 0/1 for bool.
    assert.deepEqual(x.maskedFill(tensor([true, false, false]), 1.7).tolist(), [[1, 1, 2], [1, 4, 5]]);
    assert.deepEqual(tensor([false, true]).maskedFill(tensor([true, false]), 5).toArray(), new Uint8Array([1, 1]));
  });
  it("work on non-contiguous inputs and indices", () => {
    const x = arange(12).reshape([3, 4]).t(); // [4, 3]
    const idx = ints([0, 1, 2, 3, 3, 0], [3, 2]).t(); // [2, 3]
    assert.deepEqual(x.gather(0, idx).tolist(), [[0, 6, 11], [1, 7, 8]]);
    assert.deepEqual(x.indexSelect(1, ints([2, 0])).tolist(), [[8, 0], [9, 1], [10, 2], [11, 3]]);
    assert.deepEqual(x.index(tensor([true, false, false, true])).tolist(), [[0, 4, 8], [3, 7, 11]]);
  });
  it("gather and scatter accept an index smaller than the input", () => {
    const x = arange(12).reshape([3, 4]);
    assert.deepEqual(x.gather(1, ints([3, 0], [1, 2])).tolist(), [[3, 0]]);
    assert.deepEqual(zeros([2, 3]).scatterAdd(0, ints([1, 1], [1, 2]), tensor([[1, 2, 3], [4, 5, 6]])).tolist(), [[0, 0, 0], [1, 2, 0]]);
  });
  it("scatter and scatterAdd are out of place", () => {
    const x = zeros([3]);
    const y = x.scatterAdd(0, ints([1, 1]), tensor([2, 3]));
    assert.deepEqual(y.tolist(), [0, 5, 0]);
    assert.deepEqual(x.tolist(), [0, 0, 0]);
  });
  it("index with a 0-d mask or an empty selection", () => {
    const x = tensor([1, 2]);
    assert.deepEqual(x.index(tensor(true)).shape, [1, 2]);
    assert.deepEqual(x.index(tensor([false, false])).shape, [0]);
    assert.deepEqual(x.index(ints([], [0, 2])).shape, [0, 2]);
  });
});

describe("indexing op gradients match finite differences", () => {
  const gen = new Generator(5);
  const leaf = (shape: number[]) => randn(shape, { generator: gen }).requiresGrad_();

  it("gather, with repeated and partial indices", () => {
    assertGradcheck((x) => gather(x, 0, ints([0, 2, 2, 1, 0, 0], [2, 3])), [leaf([3, 4])]);
  });
  it("indexSelect and index", () => {
    assertGradcheck((x) => indexSelect(x, 1, ints([3, 0, 3])), [leaf([2, 4])]);
    assertGradcheck((x) => index(x, ints([1, -1, 1], [3, 1])), [leaf([3, 2])]);
    assertGradcheck((x) => index(x, tensor([[true, false], [true, true]])), [leaf([2, 2, 3])]);
  });
  it("maskedFill", () => {
    assertGradcheck((x) => maskedFill(x, tensor([true, false, true]), 0), [leaf([2, 3])]);
  });
  it("scatterAdd and scatter, with src larger than the index", () => {
    const idx = ints([2, 0, 1, 1], [2, 2]);
    assertGradcheck((x, s) => scatterAdd(x, 0, idx, s), [leaf([3, 3]), leaf([2, 3])]);
    assertGradcheck((x, s) => scatter(x, 1, ints([2, 0, 1, 2], [2, 2]), s), [leaf([2, 3]), leaf([3, 2])]);
    assertGradcheck((x) => scatter(x, 0, idx, -1), [leaf([3, 2])]);
  });
});

describe("indexing op errors", () => {
  const x = zeros([2, 3]);
  it("indices out of range name the op, the index and the size", () => {
    assert.throws(() => gather(x, 1, ints([0, 3], [2, 1])), /gather: index 3 is out of bounds for dim 1 with size 3/);
    assert.throws(() => gather(x, 0, ints([-1], [1, 1])), /gather: index -1 is out of bounds for dim 0 with size 2/);
    assert.throws(() => indexSelect(x, 1, ints([5])), /indexSelect: index 5 is out of bounds for dim 1 with size 3/);
    assert.throws(() => index(x, ints([-3])), /index: index -3 is out of bounds for dim 0 with size 2/);
    assert.throws(() => scatterAdd(x, 0, ints([2], [1, 1]), zeros([1, 1])), /scatterAdd: index 2 is out of bounds for dim 0 with size 2/);
    assert.throws(() => scatter(x, 1, ints([7], [1, 1]), 0), /scatter: index 7 is out of bounds for dim 1 with size 3/);
    for (const fn of [() => gather(x, 1, ints([3], [1, 1])), () => index(x, ints([2]))]) assert.throws(fn, RangeError);
  });
  it("index dtypes", () => {
    assert.throws(() => gather(x, 0, zeros([1, 1])), /gather: index must be int32, got float32/);
    assert.throws(() => indexSelect(x, 0, tensor([true])), /indexSelect: index must be int32, got bool/);
    assert.throws(() => index(x, zeros([1])), /index: indices must be int32 or bool, got float32/);
    assert.throws(() => maskedFill(x, zeros([3]), 1), /maskedFill: mask must be bool, got float32/);
    assert.throws(() => scatter(x, 0, ints([0], [1, 1]), ints([1], [1, 1])), /scatter: src dtype int32 must match input dtype float32/);
    assert.throws(() => scatterAdd(arange(3), 0, ints([0]), arange(1)), /scatterAdd: input must be float32, got int32/);
  });
  it("shape mismatches name both shapes", () => {
    assert.throws(() => gather(x, 0, ints([0], [1])), /gather: index of shape \[1\] must have as many dims as input of shape \[2, 3\]/);
    assert.throws(() => gather(x, 0, ints([0, 0, 0, 0], [1, 4])), /gather: index of shape \[1, 4\] is larger than input of shape \[2, 3\] at dim 1/);
    assert.throws(() => scatterAdd(x, 0, ints([0, 0], [1, 2]), zeros([1, 1])), /scatterAdd: index of shape \[1, 2\] is larger than src of shape \[1, 1\] at dim 1/);
    assert.throws(() => indexSelect(x, 0, ints([0, 1], [1, 2])), /indexSelect: index must be 1-d, got shape \[1, 2\]/);
    assert.throws(() => index(x, tensor([true, false, true])), /index: mask of shape \[3\] does not match the leading dims of input of shape \[2, 3\]/);
    assert.throws(() => maskedFill(x, tensor([[true], [false], [true]]), 0), /maskedFill: shapes \[3, 1\] and \[2, 3\] cannot be broadcast/);
    assert.throws(() => maskedFill(zeros([3]), tensor([[true], [false]]), 0), /maskedFill: mask of shape \[2, 1\] does not broadcast to input of shape \[3\]/);
    assert.throws(() => gather(x, 2, ints([0], [1, 1])), /gather: dimension 2 out of range/);
    assert.throws(() => index(tensor(1), ints([0])), /index: input must have at least one dim/);
  });
});
