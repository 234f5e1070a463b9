import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Generator, dropout, manualSeed, ones, randn } from "../../src/index.js";
import { assertClose } from "../helpers.js";

describe("dropout", () => {
  it("zeroes about p of the elements and scales the rest by 1/(1-p)", () => {
    const y = dropout(ones([10000]), { p: 0.3, generator: new Generator(1) }).toArray();
    let zeros = 0;
    for (const v of y) {
      if (v === 0) zeros++;
      else assert.equal(v, Math.fround(1 / 0.7));
    }
    assert.ok(Math.abs(zeros / y.length - 0.3) < 0.02, `zeroed fraction ${zeros / y.length}`);
  });

  it("is reproducible from a seed, through a generator or manualSeed", () => {
    const x = randn([4, 5], { generator: new Generator(2) });
    assertClose(dropout(x, { generator: new Generator(7) }), dropout(x, { generator: new Generator(7) }), { atol: 0, rtol: 0 });
    manualSeed(9);
    const a = dropout(x);
    manualSeed(9);
    assertClose(dropout(x), a, { atol: 0, rtol: 0 });
  });

  it("masks the gradient the same way as the output", () => {
    const x = randn([3, 6], { generator: new Generator(3), requiresGrad: true });
    const y = dropout(x, { p: 0.5, generator: new Generator(4) });
    y.sum().backward();
    const yd = y.toArray();
    const xd = x.toArray();
    const g = x.grad!.toArray();
    for (let i = 0; i < yd.length; i++) {
      assert.equal(g[i], yd[i] === 0 ? 0 : 2);
      if (yd[i] !== 0) assert.equal(yd[i], Math.fround(xd[i] * 2));
    }
  });

  it("is the identity in evaluation or for p = 0, and zeroes everything for p = 1", () => {
    const x = randn([2, 3], { generator: new Generator(5) });
    assert.equal(dropout(x, { training: false }), x);
    assert.equal(dropout(x, { p: 0 }), x);
    assertClose(dropout(x, { p: 1 }), [0, 0, 0, 0, 0, 0]);
  });

  it("rejects p outside [0, 1]", () => {
    assert.throws(() => dropout(ones([2]), { p: 1.5 }), /dropout: probability has to be between 0 and 1, got 1.5/);
    assert.throws(() => dropout(ones([2]), { p: -0.1 }), /dropout: probability has to be between 0 and 1, got -0.1/);
  });
});
