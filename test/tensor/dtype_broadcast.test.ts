import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type DType, broadcastShapes, functional as F, promoteTypes, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";

describe("dtype promotion", () => {
  test("promoteTypes orders bool < int32 < float32", () => {
    const table: [DType, DType, DType][] = [
      ["bool", "bool", "bool"], ["bool", "int32", "int32"], ["int32", "bool", "int32"], ["bool", "float32", "float32"],
      ["int32", "int32", "int32"], ["int32", "float32", "float32"], ["float32", "int32", "float32"], ["float32", "float32", "float32"],
    ];
    for (const [a, b, r] of table) assert.equal(promoteTypes(a, b), r, `${a} + ${b}`);
  });

  test("tensor-tensor ops follow promoteTypes", () => {
    const b = tensor([true, false]);
    const i = tensor([2, 3], { dtype: "int32" });
    const f = tensor([0.5, 1.5]);
    assert.equal(F.add(b, i).dtype, "int32");
    assert.equal(F.mul(i, f).dtype, "float32");
    assertClose(F.mul(i, f), [1, 4.5]);
    assert.equal(F.maximum(i, i).dtype, "int32");
    assert.equal(F.where(b, i, i).dtype, "int32");
    assert.equal(F.where(b, i, f).dtype, "float32");
  });

  test("arithmetic on two bool tensors is logic; sub refuses it", () => {
    const a = tensor([true, true, false]);
    const b = tensor([true, false, false]);
    assert.deepEqual(a.add(b).tolist(), [true, true, false]);
    assert.deepEqual(a.mul(b).tolist(), [true, false, false]);
    assert.deepEqual(F.maximum(a, b).tolist(), [true, true, false]);
    assert.throws(() => a.sub(b), /sub: not supported for bool tensors of shapes \[3\] and \[3\]/);
  });

  test("a number adopts the tensor's kind, as PyTorch's scalars do", () => {
    const b = tensor([true, false]);
    const i = tensor([2, 3], { dtype: "int32" });
    assert.equal(i.add(1).dtype, "int32");
    assert.equal(i.add(1.5).dtype, "float32");
    assert.equal(b.add(1).dtype, "int32");
    assert.deepEqual(b.add(1).tolist(), [2, 1]);
    assert.equal(b.mul(0.5).dtype, "float32");
    assert.equal(tensor([1.5]).add(1).dtype, "float32");
  });

  test("int32 overflow wraps, as in PyTorch's int32", () => {
    const big = tensor([2147483647], { dtype: "int32" });
    assert.equal(big.add(1).item(), -2147483648);
  });
});

describe("broadcasting", () => {
  test("shapes align from the right and 1 stretches", () => {
    assert.deepEqual(broadcastShapes([2, 1, 3], [4, 1], "op"), [2, 4, 3]);
    assert.deepEqual(broadcastShapes([], [3, 2], "op"), [3, 2]);
    assert.deepEqual(broadcastShapes([5, 1], [1], "op"), [5, 1]);
    assert.deepEqual(broadcastShapes([0, 1], [1, 4], "op"), [0, 4]);
    assert.deepEqual(broadcastShapes([1], [0], "op"), [0]);
  });

  test("values broadcast as in PyTorch", () => {
    const a = tensor([[1], [2]]);
    const b = tensor([10, 20, 30]);
    assert.deepEqual(a.add(b).tolist(), [[11, 21, 31], [12, 22, 32]]);
    assert.deepEqual(tensor(2).mul(b).tolist(), [20, 40, 60]);
    assert.deepEqual(a.add(b).shape, [2, 3]);
    assert.deepEqual(zeros([0, 3]).add(b).shape, [0, 3]);
  });

  test("incompatible shapes: the error names the op and both shapes", () => {
    assert.throws(() => broadcastShapes([2, 3], [4], "myop"), /myop: shapes \[2, 3\] and \[4\] cannot be broadcast \(dim 1: 3 vs 4\)/);
    assert.throws(() => tensor([1, 2, 3]).add(tensor([1, 2])), /add: shapes \[3\] and \[2\] cannot be broadcast/);
    assert.throws(() => F.sub(zeros([2, 3, 4]), zeros([3, 3, 4])), /sub: shapes \[2, 3, 4\] and \[3, 3, 4\] cannot be broadcast \(dim 0: 2 vs 3\)/);
    assert.throws(() => zeros([0]).add(zeros([2])), /add: shapes \[0\] and \[2\] cannot be broadcast/);
  });

  test("gradients of broadcast operands are summed back to their shapes", () => {
    const a = tensor([[1], [2]], { requiresGrad: true });
    const b = tensor([10, 20, 30], { requiresGrad: true });
    a.mul(b).sum().backward();
    assertClose(a.grad, [[60], [60]].flat());
    assert.deepEqual(a.grad?.shape, [2, 1]);
    assertClose(b.grad, [3, 3, 3]);
    const s = tensor(2, { requiresGrad: true });
    s.mul(b).sum().backward();
    assert.deepEqual(s.grad?.shape, []);
    assertClose(s.grad, [60]);
  });
});
