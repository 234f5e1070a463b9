import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertGradcheck, Generator, linear, mean, optim, randint, randn, std, tensor } from "../../src/index.js";
import { configFromHF, configToHF, Conv1D, GPT, gptConfig, type GPTConfigInit } from "../../src/llm/index.js";
import { assertClose } from "../helpers.js";

const TINY: GPTConfigInit = { vocabSize: 20, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16 };

describe("GPTConfig", () => {
  test("fills GPT-2's defaults and rejects bad shapes and unknown keys", () => {
    const c = gptConfig(TINY);
    assert.deepEqual(c, { ...TINY, mlpRatio: 4, dropout: 0, bias: true, tiedEmbeddings: true, layerNormEps: 1e-5, activation: "gelu" });
    assert.throws(() => gptConfig({ ...TINY, nHead: 3 }), /nEmbd \(16\) must be divisible by nHead \(3\)/);
    assert.throws(() => gptConfig({ ...TINY, nLayer: 0 }), /nLayer must be a positive integer, got 0/);
    assert.throws(() => gptConfig({ ...TINY, dropout: 1 }), /dropout must be in \[0, 1\)/);
    assert.throws(() => gptConfig({ ...TINY, activation: "relu" as "gelu" }), /activation must be "gelu" or "geluTanh"/);
    assert.throws(() => gptConfig({ ...TINY, n_layer: 2 } as GPTConfigInit), /unknown option n_layer/);
  });

  test("maps Hugging Face GPT-2 config.json names both ways", () => {
    const hf = {
      vocab_size: 50257, n_positions: 1024, n_embd: 768, n_layer: 12, n_head: 12, n_inner: null,
      activation_function: "gelu_new", layer_norm_epsilon: 1e-5, resid_pdrop: 0.1, model_type: "gpt2",
    };
    const c = configFromHF(hf);
    assert.deepEqual(c, {
      vocabSize: 50257, blockSize: 1024, nEmbd: 768, nLayer: 12, nHead: 12, mlpRatio: 4, dropout: 0.1,
      bias: true, tiedEmbeddings: true, layerNormEps: 1e-5, activation: "geluTanh",
    });
    const back = configToHF(c);
    for (const [k, v] of Object.entries(hf)) assert.deepEqual(back[k], v, k);
    assert.equal(back.tie_word_embeddings, true);
    assert.deepEqual(configFromHF(back), c);
    assert.equal(configFromHF({ ...hf, n_inner: 1536, activation_function: "gelu" }).mlpRatio, 2);
    assert.equal(configFromHF({ ...hf, n_inner: 1536, activation_function: "gelu" }).activation, "gelu");
    assert.equal(configToHF({ ...c, mlpRatio: 2 }).n_inner, 1536);
  });

  test("rejects Hugging Face configs it cannot honour", () => {
    const hf = { vocab_size: 10, n_positions: 8, n_embd: 8, n_layer: 1, n_head: 2 };
    assert.throws(() => configFromHF({ ...hf, activation_function: "relu" }, "x/config.json"), /x\/config\.json: activation_function "relu" is not supported/);
    assert.throws(() => configFromHF({ ...hf, model_type: "llama" }), /model_type "llama" is not "gpt2"/);
    assert.throws(() => configFromHF({ ...hf, scale_attn_by_inverse_layer_idx: true }), /not supported/);
    assert.throws(() => configFromHF({ ...hf, n_embd: undefined }), /n_embd is missing/);
    assert.throws(() => configFromHF({ ...hf, n_head: 3 }), /config\.json: GPTConfig: nEmbd \(8\) must be divisible by nHead \(3\)/);
    assert.throws(() => configToHF(gptConfig({ ...TINY, bias: false })), /no bias=false option/);
  });
});

