import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { arange, tensor, zeros } from "../../src/index.js";

describe("views share storage", () => {
  test("views write through to the base; copies do not", () => {
    const base = arange(12).float().reshape([3, 4]);
    const views = [base.view([12]), base.t(), base.slice(1, 1, 3), base.select(0, 2), base.unsqueeze(0), base.expand([2, 3, 4])];
    for (const v of views) assert.equal(v.data, base.data);
    base.t().select(0, 1).fill_(-1); // column 1
    assert.deepEqual(base.tolist(), [[0, -1, 2, 3], [4, -1, 6, 7], [8, -1, 10, 11]]);
    const copy = base.t().reshape([12]); // no strides read the transpose as one row: reshape copies
    assert.notEqual(copy.data, base.data);
    // A piece of a split (GPT's heads) reshapes in place, as torch.reshape.
    const piece = base.slice(1, 2, 4);
    const heads = piece.reshape([3, 2, 1]);
    assert.equal(heads.data, base.data);
    assert.deepEqual(heads.strides, [4, 1, 1]);
    assert.deepEqual(heads.tolist(), [[[2], [3]], [[6], [7]], [[10], [11]]]);
    assert.equal(base.t().unsqueeze(1).view([4, 3]).data, base.data);
    assert.notEqual(base.clone().data, base.data);
  });

  test("strides, offsets and contiguity", () => {
    const x = zeros([2, 3, 4]);
    assert.deepEqual(x.strides, [12, 4, 1]);
    assert.equal(x.isContiguous(), true);
    const p = x.permute([2, 0, 1]);
    assert.deepEqual(p.shape, [4, 2, 3]);
    assert.deepEqual(p.strides, [1, 12, 4]);
    assert.equal(p.isContiguous(), false);
    const s = x.slice(2, 1, 4, 2);
    assert.deepEqual(s.shape, [2, 3, 2]);
    assert.deepEqual(s.strides, [12, 4, 2]);
    assert.equal(s.offset, 1);
    assert.equal(x.select(1, 2).offset, 8);
    assert.deepEqual(x.unsqueeze(1).shape, [2, 1, 3, 4]);
    assert.equal(x.unsqueeze(1).isContiguous(), true);
    assert.deepEqual(x.expand([5, 2, 3, 4]).strides, [0, 12, 4, 1]);
    assert.equal(x.narrow(0, 1, 1).isContiguous(), true);
    assert.equal(p.contiguous().isContiguous(), true);
    assert.equal(x.contiguous(), x);
  });

  test("toArray of a strided view is a row-major copy", () => {
    const x = arange(12).float().reshape([3, 4]);
    assert.deepEqual(Array.from(x.t().toArray()), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    assert.deepEqual(Array.from(x.slice(1, 1, 4, 2).toArray()), [1, 3, 5, 7, 9, 11]);
    assert.deepEqual(Array.from(x.select(1, 3).toArray()), [3, 7, 11]);
    assert.deepEqual(x.expand([2, 3, 4]).toArray().length, 24);
  });

  test("detach shares storage and stops gradients", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.detach();
    assert.equal(d.data, x.data);
    assert.equal(d.requiresGrad, false);
    assert.equal(d.gradFn, null);
  });

  test("to() converts dtype; float to int truncates toward zero", () => {
    const x = tensor([-1.7, -0.2, 0, 2.9]);
    assert.deepEqual(Array.from(x.int().toArray()), [-1, 0, 0, 2]);
    assert.deepEqual(x.bool().tolist(), [true, true, false, true]);
    assert.equal(x.int().float().dtype, "float32");
    assert.equal(x.float(), x);
  });
});
