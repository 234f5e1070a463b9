import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Generator, type Tensor, assertGradcheck, binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, klDiv,
  l1Loss, logsumexp, mseLoss, nllLoss, rand, randn, smoothL1Loss, sub, tensor,
} from "../../src/index.js";
import { type FixtureCase, assertClose, fromFixture, loadFixture } from "../helpers.js";

type Inputs = Record<string, Tensor>;
type LossFn = (t: Inputs, reduction: string, params: Record<string, unknown>) => Tensor;

/** The Lathe call for each fixture case, picked by the case name's prefix (longest first). */
const CALLS: [string, LossFn][] = [
  ["ce_", (t, r, p) => crossEntropy(t.x, t.target, { ...p, weight: t.weight, reduction: r as "mean" })],
  ["nll", (t, r) => nllLoss(t.x, t.target, { weight: t.weight, reduction: r as "mean" })],
  ["bcel", (t, r) => binaryCrossEntropyWithLogits(t.x, t.target, { weight: t.weight, posWeight: t.posWeight, reduction: r as "mean" })],
  ["bce", (t, r) => binaryCrossEntropy(t.x, t.target, { weight: t.weight, reduction: r as "mean" })],
  ["mse", (t, r) => mseLoss(t.x, t.target, { reduction: r as "mean" })],
  ["l1", (t, r) => l1Loss(t.x, t.target, { reduction: r as "mean" })],
  ["smooth_l1", (t, r, p) => smoothL1Loss(t.x, t.target, { ...p, reduction: r as "mean" })],
  ["huber", (t, r, p) => huberLoss(t.x, t.target, { ...p, reduction: r as "mean" })],
  ["kl", (t, r, p) => klDiv(t.x, t.target, { ...p, reduction: r as "mean" })],
];

function checkCase(name: string, c: FixtureCase): void {
  const call = CALLS.find(([prefix]) => name.startsWith(prefix));
  assert.ok(call, `no loss for fixture case ${name}`);
  for (const [reduction, expected] of Object.entries(c.outputs)) {
    const inputs: Inputs = {};
    for (const [k, e] of Object.entries(c.inputs)) inputs[k] = fromFixture(e, `${reduction}:${k}` in c.grads);
    const out = call[1](inputs, reduction, c.params);
    assertClose(out, expected, { atol: 1e-5, rtol: 2e-4 }, `${name} ${reduction}`);
    const gradNames = Object.keys(c.grads).filter((k) => k.startsWith(`${reduction}:`));
    if (!gradNames.length) continue;
    if (reduction === "none") out.backward(inputs.v);
    else out.backward();
    for (const g of gradNames) assertClose(inputs[g.split(":")[1]].grad, c.grads[g], { atol: 1e-5, rtol: 2e-4 }, `${name} grad ${g}`);
  }
}

describe("losses match PyTorch 1.13", () => {
  for (const [name, c] of Object.entries(loadFixture("loss"))) it(name, () => checkCase(name, c));
});

describe("loss gradients match finite differences", () => {
  const gen = new Generator(7);
  const leaf = (t: Tensor) => t.requiresGrad_();
  const ints = (v: number[], shape?: number[]) => tensor(v, { dtype: "int32", shape });

  it("crossEntropy with class indices, weights, ignoreIndex and smoothing on [N, C, d]", () => {
    const x = leaf(randn([2, 4, 3], { generator: gen }));
    const target = ints([0, 3, -100, 2, 1, 1], [2, 3]);
    const weight = tensor([0.5, 1, 2, 0.3]);
    for (const reduction of ["mean", "sum", "none"] as const) {
      assertGradcheck((x) => crossEntropy(x, target, { weight, labelSmoothing: 0.2, reduction }), [x]);
    }
  });

  it("crossEntropy with probabilities (input and target)", () => {
    const x = leaf(randn([3, 4], { generator: gen }));
    const p = leaf(rand([3, 4], { generator: gen }));
    assertGradcheck((x, p) => crossEntropy(x, p, { labelSmoothing: 0.1, weight: tensor([1, 2, 0.5, 1]) }), [x, p]);
  });

  it("nllLoss", () => {
    const x = leaf(randn([4, 3], { generator: gen }));
    assertGradcheck((x) => nllLoss(x, ints([2, 0, 1, 2]), { weight: tensor([0.2, 1, 3]) }), [x]);
  });

  it("binaryCrossEntropy (input and target)", () => {
    const x = leaf(tensor([[0.2, 0.7, 0.5], [0.9, 0.15, 0.4]]));
    const t = leaf(rand([2, 3], { generator: gen }));
    assertGradcheck((x, t) => binaryCrossEntropy(x, t, { weight: tensor([1, 2, 0.5]) }), [x, t], { eps: 1e-3 });
  });

  it("binaryCrossEntropyWithLogits (input, target, weight and posWeight)", () => {
    const x = leaf(randn([3, 2], { generator: gen }));
    const t = leaf(rand([3, 2], { generator: gen }));
    const w = leaf(rand([3, 1], { generator: gen }));
    const pw = leaf(tensor([2, 0.5]));
    assertGradcheck((x, t, w, pw) => binaryCrossEntropyWithLogits(x, t, { weight: w, posWeight: pw, reduction: "sum" }), [x, t, w, pw]);
  });

  it("regression losses and klDiv", () => {
    const x = leaf(tensor([[0.5, -1.2, 2.0], [0.1, 3.0, -0.4]]));
    // |x - t| is 0.3, 0.6, 1.8, 0.9, 2.5, 1.4: clear of the kinks at 0, beta = 1 and delta = 2
    const t = leaf(tensor([[0.2, -0.6, 0.2], [1.0, 0.5, -1.8]]));
    assertGradcheck((x, t) => mseLoss(x, t), [x, t]);
    assertGradcheck((x, t) => l1Loss(x, t, { reduction: "sum" }), [x, t]);
    assertGradcheck((x, t) => smoothL1Loss(x, t, { reduction: "none" }), [x, t]);
    assertGradcheck((x, t) => huberLoss(x, t, { delta: 2 }), [x, t]);
    const logp = leaf(sub(x, logsumexp(x, 1, true)).detach());
    const q = leaf(tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]));
    assertGradcheck((a, b) => klDiv(a, b, { reduction: "batchmean" }), [logp, q]);
    assertGradcheck((a, b) => klDiv(a, b, { logTarget: true }), [logp, q]);
  });
});

