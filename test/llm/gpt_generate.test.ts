import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cat, Generator, nn, randint, randn, tensor } from "../../src/index.js";
import { K, setBackend } from "../../src/backend/index.js";
import { GPT, type GPTConfigInit, generate, sampleToken } from "../../src/llm/index.js";
import { assertClose } from "../helpers.js";

const CFG: GPTConfigInit = { vocabSize: 24, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16 };

/** A model with weights large enough that its next-token distributions are far from uniform. */
function sharpModel(cfg: GPTConfigInit = CFG, seed = 12): GPT {
  const m = new GPT(cfg, { seed });
  const g = new Generator(seed);
  for (const p of m.parameters()) nn.init.normal_(p, 0, 0.4, { generator: g });
  return m;
}

const ids = (rows: number[][]) => tensor(rows, { dtype: "int32" });

describe("GPT.logits with a KV cache", () => {
  test("decoding one position at a time gives full recomputation's logits", () => {
    const m = sharpModel();
    const seq = ids([[3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]]);
    const full = m.forward(seq);
    const cache = m.createCache();
    for (let t = 0; t < 8; t++) {
      const step = m.logits(seq.narrow(1, t, 1).contiguous(), { cache });
      assert.equal(cache.length, t + 1);
      assertClose(step, full.narrow(1, t, 1), { atol: 1e-5, rtol: 1e-5 }, `position ${t}`);
    }
  });

  test("a chunk after cached positions is masked causally at its offset", () => {
    const m = sharpModel();
    const seq = ids([[3, 1, 4, 1, 5, 9, 2]]);
    const full = m.forward(seq);
    const cache = m.createCache();
    m.logits(seq.narrow(1, 0, 3).contiguous(), { cache });
    const rest = m.logits(seq.narrow(1, 3, 4).contiguous(), { cache });
    assertClose(rest, full.narrow(1, 3, 4), { atol: 1e-5, rtol: 1e-5 }, "chunk");
    const last = m.logits(seq, { lastOnly: true });
    assert.deepEqual(last.shape, [1, 1, 24]);
    assertClose(last, full.narrow(1, 6, 1), { atol: 1e-6, rtol: 1e-6 }, "lastOnly");
  });

  test("lastOnly after cached positions gives the last row and still caches every position", () => {
    const m = sharpModel();
    const seq = ids([[3, 1, 4, 1, 5, 9, 2], [2, 7, 1, 8, 2, 8, 1]]);
    const full = m.forward(seq);
    const cache = m.createCache();
    m.logits(seq.narrow(1, 0, 2).contiguous(), { cache });
    const last = m.logits(seq.narrow(1, 2, 4).contiguous(), { cache, lastOnly: true });
    assert.deepEqual(last.shape, [2, 1, 24]);
    assertClose(last, full.narrow(1, 5, 1), { atol: 1e-5, rtol: 1e-5 }, "lastOnly chunk");
    // The last block skipped the rows before the last, but their keys and values are cached.
    assert.equal(cache.length, 6);
    assertClose(m.logits(seq.narrow(1, 6, 1).contiguous(), { cache }), full.narrow(1, 6, 1), { atol: 1e-5, rtol: 1e-5 }, "after lastOnly");
  });

  test("refuses to run past the context or with another batch size", () => {
    const m = sharpModel();
    const cache = m.createCache();
    m.logits(randint(0, 24, [2, 6], { dtype: "int32" }), { cache });
    assert.throws(() => m.logits(randint(0, 24, [2, 3], { dtype: "int32" }), { cache }), /3 positions after the 6 cached ones exceed the context length \(blockSize 8\)/);
    assert.throws(() => m.logits(randint(0, 24, [1, 1], { dtype: "int32" }), { cache }), /do not continue the KV cache's 2 rows/);
    cache.reset();
    assert.equal(cache.length, 0);
    assert.throws(() => m.logits(ids([[1]]), { cache: new GPT({ ...CFG, nLayer: 1 }).createCache() }), /made for 1 layers/);
  });

  test("training and cached decoding run the fused attention kernels, with no softmax or mask", () => {
    const m = sharpModel();
    const calls: Record<string, number> = {};
    const saved = K;
    const counting = Object.fromEntries(Object.entries(saved).map(([name, f]) => [
      name, typeof f === "function" ? (...args: unknown[]) => { calls[name] = (calls[name] ?? 0) + 1; return (f as (...a: unknown[]) => unknown)(...args); } : f,
    ])) as typeof K;
    setBackend(counting);
    try {
      const loss = m.forward(ids([[3, 1, 4, 1, 5]])).sum();
      loss.backward();
      const cache = m.createCache();
      m.logits(ids([[3, 1]]), { cache });
      m.logits(ids([[4]]), { cache });
    } finally {
      setBackend(saved);
    }
    assert.equal(calls.attention, 3 * CFG.nLayer);
    assert.equal(calls.attentionBackward, CFG.nLayer);
    assert.equal(calls.softmax, undefined);
    assert.equal(calls.where, undefined);
  });

  test("each layer's keys and values live in one preallocated buffer, written in place", () => {
    const m = sharpModel();
    const cache = m.createCache();
    m.logits(ids([[3, 1, 4]]), { cache });
    const layer = cache.layers[1];
    const buffer = layer.keys?.data;
    assert.deepEqual(layer.keys?.shape, [1, 2, 8, 8]); // [B, nHead, blockSize, headDim]
    m.logits(ids([[1]]), { cache });
    assert.equal(layer.keys?.data, buffer);
    assert.equal(layer.length, 4);
    assert.throws(() => layer.append(randn([1, 2, 5, 8]), randn([1, 2, 5, 8])), /KVCache: 5 positions after the 4 cached ones exceed its 8 positions/);
  });
});

describe("generate", () => {
  const prompts = ids([[5, 3, 7], [1, 1, 2]]);

  for (const [name, opts] of [
    ["greedy", { temperature: 0 }],
    ["sampled", { temperature: 0.9, seed: 42 }],
    ["sampled with top-k and top-p", { temperature: 1.2, topK: 6, topP: 0.9, seed: 7 }],
  ] as const) {
    test(`the KV cache gives exactly the tokens of full recomputation: ${name}, past the context`, () => {
      const m = sharpModel();
      // 3 + 15 tokens: 5 steps fit in the context of 8, the other 10 slide the window.
      const cached = generate(m, prompts, { ...opts, maxNewTokens: 15 });
      const full = generate(m, prompts, { ...opts, maxNewTokens: 15, useCache: false });
      assert.deepEqual(cached.map((r) => Array.from(r)), full.map((r) => Array.from(r)));
      assert.equal(cached.length, 2);
      assert.ok(cached.every((r) => r.length === 15));
      assert.notDeepEqual(Array.from(cached[0]), Array.from(cached[1]));
      // Each row is what it would be alone (sampling draws row by row, so only greedy is row-independent).
      if (name === "greedy") assert.deepEqual(Array.from(generate(m, [5, 3, 7], { ...opts, maxNewTokens: 15 })), Array.from(cached[0]));
    });
  }

  test("greedy follows the model's argmax at every step", () => {
    const m = sharpModel();
    const out = generate(m, [4, 2], { maxNewTokens: 5, temperature: 0 });
    let seq = ids([[4, 2]]);
    for (const token of out) {
      const last = m.forward(seq).narrow(1, seq.shape[1] - 1, 1).reshape([24]).toArray();
      assert.equal(token, last.indexOf(Math.max(...last)));
      seq = cat([seq, ids([[token]])], 1);
    }
  });

  test("sampling is reproducible from a seed or a generator, and varies with it", () => {
    const m = sharpModel();
    const run = (o: object) => Array.from(generate(m, [1, 2, 3], { maxNewTokens: 12, ...o }));
    assert.deepEqual(run({ seed: 3 }), run({ seed: 3 }));
    assert.deepEqual(run({ seed: 3 }), run({ generator: new Generator(3) }));
    assert.notDeepEqual(run({ seed: 3 }), run({ seed: 4 }));
    // top-k 1 and a tiny top-p leave only the most likely token.
    const greedy = run({ temperature: 0 });
    assert.deepEqual(run({ seed: 5, topK: 1 }), greedy);
    assert.deepEqual(run({ seed: 5, topP: 1e-6 }), greedy);
  });

  test("a prompt longer than the context is cropped to its last blockSize tokens", () => {
    const m = sharpModel();
    const long = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const out = Array.from(generate(m, long, { maxNewTokens: 4, temperature: 0 }));
    assert.deepEqual(out, Array.from(generate(m, long.slice(-8), { maxNewTokens: 4, temperature: 0, useCache: false })));
  });

  test("stop sequences end a row (included in the output); onToken streams what is returned", () => {
    const m = sharpModel();
    const free = generate(m, prompts, { maxNewTokens: 10, temperature: 0 }).map((r) => Array.from(r));
    const stop = free[0].slice(1, 3); // [19, 2] with this model: in row 0 only
    const streamed: [number, number][] = [];
    const out = generate(m, prompts, {
      maxNewTokens: 10, temperature: 0, stopSequences: [stop, [99, 98]], onToken: (t, row) => streamed.push([t, row]),
    }).map((r) => Array.from(r));
    assert.deepEqual(out[0], free[0].slice(0, 3));
    // The other row runs on, unaffected by the finished one.
    assert.ok(!free[1].some((t, i) => t === stop[0] && free[1][i + 1] === stop[1]));
    assert.deepEqual(out[1], free[1]);
    for (const row of [0, 1]) assert.deepEqual(streamed.filter((s) => s[1] === row).map((s) => s[0]), out[row]);
  });

  test("runs in eval mode without gradients and restores the model's modes", () => {
    const m = sharpModel({ ...CFG, dropout: 0.5 });
    m.transformer.h.get(1).eval();
    const a = Array.from(generate(m, [1, 2], { maxNewTokens: 6, seed: 1 }));
    assert.deepEqual(Array.from(generate(m, [1, 2], { maxNewTokens: 6, seed: 1 })), a);
    assert.equal(m.training, true);
    assert.equal(m.transformer.h.get(0).training, true);
    assert.equal(m.transformer.h.get(1).training, false);
    assert.equal(m.parameters().some((p) => p.grad), false);
  });

  test("maxNewTokens 0 returns nothing; bad arguments are errors naming them", () => {
    const m = sharpModel();
    assert.deepEqual(Array.from(generate(m, [1], { maxNewTokens: 0 })), []);
    assert.throws(() => generate(m, [1], { maxNewTokens: -1 }), /maxNewTokens must be a non-negative integer, got -1/);
    assert.throws(() => generate(m, [1], { maxNewTokens: 2, temperature: -1 }), /temperature must be a finite number >= 0/);
    assert.throws(() => generate(m, [1], { maxNewTokens: 2, topK: 0 }), /topK must be a positive integer, got 0/);
    assert.throws(() => generate(m, [1], { maxNewTokens: 2, topP: 1.5 }), /topP must be in \(0, 1\], got 1\.5/);
    assert.throws(() => generate(m, [1], { maxNewTokens: 2, stopSequences: [[]] }), /stop sequence 0 must be a non-empty array/);
    assert.throws(() => generate(m, [], { maxNewTokens: 2 }), /the prompt is empty/);
    assert.throws(() => generate(m, [1.5], { maxNewTokens: 2 }), /prompt token 0 is 1\.5, not an integer id/);
    assert.throws(() => generate(m, [[0]] as unknown as number[], { maxNewTokens: 2 }),
      /prompt token 0 is \[0\], not an integer id \(a batch of prompts is an int32 Tensor \[B, T\]\)/);
    assert.throws(() => generate(m, tensor([[1, 2]]), { maxNewTokens: 2 }), /prompts must be int32 token ids, got float32/);
    assert.throws(() => generate(m, [24], { maxNewTokens: 2 }), /token id 24 at \[0, 0\] is outside the vocabulary/);
  });
});

describe("sampleToken", () => {
  const count = (logits: number[], o: object, n = 4000) => {
    const g = new Generator(9);
    const hits = new Array(logits.length).fill(0);
    for (let i = 0; i < n; i++) hits[sampleToken(logits, o, g)]++;
    return hits.map((h) => h / n);
  };

  test("draws from softmax(logits / temperature)", () => {
    const f = count([0, Math.log(3)], {});
    assert.ok(Math.abs(f[1] - 0.75) < 0.03, `${f}`);
    const hot = count([0, Math.log(3)], { temperature: 2 }); // probabilities ∝ 1 : √3
    assert.ok(Math.abs(hot[1] - Math.sqrt(3) / (1 + Math.sqrt(3))) < 0.03, `${hot}`);
    assert.equal(sampleToken([1, 5, 5, 2], { temperature: 0 }, new Generator(0)), 1);
  });

  test("top-k keeps the k most likely tokens; top-p the smallest set reaching p", () => {
    assert.deepEqual(count([1, 2, 3, 4], { topK: 2 }).map((p) => p > 0), [false, false, true, true]);
    const probs = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    assert.deepEqual(count(probs, { topP: 0.6 }).map((p) => p > 0), [true, true, false]);
    assert.deepEqual(count(probs, { topP: 0.5 }).map((p) => p > 0), [true, false, false]);
    const kept = count(probs, { topP: 0.75 });
    assert.ok(Math.abs(kept[0] - 0.625) < 0.03, `${kept}`);
    assert.throws(() => sampleToken([0, NaN], {}, new Generator(0)), /NaN logits/);
  });
});
