import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Generator, assertGradcheck, logSoftmax, randn, softmax, tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { checkCase } from "./nn_cases.js";

describe("softmax / logSoftmax match PyTorch 1.13", () => {
  it("softmax over the last dim and over a middle dim", () => {
    checkCase("softmax_last", (t, p) => softmax(t.x, p.dim as number));
    checkCase("softmax_dim1", (t) => t.x.softmax(1));
  });
  it("logSoftmax over the last dim and over dim 0", () => {
    checkCase("logsoftmax_last", (t) => t.x.logSoftmax(-1));
    checkCase("logsoftmax_dim0", (t, p) => logSoftmax(t.x, p.dim as number));
  });
  it("stays finite for logits of ±1000", () => {
    checkCase("softmax_large", (t) => softmax(t.x, -1));
    checkCase("logsoftmax_large", (t) => logSoftmax(t.x, -1));
  });
});

describe("softmax / logSoftmax", () => {
  const gen = new Generator(3);

  it("gives a contiguous result for any dim and reads non-contiguous input", () => {
    const x = randn([3, 4], { generator: gen });
    const y = softmax(x, 0);
    assert.ok(y.isContiguous());
    assertClose(softmax(x.t(), 1), y.t(), { atol: 1e-7, rtol: 0 });
    assertClose(y.sum(0), [1, 1, 1, 1], { atol: 1e-6 });
  });

  it("treats a 0-d tensor as one row", () => {
    assertClose(softmax(tensor(3), 0), 1);
    assertClose(logSoftmax(tensor(3), -1), 0);
  });

  it("backward passes gradcheck", () => {
    assertGradcheck((x) => softmax(x, 1), [randn([2, 3, 4], { generator: gen, requiresGrad: true })]);
    assertGradcheck((x) => logSoftmax(x, 0), [randn([3, 2], { generator: gen, requiresGrad: true })]);
    assertGradcheck((x) => x.logSoftmax(-1), [randn([2, 5], { generator: gen, requiresGrad: true })]);
  });

  it("rejects integer input and out-of-range dims, naming the op", () => {
    assert.throws(() => softmax(tensor([1, 2], { dtype: "int32" }), 0), /softmax: expected a float32 tensor, got int32/);
    assert.throws(() => logSoftmax(randn([2, 3]), 2), /logSoftmax: dimension 2 out of range for a 2-d tensor/);
  });
});
