import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Tensor, tensor, zeros } from "../../src/index.js";
import { clipGradNorm, clipGradValue } from "../../src/optim/index.js";
import { assertClose, fromFixture, loadFixture } from "../helpers.js";

const cases = loadFixture("optim");

/** Three parameters holding the fixture gradients, and a fourth without a gradient. */
function withGrads(): Tensor[] {
  const ps = [0, 1, 2].map((i) => {
    const g = fromFixture(cases.clip_inputs.inputs[`g${i}`]);
    const p = zeros(g.shape, { requiresGrad: true });
    p.grad = g;
    return p;
  });
  return [...ps, zeros([2], { requiresGrad: true })];
}

describe("clipGradNorm vs PyTorch 1.13", () => {
  for (const name of Object.keys(cases).filter((k) => k.startsWith("clip_norm_"))) {
    it(name, () => {
      const c = cases[name];
      const { maxNorm, normType, totalNorm } = c.params as { maxNorm: number; normType: number | "inf"; totalNorm: number };
      const ps = withGrads();
      const total = clipGradNorm(ps, maxNorm, { normType: normType === "inf" ? Infinity : normType });
      // PyTorch sums in float32, Lathe in float64.
      assert.ok(Math.abs(total - totalNorm) <= 1e-6 * totalNorm, `total norm ${total} vs ${totalNorm}`);
      [0, 1, 2].forEach((i) => assertClose(ps[i].grad, c.outputs[`g${i}`], { atol: 1e-7, rtol: 1e-5 }, `g${i}`));
      assert.equal(ps[3].grad, null);
    });
  }

  it("accepts a single tensor and returns 0 when nothing has a gradient", () => {
    const p = zeros([2], { requiresGrad: true });
    assert.equal(clipGradNorm([p], 1), 0);
    p.grad = tensor([3, 4]);
    assert.equal(clipGradNorm(p, 1), 5);
    assertClose(p.grad, [3 / (5 + 1e-6), 4 / (5 + 1e-6)]);
  });

  it("non-finite norms: an error on request, NaN gradients otherwise (as PyTorch)", () => {
    const p = zeros([2], { requiresGrad: true });
    p.grad = tensor([NaN, 1]);
    assert.throws(() => clipGradNorm(p, 1, { errorIfNonfinite: true }), /total norm of order 2 of the gradients is NaN/);
    assert.ok(Number.isNaN(clipGradNorm(p, 1)));
    assert.ok(Array.from(p.grad.toArray()).every(Number.isNaN));
    p.grad = tensor([Infinity, 1]);
    assert.equal(clipGradNorm(p, 1, { normType: Infinity }), Infinity);
    assert.ok(Number.isNaN(p.grad.toArray()[0]));
    assert.equal(p.grad.toArray()[1], 0);
  });

  it("rejects a bad normType or maxNorm", () => {
    const p = zeros([2], { requiresGrad: true });
    assert.throws(() => clipGradNorm(p, 1, { normType: 0 }), /normType must be a number > 0 or Infinity/);
    assert.throws(() => clipGradNorm(p, NaN), /maxNorm must be a number/);
  });
});

describe("clipGradValue vs PyTorch 1.13", () => {
  it("clamps every gradient into [-clipValue, clipValue]", () => {
    const c = cases.clip_value;
    const ps = withGrads();
    clipGradValue(ps, c.params.clipValue as number);
    [0, 1, 2].forEach((i) => assertClose(ps[i].grad, c.outputs[`g${i}`], { atol: 0, rtol: 0 }, `g${i}`));
  });

  it("leaves NaN alone, works on strided gradients, rejects a negative clipValue", () => {
    const p = zeros([2, 2], { requiresGrad: true });
    p.grad = tensor([[NaN, -5], [0.25, 7]]).transpose(0, 1);
    clipGradValue([p], 1);
    const got = Array.from(p.grad.toArray());
    assert.ok(Number.isNaN(got[0]));
    assert.deepEqual(got.slice(1), [0.25, -1, 1]);
    assert.throws(() => clipGradValue([p], -1), /clipValue must be a number >= 0/);
  });
});