describe("Conv1D", () => {
  test("is a linear layer with its weight stored [in, out]", () => {
    const c = new Conv1D(5, 3);
    const g = new Generator(1);
    c.weight.data.set(randn([5, 3], { generator: g }).toArray());
    c.bias!.data.set([0.1, -0.2, 0.3]);
    const x = randn([2, 4, 5], { generator: g });
    const y = c.forward(x);
    assert.deepEqual(y.shape, [2, 4, 3]);
    assertClose(y, linear(x, c.weight.t(), c.bias), { atol: 1e-6 }, "Conv1D vs linear");
    // The parameters are inputs too: gradcheck perturbs them in place, under the layer.
    assertGradcheck((xi) => c.forward(xi), [x.requiresGrad_(), c.weight, c.bias!]);
    assert.equal(new Conv1D(4, 2, { bias: false }).bias, null);
    assert.throws(() => new Conv1D(0.5, 2), /Conv1D: inFeatures must be an integer/);
  });
});

describe("GPT", () => {
  test("has Hugging Face GPT-2's parameter names and Conv1D [in, out] shapes", () => {
    const m = new GPT({ ...TINY, nLayer: 1 }, { seed: 0 });
    const shapes = Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape]));
    assert.deepEqual(shapes, {
      "transformer.wte.weight": [20, 16],
      "transformer.wpe.weight": [8, 16],
      "transformer.h.0.ln_1.weight": [16],
      "transformer.h.0.ln_1.bias": [16],
      "transformer.h.0.attn.c_attn.weight": [16, 48],
      "transformer.h.0.attn.c_attn.bias": [48],
      "transformer.h.0.attn.c_proj.weight": [16, 16],
      "transformer.h.0.attn.c_proj.bias": [16],
      "transformer.h.0.ln_2.weight": [16],
      "transformer.h.0.ln_2.bias": [16],
      "transformer.h.0.mlp.c_fc.weight": [16, 64],
      "transformer.h.0.mlp.c_fc.bias": [64],
      "transformer.h.0.mlp.c_proj.weight": [64, 16],
      "transformer.h.0.mlp.c_proj.bias": [16],
      "transformer.ln_f.weight": [16],
      "transformer.ln_f.bias": [16],
      "lm_head.weight": [20, 16],
    });
    // Tied: one tensor under two names, counted once.
    assert.equal(m.lm_head.weight, m.transformer.wte.weight);
    assert.equal(m.parameters().length, 16);
  });

  test("W4's shape has 826,368 parameters; bias: false drops every bias", () => {
    const w4 = new GPT({ vocabSize: 65, blockSize: 128, nLayer: 4, nHead: 4, nEmbd: 128, tiedEmbeddings: false }, { seed: 0 });
    assert.equal(w4.numParameters(), 826368);
    assert.notEqual(w4.lm_head.weight, w4.transformer.wte.weight);
    const noBias = new GPT({ ...TINY, bias: false }, { seed: 0 });
    assert.deepEqual(Object.keys(noBias.stateDict()).filter((k) => k.endsWith(".bias")), []);
  });

  test("initialises as nanoGPT, reproducibly from a seed", () => {
    const cfg = { vocabSize: 256, blockSize: 64, nLayer: 4, nHead: 2, nEmbd: 64 };
    const a = new GPT(cfg, { seed: 7 });
    const b = new GPT(cfg, { generator: new Generator(7) });
    assert.deepEqual(a.stateDict()["transformer.h.0.attn.c_attn.weight"].toArray(), b.stateDict()["transformer.h.0.attn.c_attn.weight"].toArray());
    assert.notDeepEqual(new GPT(cfg, { seed: 8 }).stateDict()["transformer.wte.weight"].toArray(), a.stateDict()["transformer.wte.weight"].toArray());
    const sd = a.stateDict();
    const s = (k: string) => std(sd[k]).item();
    assert.ok(Math.abs(s("transformer.wte.weight") - 0.02) < 0.002);
    assert.ok(Math.abs(s("transformer.h.1.mlp.c_fc.weight") - 0.02) < 0.002);
    // Residual projections are scaled by 1/sqrt(2·nLayer).
    assert.ok(Math.abs(s("transformer.h.1.mlp.c_proj.weight") - 0.02 / Math.sqrt(8)) < 0.0007);
    assert.ok(Math.abs(s("transformer.h.0.attn.c_proj.weight") - 0.02 / Math.sqrt(8)) < 0.0007);
    assert.equal(Math.abs(mean(sd["transformer.h.0.attn.c_attn.bias"]).item()), 0);
    assert.deepEqual([...sd["transformer.ln_f.weight"].toArray()], new Array(64).fill(1));
  });

  test("forward gives logits [B, T, vocab], and with targets the mean cross-entropy", () => {
    const m = new GPT(TINY, { seed: 1 });
    const ids = randint(0, 20, [3, 5], { dtype: "int32", generator: new Generator(2) });
    const targets = randint(0, 20, [3, 5], { dtype: "int32", generator: new Generator(3) });
    const logits = m.forward(ids);
    assert.deepEqual(logits.shape, [3, 5, 20]);
    const { logits: l2, loss } = m.forward(ids, targets);
    assert.deepEqual(l2.toArray(), logits.toArray());
    assert.deepEqual(loss.shape, []);
    // Small initial weights: the prediction is near uniform.
    assert.ok(Math.abs(loss.item() - Math.log(20)) < 0.1, `loss ${loss.item()}`);
  });

  test("dropout acts in train mode only", () => {
    const m = new GPT({ ...TINY, dropout: 0.3 }, { seed: 1 });
    const ids = randint(0, 20, [2, 6], { dtype: "int32", generator: new Generator(2) });
    const a = m.forward(ids).toArray();
    assert.notDeepEqual(m.forward(ids).toArray(), a);
    m.eval();
    const b = m.forward(ids).toArray();
    assert.deepEqual(m.forward(ids).toArray(), b);
  });

  test("is causal: a position's logits do not depend on later tokens", () => {
    const m = new GPT(TINY, { seed: 1 });
    const a = m.forward(tensor([[1, 2, 3, 4, 5]], { dtype: "int32" })).toArray();
    const b = m.forward(tensor([[1, 2, 3, 9, 9]], { dtype: "int32" })).toArray();
    assert.deepEqual(a.slice(0, 60), b.slice(0, 60));
    assert.notDeepEqual(a.slice(60), b.slice(60));
  });

  test("rejects ids that are not int32 [B, T] within the vocabulary and context", () => {
    const m = new GPT(TINY, { seed: 1 });
    assert.throws(() => m.forward(tensor([[1, 2]])), (e: Error) => e instanceof TypeError && /ids must be int32 token ids, got float32 of shape \[1, 2\]/.test(e.message));
    assert.throws(() => m.forward(tensor([1, 2], { dtype: "int32" })), /ids of shape \[2\] must be \[B, T\]/);
    assert.throws(() => m.forward(tensor([[1, 20]], { dtype: "int32" })), /token id 20 at \[0, 1\] is outside the vocabulary \(vocabSize 20\)/);
    assert.throws(() => m.forward(tensor([[0], [-1]], { dtype: "int32" })), /token id -1 at \[1, 0\]/);
    assert.throws(() => m.forward(randint(0, 20, [1, 9], { dtype: "int32" })), /a sequence of length 9 exceeds the context length \(blockSize 8\)/);
    const ids = tensor([[1, 2]], { dtype: "int32" });
    assert.throws(() => m.forward(ids, tensor([[1, 2, 3]], { dtype: "int32" })), /targets must be int32 of the ids' shape \[1, 2\], got int32 of shape \[1, 3\]/);
  });
});

describe("GPT training", () => {
  test("AdamW overfits a tiny batch", () => {
    const m = new GPT({ ...TINY, tiedEmbeddings: false }, { seed: 3 });
    const g = new Generator(4);
    const data = randint(0, 20, [4, 9], { dtype: "int32", generator: g });
    const x = data.narrow(1, 0, 8).contiguous();
    const y = data.narrow(1, 1, 8).contiguous();
    const opt = new optim.AdamW(m.parameters(), { lr: 1e-2 });
    const losses: number[] = [];
    for (let step = 0; step < 50; step++) {
      opt.zeroGrad();
      const { loss } = m.forward(x, y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    assert.ok(losses[0] > 2.5, `initial loss ${losses[0]}`);
    assert.ok(losses[49] < 0.5, `loss went from ${losses[0]} to ${losses[49]}`);
  });
});
