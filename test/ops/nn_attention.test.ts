import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Generator, assertGradcheck, randn, scaledDotProductAttention, tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { checkCase } from "./nn_cases.js";

describe("scaledDotProductAttention matches PyTorch 2.x semantics (1.13 math)", () => {
  it("without a mask", () => { checkCase("sdpa_basic", (t) => scaledDotProductAttention(t.q, t.k, t.v)); });
  it("causal, square and with more keys than queries", () => {
    checkCase("sdpa_causal", (t) => scaledDotProductAttention(t.q, t.k, t.v, { isCausal: true }));
    checkCase("sdpa_causal_rect", (t) => scaledDotProductAttention(t.q, t.k, t.v, { isCausal: true }));
  });
  it("with a bool mask (true = attend)", () => {
    checkCase("sdpa_bool_mask", (t) => scaledDotProductAttention(t.q, t.k, t.v, { attnMask: t.attn_mask }));
  });
  it("with a broadcast float mask, broadcast batch dims and a custom scale", () => {
    checkCase("sdpa_float_mask_scale", (t, p) => scaledDotProductAttention(t.q, t.k, t.v, { attnMask: t.attn_mask, scale: p.scale as number }));
  });
});

describe("scaledDotProductAttention", () => {
  const gen = new Generator(13);
  const r = (shape: number[], requiresGrad = false) => randn(shape, { generator: gen, requiresGrad });

  it("backward passes gradcheck", () => {
    const mask = r([3, 4]);
    assertGradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { attnMask: mask }), [r([2, 3, 2], true), r([2, 4, 2], true), r([2, 4, 3], true)]);
    assertGradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true }), [r([3, 2], true), r([3, 2], true), r([3, 2], true)]);
  });

  it("applies seeded dropout to the attention weights", () => {
    const [q, k, v] = [r([2, 4, 3]), r([2, 4, 3]), r([2, 4, 3])];
    const a = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(1) });
    const b = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new Generator(1) });
    assertClose(a, b, { atol: 0, rtol: 0 });
    assert.notDeepEqual(Array.from(a.toArray()), Array.from(scaledDotProductAttention(q, k, v).toArray()));
  });

  it("rejects mismatched shapes and masks, naming the op", () => {
    const q = r([2, 3, 4]);
    const k = r([2, 5, 4]);
    const v = r([2, 5, 6]);
    assert.throws(() => scaledDotProductAttention(q, r([2, 5, 3]), v), /scaledDotProductAttention: query of shape \[2, 3, 4\] and key of shape \[2, 5, 3\] differ in embedding size \(4 vs 3\)/);
    assert.throws(() => scaledDotProductAttention(q, k, r([2, 4, 6])), /key of shape \[2, 5, 4\] and value of shape \[2, 4, 6\] differ in sequence length/);
    assert.throws(() => scaledDotProductAttention(q, r([3, 5, 4]), v), /scaledDotProductAttention \(batch dims of query \[2, 3, 4\], key \[3, 5, 4\]/);
    assert.throws(() => scaledDotProductAttention(q, k, v, { attnMask: r([3, 4]) }), /scaledDotProductAttention: attnMask of shape \[3, 4\] does not broadcast/);
    assert.throws(() => scaledDotProductAttention(q, k, v, { attnMask: r([1, 2, 3, 5]) }), /attnMask of shape \[1, 2, 3, 5\] does not broadcast to the attention weights' shape \[2, 3, 5\]/);
    assert.throws(() => scaledDotProductAttention(q, k, v, { attnMask: tensor([1], { dtype: "int32" }) }), /attnMask must be bool or float32/);
    assert.throws(() => scaledDotProductAttention(q, k, v, { attnMask: r([3, 5]), isCausal: true }), /pass either attnMask or isCausal, not both/);
    assert.throws(() => scaledDotProductAttention(r([4]), k, v), /must each have at least 2 dims/);
  });
});
