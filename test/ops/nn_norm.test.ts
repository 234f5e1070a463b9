import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Generator, assertGradcheck, batchNorm, groupNorm, layerNorm, ones, randn, tensor, zeros } from "../../src/index.js";
import { assertClose, fromFixture } from "../helpers.js";
import { TOL, checkCase } from "./nn_cases.js";

describe("normalisation matches PyTorch 1.13", () => {
  it("batchNorm in training: batch statistics, gradients and the running-stat update", () => {
    for (const name of ["batchnorm_train_2d", "batchnorm_train_3d", "batchnorm_train_4d"]) {
      const { t, c } = checkCase(name, (t, p) => batchNorm(t.x, t.running_mean, t.running_var,
        { weight: t.weight, bias: t.bias, training: true, momentum: p.momentum as number }));
      assertClose(t.running_mean, c.outputs.running_mean, TOL, `${name} running mean`);
      assertClose(t.running_var, c.outputs.running_var, TOL, `${name} running var`);
    }
  });
  it("batchNorm in evaluation uses the running statistics", () => {
    const { t, c } = checkCase("batchnorm_eval_4d", (t, p) => batchNorm(t.x, t.running_mean, t.running_var,
      { weight: t.weight, bias: t.bias, eps: p.eps as number }));
    assertClose(t.running_mean, fromFixture(c.inputs.running_mean), { atol: 0, rtol: 0 }, "running mean unchanged");
  });
  it("layerNorm over one and two trailing dims, with and without affine", () => {
    checkCase("layernorm_last", (t, p) => layerNorm(t.x, p.normalized_shape as number[], { weight: t.weight, bias: t.bias }));
    checkCase("layernorm_2d", (t, p) => layerNorm(t.x, p.normalized_shape as number[], { weight: t.weight, bias: t.bias, eps: p.eps as number }));
    checkCase("layernorm_noaffine", (t) => layerNorm(t.x, 6));
  });
  it("groupNorm with and without affine", () => {
    checkCase("groupnorm_4d", (t, p) => groupNorm(t.x, p.num_groups as number, { weight: t.weight, bias: t.bias }));
    checkCase("groupnorm_3d_noaffine", (t, p) => groupNorm(t.x, p.num_groups as number, { eps: p.eps as number }));
  });
});

describe("normalisation", () => {
  const gen = new Generator(21);
  const r = (shape: number[], requiresGrad = false) => randn(shape, { generator: gen, requiresGrad });

  it("batchNorm trains without running statistics and keeps them out of the graph", () => {
    const x = r([4, 3, 2], true);
    const y = batchNorm(x, null, null, { training: true });
    assertClose(y.mean([0, 2]), [0, 0, 0], { atol: 1e-6 });
    const rm = zeros([3]);
    const rv = ones([3]);
    batchNorm(x, rm, rv, { training: true }).sum().backward();
    assert.equal(rm.requiresGrad, false);
    assert.equal(rv.requiresGrad, false);
    assert.ok(x.grad);
  });

  it("backward passes gradcheck", () => {
    assertGradcheck((x, w, b) => batchNorm(x, null, null, { weight: w, bias: b, training: true }), [r([3, 2, 2, 2], true), r([2], true), r([2], true)]);
    assertGradcheck((x, w, b) => batchNorm(x, tensor([0.1, -0.2]), tensor([0.9, 1.3]), { weight: w, bias: b }), [r([3, 2], true), r([2], true), r([2], true)]);
    assertGradcheck((x, w, b) => layerNorm(x, [2, 3], { weight: w, bias: b }), [r([2, 2, 3], true), r([2, 3], true), r([2, 3], true)]);
    assertGradcheck((x, w, b) => groupNorm(x, 2, { weight: w, bias: b }), [r([2, 4, 3], true), r([4], true), r([4], true)]);
  });

  it("rejects bad shapes and arguments, naming the op and shapes", () => {
    const x = r([4, 3, 5]);
    assert.throws(() => batchNorm(r([3]), null, null, { training: true }), /batchNorm: input of shape \[3\] must have at least 2 dims/);
    assert.throws(() => batchNorm(x, zeros([4]), ones([3])), /batchNorm: runningMean of shape \[4\] does not match the 3 channels of input of shape \[4, 3, 5\]/);
    assert.throws(() => batchNorm(x, null, null, { weight: ones([2]), training: true }), /batchNorm: weight of shape \[2\] does not match the 3 channels/);
    assert.throws(() => batchNorm(x, null, null), /batchNorm: runningMean and runningVar are required when not training/);
    assert.throws(() => batchNorm(r([1, 3]), null, null, { training: true }), /batchNorm: expected more than 1 value per channel when training, got input of shape \[1, 3\]/);
    assert.throws(() => layerNorm(x, [3]), /layerNorm: normalizedShape \[3\] does not match the trailing dims of input of shape \[4, 3, 5\]/);
    assert.throws(() => layerNorm(x, [5], { weight: ones([4]) }), /layerNorm: weight of shape \[4\] does not match normalizedShape \[5\]/);
    assert.throws(() => groupNorm(x, 2), /groupNorm: the 3 channels of input of shape \[4, 3, 5\] cannot be split into 2 groups/);
    assert.throws(() => groupNorm(x, 3, { bias: ones([6]) }), /groupNorm: bias of shape \[6\] does not match the 3 channels/);
  });
});
