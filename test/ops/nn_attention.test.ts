import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Generator, Tensor, assertGradcheck, expand, mul, randn, reshape, scaledDotProductAttention, split, sum, tensor, transpose,
} from "../../src/index.js";
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

describe("scaledDotProductAttention's fused path (no mask, no dropout)", () => {
  const gen = new Generator(29);
  const r = (shape: number[], requiresGrad = true) => randn(shape, { generator: gen, requiresGrad });

  /** The composed path on the same inputs: an explicit bool mask turns the fused path off. */
  function composed(q: Tensor, k: Tensor, v: Tensor, causal: boolean, offset: number, scale?: number): Tensor {
    const [L, S] = [q.shape[q.ndim - 2], k.shape[k.ndim - 2]];
    const m = new Uint8Array(L * S);
    for (let i = 0; i < L; i++) for (let j = 0; j < S; j++) m[i * S + j] = !causal || j <= offset + i ? 1 : 0;
    return scaledDotProductAttention(q, k, v, { attnMask: new Tensor(m, [L, S]), scale });
  }

  /**
   * Values and the leaves' gradients of the fused path against the composed one; `inputs`
   * builds q, k and v from the leaves (afresh for each path's graph).
   */
  function compare(inputs: () => Tensor[], leaves: Tensor[], causal: boolean, offset: number, what: string, scale?: number): void {
    const results = [true, false].map((fused) => {
      for (const t of leaves) t.grad = null;
      const [q, k, v] = inputs();
      const y = fused
        ? scaledDotProductAttention(q, k, v, { isCausal: causal, causalOffset: offset, scale })
        : composed(q, k, v, causal, offset, scale);
      const w = new Generator(7);
      sum(mul(y, randn(y.shape, { generator: w }))).backward();
      return { y, grads: leaves.map((t) => t.grad) };
    });
    const [f, c] = results;
    assertClose(f.y, c.y.detach(), { atol: 2e-5, rtol: 1e-4 }, `${what}: output`);
    // Gradients: sums of up to S·Ev products in another order.
    f.grads.forEach((g, i) => assertClose(g, c.grads[i] as Tensor, { atol: 1e-4, rtol: 1e-4 }, `${what}: gradient of input ${i}`));
  }

  it("matches the composed path: values and gradients, causal with and without offset and not causal", () => {
    const cases: [number, number, number, number, boolean, number][] = [
      // L, S, E, Ev, causal, offset
      [1, 1, 1, 1, true, 0], [1, 17, 32, 32, true, 16], [7, 7, 2, 3, true, 0], [7, 17, 5, 9, true, 10],
      [17, 7, 16, 16, true, 0], [33, 33, 31, 33, false, 0], [33, 40, 64, 64, true, 7], [130, 130, 65, 7, true, 0],
      [130, 1, 1, 65, false, 0], [17, 130, 33, 17, true, 113],
    ];
    for (const [L, S, E, Ev, causal, offset] of cases) {
      const [q, k, v] = [r([2, 2, L, E]), r([2, 2, S, E]), r([2, 2, S, Ev])];
      compare(() => [q, k, v], [q, k, v], causal, offset, `L ${L}, S ${S}, E ${E}, Ev ${Ev}, causal ${causal} at ${offset}`);
    }
  });

  it("takes the GPT's split and transposed heads without copies, and its output merges heads for free", () => {
    const [B, T, H, hd] = [2, 17, 3, 5];
    const x = r([B, T, 3 * H * hd]);
    const heads = () => split(x, H * hd, 2).map((t) => transpose(reshape(t, [B, T, H, hd]), 1, 2));
    const [q, k, v] = heads();
    assert.equal(q.isContiguous(), false);
    compare(heads, [x], true, 0, "split heads");
    const y = scaledDotProductAttention(q, k, v, { isCausal: true });
    assert.equal(transpose(y, 1, 2).isContiguous(), true);
  });

  it("expands broadcast batch dims, and handles 2, 3 and 5 dims and a custom scale", () => {
    const [q, k, v] = [r([3, 4, 7, 6]), r([1, 4, 9, 6]), r([4, 9, 5])];
    compare(() => [q, k, v], [q, k, v], true, 2, "broadcast batch dims", 0.3);
    const [q2, k2, v2] = [r([7, 6]), r([9, 6]), r([9, 5])];
    compare(() => [q2, k2, v2], [q2, k2, v2], false, 0, "2-d");
    const [q3, k3, v3] = [r([2, 7, 6]), r([2, 9, 6]), r([2, 9, 5])];
    compare(() => [q3, k3, v3], [q3, k3, v3], true, 0, "3-d");
    const [q5, k5, v5] = [r([2, 1, 3, 7, 6]), r([2, 2, 3, 9, 6]), r([2, 2, 3, 9, 5])];
    compare(() => [q5, k5, v5], [q5, k5, v5], true, 2, "5-d");
    const k1 = r([1, 1, 9, 6]);
    compare(() => [q5, expand(k1, [2, 3, 9, 6]), v5], [q5, k1, v5], false, 0, "expanded key");
  });

  it("handles every head dim from 1 to 65 and a last dim with stride > 1", () => {
    for (let E = 1; E <= 65; E += 4) {
      const [q, k, v] = [r([1, 2, 5, E]), r([1, 2, 6, E]), r([1, 2, 6, E + 1])];
      compare(() => [q, k, v], [q, k, v], true, 1, `E ${E}`);
    }
    const base = r([2, 5, 8]);
    const [k, v] = [r([2, 6, 5]), r([2, 6, 3])];
    // transpose(base): the last dim has stride 8.
    compare(() => [transpose(base, 1, 2), k, v], [base, k, v], false, 0, "strided last dim");
  });

  it("passes gradcheck", () => {
    assertGradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true, causalOffset: 2 }), [r([2, 3, 4]), r([2, 5, 4]), r([2, 5, 3])]);
    assertGradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { scale: 0.7 }), [r([1, 2, 3, 2]), r([1, 2, 4, 2]), r([1, 2, 4, 3])]);
  });

  it("checks causalOffset", () => {
    const [q, k, v] = [r([2, 3]), r([4, 3]), r([4, 3])];
    assert.throws(() => scaledDotProductAttention(q, k, v, { causalOffset: 1 }), /scaledDotProductAttention: causalOffset 1 needs isCausal/);
    assert.throws(() => scaledDotProductAttention(q, k, v, { isCausal: true, causalOffset: -1 }), /causalOffset must be a non-negative integer, got -1/);
  });
});