describe("loss behaviour", () => {
  it("crossEntropy stays finite for huge logits", () => {
    const x = tensor([[1e4, -1e4, 0], [-1e4, 1e4, 1e4]]).requiresGrad_();
    const loss = crossEntropy(x, tensor([1, 0], { dtype: "int32" }), { labelSmoothing: 0.1 });
    loss.backward();
    assert.ok(Number.isFinite(loss.item()));
    assert.ok(Array.from(x.grad!.toArray()).every(Number.isFinite));
  });

  it("mean over all-ignored targets is NaN, as PyTorch", () => {
    assert.ok(Number.isNaN(crossEntropy(randn([2, 3]), tensor([-100, -100], { dtype: "int32" })).item()));
  });

  it("reads non-contiguous logits", () => {
    const x = randn([5, 4]);
    const target = tensor([1, 0, 4, 2], { dtype: "int32" });
    assertClose(crossEntropy(x.t(), target), crossEntropy(x.t().contiguous(), target));
  });

  it("keeps the target's shape with reduction none", () => {
    assert.deepEqual(crossEntropy(randn([2, 3, 4, 5]), tensor(new Int32Array(40), { shape: [2, 4, 5] }), { reduction: "none" }).shape, [2, 4, 5]);
    assert.deepEqual(nllLoss(randn([3]), tensor(new Int32Array([1]), { shape: [] }), { reduction: "none" }).shape, []);
  });
});

describe("loss errors", () => {
  const x = randn([3, 4]);
  const idx = tensor([0, 1, 2], { dtype: "int32" });

  it("names the out-of-range class index and C", () => {
    assert.throws(() => crossEntropy(x, tensor([0, 7, 1], { dtype: "int32" })), /crossEntropy: target index 7 .*C = 4/);
    assert.throws(() => nllLoss(x, tensor([0, -1, 1], { dtype: "int32" })), /nllLoss: target index -1 .*C = 4/);
  });

  it("names the loss and both shapes on a mismatch", () => {
    assert.throws(() => mseLoss(x, randn([4])), /mseLoss: input of shape \[3, 4\] and target of shape \[4\]/);
    assert.throws(() => l1Loss(x, randn([3, 1])), /l1Loss: .*\[3, 4\].*\[3, 1\]/);
    assert.throws(() => binaryCrossEntropyWithLogits(x, randn([4, 3])), /binaryCrossEntropyWithLogits: .*\[3, 4\].*\[4, 3\]/);
    assert.throws(() => crossEntropy(x, tensor([0, 1], { dtype: "int32" })), /crossEntropy: target of shape \[2\] .*\[3, 4\]/);
    assert.throws(() => crossEntropy(x, tensor([0, 1, 2])), /crossEntropy: float target of shape \[3\] .*\[3, 4\]/);
  });

  it("rejects bad weights and options", () => {
    assert.throws(() => crossEntropy(x, idx, { weight: tensor([1, 2]) }), /weight of shape \[2\] must have shape \[4\]/);
    assert.throws(() => binaryCrossEntropyWithLogits(x, x, { posWeight: tensor([1, 2, 3]) }), /posWeight of shape \[3\] does not broadcast/);
    assert.throws(() => mseLoss(x, x, { reduction: "avg" as "mean" }), /mseLoss: reduction must be one of/);
    assert.throws(() => crossEntropy(x, idx, { labelSmoothing: 1.5 }), /labelSmoothing must be in \[0, 1\]/);
    assert.throws(() => crossEntropy(x, rand([3, 4]), { ignoreIndex: 1 }), /ignoreIndex is not supported/);
    assert.throws(() => smoothL1Loss(x, x, { beta: -1 }), /beta must be >= 0/);
    assert.throws(() => huberLoss(x, x, { delta: 0 }), /delta must be > 0/);
  });

  it("rejects wrong dtypes and probabilities outside [0, 1]", () => {
    assert.throws(() => crossEntropy(idx, idx), TypeError);
    assert.throws(() => nllLoss(x, tensor([0, 1, 1], { dtype: "bool" })), /nllLoss: class-index target must be int32/);
    assert.throws(() => binaryCrossEntropy(tensor([0.5, 1.5]), tensor([0, 1])), /binaryCrossEntropy: input must hold probabilities in \[0, 1\], got 1.5/);
  });
});
