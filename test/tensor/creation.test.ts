import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Tensor, arange, empty, eye, full, fullLike, linspace, ones, onesLike, tensor, zeros, zerosLike,
} from "../../src/index.js";
import { assertClose } from "../helpers.js";

describe("tensor()", () => {
  test("nested arrays give the shape; numbers become float32", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, "float32");
    assert.deepEqual(t.tolist(), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(tensor([[[1], [2]]]).shape, [1, 2, 1]);
  });

  test("a number gives a 0-d tensor", () => {
    const t = tensor(3.5);
    assert.deepEqual(t.shape, []);
    assert.equal(t.item(), 3.5);
  });

  test("empty arrays", () => {
    assert.deepEqual(tensor([]).shape, [0]);
    assert.deepEqual(tensor([[], []]).shape, [2, 0]);
  });

  test("booleans give a bool tensor; mixed with numbers, float32", () => {
    const b = tensor([[true, false], [false, true]]);
    assert.equal(b.dtype, "bool");
    assert.deepEqual(b.tolist(), [[true, false], [false, true]]);
    const m = tensor([true, 2, 0.5]);
    assert.equal(m.dtype, "float32");
    assert.deepEqual(m.tolist(), [1, 2, 0.5]);
  });

  test("explicit dtype", () => {
    const i = tensor([1.9, -2.5, 3], { dtype: "int32" });
    assert.equal(i.dtype, "int32");
    assert.deepEqual(i.tolist(), [1, -2, 3]);
    assert.deepEqual(tensor([0, 2, -1], { dtype: "bool" }).tolist(), [false, true, true]);
    assert.equal(tensor([true, false], { dtype: "float32" }).dtype, "float32");
  });

  test("typed arrays: dtype from the array type, used without a copy when it matches", () => {
    const f = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = tensor(f, { shape: [2, 3] });
    assert.equal(t.dtype, "float32");
    assert.equal(t.data, f);
    assert.deepEqual(t.shape, [2, 3]);
    const i = tensor(new Int32Array([1, 2]));
    assert.equal(i.dtype, "int32");
    const c = tensor(new Int32Array([1, 2]), { dtype: "float32" });
    assert.equal(c.dtype, "float32");
    assert.deepEqual(c.tolist(), [1, 2]);
  });

  test("a Uint8Array is bool storage; other typed arrays convert to float32 or int32", () => {
    assert.equal(tensor(new Uint8Array([1, 0])).dtype, "bool");
    const d = tensor(new Float64Array([0.5, 1.5]));
    assert.equal(d.dtype, "float32");
    assert.deepEqual(d.tolist(), [0.5, 1.5]);
    const i = tensor(new Int16Array([-3, 4]));
    assert.equal(i.dtype, "int32");
    assert.deepEqual(i.tolist(), [-3, 4]);
    assert.equal(tensor(new Uint32Array([7])).dtype, "int32");
    assert.deepEqual(tensor(new Float64Array([0, 0.5]), { dtype: "bool" }).tolist(), [false, true]);
  });

  test("shape option reshapes flat data and is checked", () => {
    assert.deepEqual(tensor([1, 2, 3, 4], { shape: [2, 2] }).tolist(), [[1, 2], [3, 4]]);
    assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), /tensor: shape \[2, 2\] needs 4 values, got 3/);
    assert.throws(() => tensor([1, 2], { shape: [-2, -1] }), /tensor: invalid shape \[-2, -1\]/);
  });

  test("ragged arrays are rejected wherever the raggedness is", () => {
    assert.throws(() => tensor([[1, 2], [3]]), /tensor: ragged nested array/);
    assert.throws(() => tensor([[1, 2], 3]), /tensor: ragged nested array/);
    assert.throws(() => tensor([1, [2, 3]]), /tensor: ragged nested array/);
    assert.throws(() => tensor([[[1]], [2]] as never), /tensor: ragged nested array/);
  });

  test("non-numbers are rejected", () => {
    assert.throws(() => tensor(["a"] as never), /tensor: expected numbers or booleans, got string/);
  });

  test("requiresGrad option", () => {
    assert.equal(tensor([1, 2], { requiresGrad: true }).requiresGrad, true);
    assert.equal(tensor([1, 2]).requiresGrad, false);
  });
});

