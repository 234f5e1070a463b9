import assert from "node:assert/strict";
import { inspect } from "node:util";
import { describe, test } from "node:test";
import { arange, tensor, zeros } from "../../src/index.js";

describe("item, toArray, tolist", () => {
  test("item of one-element tensors of any rank", () => {
    assert.equal(tensor(2.5).item(), 2.5);
    assert.equal(tensor([[7]], { dtype: "int32" }).item(), 7);
    assert.equal(arange(5).float().slice(0, 3, 4).item(), 3);
    assert.throws(() => tensor([1, 2]).item(), /item: only one-element tensors can be converted to a number, got shape \[2\]/);
  });

  test("toArray is a contiguous copy of the right typed-array kind", () => {
    const t = tensor([[1, 2], [3, 4]]);
    const a = t.toArray();
    assert.ok(a instanceof Float32Array);
    a[0] = 99;
    assert.deepEqual(t.tolist(), [[1, 2], [3, 4]]);
    assert.ok(tensor([1], { dtype: "int32" }).toArray() instanceof Int32Array);
    assert.ok(tensor([true]).toArray() instanceof Uint8Array);
    assert.deepEqual(Array.from(t.slice(0, 1, 2).toArray()), [3, 4]);
  });

  test("tolist nests by shape; bool gives booleans; 0-d gives a scalar", () => {
    assert.deepEqual(arange(6).reshape([2, 3, 1]).tolist(), [[[0], [1], [2]], [[3], [4], [5]]]);
    assert.deepEqual(tensor([true, false]).tolist(), [true, false]);
    assert.equal(tensor(1.5).tolist(), 1.5);
    assert.deepEqual(zeros([2, 0]).tolist(), [[], []]);
    assert.deepEqual(arange(4).reshape([2, 2]).t().tolist(), [[0, 2], [1, 3]]);
  });
});

describe("toString", () => {
  test("like PyTorch for small tensors", () => {
    assert.equal(tensor([1.5, -2, 3.25]).toString(), "tensor([ 1.5000, -2.0000,  3.2500])");
    assert.equal(tensor([[1, 2], [3, 4]]).toString(), "tensor([[1., 2.],\n        [3., 4.]])");
    assert.equal(tensor(3).toString(), "tensor(3.)");
    assert.equal(tensor([1, 20], { dtype: "int32" }).toString(), "tensor([ 1, 20], dtype=int32)");
    assert.equal(tensor([true, false]).toString(), "tensor([ true, false], dtype=bool)");
    assert.equal(zeros([0]).toString(), "tensor([])");
    assert.equal(zeros([2, 0, 3]).toString(), "tensor([], size=[2, 0, 3])");
  });

  test("3-d tensors separate their blocks with a blank line", () => {
    assert.equal(arange(8).float().reshape([2, 2, 2]).toString(),
      "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])");
  });

  test("very large, very small or widely spread magnitudes switch to scientific notation", () => {
    assert.equal(tensor([1e-6, 2e-5]).toString(), "tensor([1.0000e-06, 2.0000e-05])");
    assert.equal(tensor([-0.00001234, 100.5]).toString(), "tensor([-1.2340e-05,  1.0050e+02])");
    assert.equal(tensor([1e9, 2]).toString(), "tensor([1.0000e+09, 2.0000e+00])");
    assert.equal(tensor([0.5, 2000]).toString(), "tensor([5.0000e-01, 2.0000e+03])");
  });

  test("inf and nan print as in PyTorch", () => {
    assert.equal(tensor([1, Infinity, NaN]).toString(), "tensor([ 1., inf, nan])");
    assert.equal(tensor([1.5, -Infinity, -2]).toString(), "tensor([ 1.5000,    -inf, -2.0000])");
  });

  test("gradient information", () => {
    const x = tensor([1], { requiresGrad: true });
    assert.equal(x.toString(), "tensor([1.], requiresGrad=true)");
    assert.equal(x.mul(2).toString(), "tensor([2.], gradFn=<MulBackward>)");
  });

  test("large tensors are summarised with their edges, aligned", () => {
    const s = arange(2000).float().toString();
    assert.equal(s, "tensor([   0.,    1.,    2., ..., 1997., 1998., 1999.])");
    const m = arange(1200).float().reshape([40, 30]).toString();
    const lines = m.split("\n");
    assert.equal(lines.length, 7);
    assert.equal(lines[0], "tensor([[   0.,    1.,    2., ...,   27.,   28.,   29.],");
    assert.equal(lines[3].trim(), "...,");
    assert.equal(lines[6], "        [1170., 1171., 1172., ..., 1197., 1198., 1199.]])");
    assert.ok(m.length < 1000);
  });

  test("console.log and util.inspect show the same text", () => {
    const t = tensor([1, 2]);
    assert.equal(inspect(t), t.toString());
    assert.equal(`${t}`, t.toString());
  });
});
