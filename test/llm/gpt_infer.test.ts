import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Generator, nn, noGrad, tensor } from "../../src/index.js";
import { applyLoRA, GPT, type GPTConfigInit } from "../../src/llm/index.js";
import { canInfer } from "../../src/llm/infer.js";

const CFG: GPTConfigInit = { vocabSize: 24, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16 };

function sharpModel(cfg: GPTConfigInit, seed = 12): GPT {
  const m = new GPT(cfg, { seed });
  const g = new Generator(seed);
  for (const p of m.parameters()) nn.init.normal_(p, 0, 0.4, { generator: g });
  return m.eval();
}

const ids = (rows: number[][]) => tensor(rows, { dtype: "int32" });
const seq = ids([[3, 1, 4, 1, 5, 9, 2], [2, 7, 1, 8, 2, 8, 1]]);

describe("GPT.logits' kernel-level inference path", () => {
  for (const [name, cfg] of [
    ["default", CFG],
    ["no biases, tied head, tanh GELU", { ...CFG, bias: false, tiedEmbeddings: true, activation: "geluTanh" }],
  ] as const) {
    test(`gives the modules' logits bit for bit, with and without a cache, all or last positions: ${name}`, () => {
      const m = sharpModel(cfg);
      // With gradients on, logits runs the modules' forward.
      const viaModules = (lastOnly: boolean) => {
        const cache = m.createCache();
        return [m.logits(seq.narrow(1, 0, 3).contiguous(), { cache }), m.logits(seq.narrow(1, 3, 4).contiguous(), { cache, lastOnly }), m.logits(seq, { lastOnly })];
      };
      for (const lastOnly of [false, true]) {
        const want = viaModules(lastOnly).map((t) => Array.from(t.toArray()));
        const got = noGrad(() => {
          assert.ok(canInfer(m));
          return viaModules(lastOnly).map((t) => Array.from(t.toArray()));
        });
        assert.deepEqual(got, want, `lastOnly ${lastOnly}`);
      }
    });
  }

  test("is left to the modules' forward with gradients on, dropout active or LoRA adapters in place", () => {
    const m = sharpModel({ ...CFG, dropout: 0.1 });
    assert.equal(canInfer(m), false);
    noGrad(() => {
      assert.ok(canInfer(m));
      m.transformer.h.get(1).train();
      assert.equal(canInfer(m), false);
      m.eval();
      applyLoRA(m, { rank: 2, alpha: 4, dropout: 0, targets: ["c_attn"] });
      assert.equal(canInfer(m), false);
      // Train mode with dropout 0 drops nothing.
      assert.ok(canInfer(sharpModel(CFG).train()));
    });
  });
});