describe("filled tensors", () => {
  test("zeros, ones, full, empty", () => {
    assert.deepEqual(zeros([2, 2]).tolist(), [[0, 0], [0, 0]]);
    assert.deepEqual(ones(3).tolist(), [1, 1, 1]);
    assert.deepEqual(full([2], 7.5).tolist(), [7.5, 7.5]);
    assert.deepEqual(full([2], 3, { dtype: "int32" }).tolist(), [3, 3]);
    assert.equal(zeros([]).numel(), 1);
    assert.deepEqual(empty([0, 4]).shape, [0, 4]);
    assert.equal(ones([2], { dtype: "bool" }).dtype, "bool");
    assert.throws(() => zeros([2, -1]), /zeros: invalid shape \[2, -1\]/);
    assert.throws(() => full([1.5], 0), /full: invalid shape \[1.5\]/);
  });

  test("*Like keep shape and dtype unless told otherwise", () => {
    const i = tensor([[1, 2]], { dtype: "int32" });
    const z = zerosLike(i);
    assert.deepEqual(z.shape, [1, 2]);
    assert.equal(z.dtype, "int32");
    assert.equal(onesLike(i, { dtype: "float32" }).dtype, "float32");
    assert.deepEqual(fullLike(i, 4).tolist(), [[4, 4]]);
  });
});

describe("ranges", () => {
  test("arange infers int32 from integer arguments and float32 otherwise", () => {
    const a = arange(5);
    assert.equal(a.dtype, "int32");
    assert.deepEqual(a.tolist(), [0, 1, 2, 3, 4]);
    assert.deepEqual(arange(2, 11, 3).tolist(), [2, 5, 8]);
    assert.deepEqual(arange(5, 0, -2).tolist(), [5, 3, 1]);
    const f = arange(0, 1, 0.25);
    assert.equal(f.dtype, "float32");
    assert.deepEqual(f.tolist(), [0, 0.25, 0.5, 0.75]);
    assert.equal(arange(0.5, 3).dtype, "float32");
    assert.equal(arange(3, undefined, 1, { dtype: "float32" }).dtype, "float32");
    assert.deepEqual(arange(3, 3).shape, [0]);
    assert.deepEqual(arange(3, 1).shape, [0]);
  });

  test("arange errors", () => {
    assert.throws(() => arange(0, 5, 0), /arange: step must be nonzero/);
    assert.throws(() => arange(0, Infinity), /arange: start, end and step must be finite/);
  });

  test("linspace includes both ends", () => {
    assertClose(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
    assertClose(linspace(-1, 1, 4), [-1, -1 / 3, 1 / 3, 1]);
    assert.equal(linspace(0, 0.3, 7).toArray()[6], Math.fround(0.3));
    assertClose(linspace(2, 5, 1), [2]);
    assert.deepEqual(linspace(0, 1, 0).shape, [0]);
    assert.throws(() => linspace(0, 1, -1), /linspace: steps must be a non-negative integer, got -1/);
  });

  test("eye", () => {
    assert.deepEqual(eye(2).tolist(), [[1, 0], [0, 1]]);
    assert.deepEqual(eye(2, 3).tolist(), [[1, 0, 0], [0, 1, 0]]);
    assert.equal(eye(3, 3, { dtype: "int32" }).dtype, "int32");
    assert.throws(() => eye(-1), /eye: invalid shape \[-1, -1\]/);
  });
});

test("shape, ndim, numel, size", () => {
  const t = zeros([2, 3, 4]);
  assert.ok(t instanceof Tensor);
  assert.equal(t.ndim, 3);
  assert.equal(t.dim(), 3);
  assert.equal(t.numel(), 24);
  assert.deepEqual(t.size(), [2, 3, 4]);
  assert.equal(t.size(-1), 4);
  assert.throws(() => t.size(3), /size: dimension 3 out of range for a 3-d tensor \(expected in \[-3, 2\]\)/);
  // The tensor keeps its own copy: the caller's array can change without touching it.
  const dims = [2, 3];
  const u = zeros(dims);
  dims[0] = 7;
  assert.deepEqual(u.shape, [2, 3]);
  assert.deepEqual(u.strides, [3, 1]);
});
