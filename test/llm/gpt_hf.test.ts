import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { loadSafetensors, readSafetensorsHeader, saveSafetensors } from "../../src/io/index.js";
import { BpeTokenizer, BYTE_TO_CHAR, GPT, generate, loadPretrained, savePretrained } from "../../src/llm/index.js";
import { assertClose, FIXTURES, fromFixture, loadFixture } from "../helpers.js";

const TINY_DIR = join(FIXTURES, "gpt2_tiny");
const cases = loadFixture("gpt2_tiny/expected");

const scratch = mkdtempSync(join(tmpdir(), "lathe-gpt-hf-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => mkdtempSync(join(scratch, `${dirs++}-`));

/** A copy of the fixture directory whose model.safetensors holds `tensors` instead. */
async function fixtureWith(tensors: Record<string, import("../../src/index.js").Tensor>, config?: object): Promise<string> {
  const dir = freshDir();
  await saveSafetensors(join(dir, "model.safetensors"), tensors);
  if (config) writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  else copyFileSync(join(TINY_DIR, "config.json"), join(dir, "config.json"));
  return dir;
}

describe("GPT-2 checkpoint against PyTorch (tools/fixtures/gen_gpt2.py)", () => {
  test("loadPretrained reads the hub layout (no prefix, mask buffers, tied head omitted) in eval mode", async () => {
    const { model, config, tokenizer } = await loadPretrained(TINY_DIR);
    assert.equal(tokenizer, undefined);
    assert.deepEqual(config, model.config);
    assert.equal(config.activation, "geluTanh");
    assert.ok(model.modules().every((m) => !m.training));
    const header = await readSafetensorsHeader(join(TINY_DIR, "model.safetensors"));
    assert.ok("h.0.attn.bias" in header.tensors && "h.1.attn.masked_bias" in header.tensors && "wte.weight" in header.tensors);
  });

  test("logits match PyTorch's to 1e-4", async () => {
    const { model } = await loadPretrained(TINY_DIR);
    const c = cases.logits;
    assertClose(model.forward(fromFixture(c.inputs.ids)), c.outputs.logits, { atol: 1e-4, rtol: 1e-4 }, "logits");
  });

  test("the loss and gradients of a batch match PyTorch's, through the tied embedding", async () => {
    const { model } = await loadPretrained(TINY_DIR);
    const c = cases.loss;
    const { loss } = model.forward(fromFixture(c.inputs.ids), fromFixture(c.inputs.targets));
    assertClose(loss, c.outputs.loss, { atol: 1e-5, rtol: 1e-5 }, "loss");
    loss.backward();
    const params = Object.fromEntries(model.namedParameters());
    for (const [name, expected] of Object.entries(c.grads)) {
      let grad = params[name].grad!;
      if (name === "transformer.wte.weight") grad = grad.narrow(0, 0, c.params.wte_rows as number);
      assertClose(grad, expected, { atol: 1e-5, rtol: 1e-4 }, `grad of ${name}`);
    }
  });

  test("greedy generation past the context gives PyTorch's tokens, with and without the KV cache", async () => {
    const { model } = await loadPretrained(TINY_DIR);
    const c = cases.greedy;
    const prompt = Array.from(fromFixture(c.inputs.prompt).toArray());
    const expected = Array.from(fromFixture(c.outputs.tokens).toArray());
    const n = c.params.max_new_tokens as number;
    assert.ok(prompt.length + n > model.config.blockSize, "the fixture must slide the window");
    assert.deepEqual(Array.from(generate(model, prompt, { maxNewTokens: n, temperature: 0 })), expected);
    assert.deepEqual(Array.from(generate(model, prompt, { maxNewTokens: n, temperature: 0, useCache: false })), expected);
  });
});

describe("loadPretrained and savePretrained", () => {
  test("savePretrained writes GPT2LMHeadModel's keys and loads back to the same logits", async () => {
    const { model } = await loadPretrained(TINY_DIR);
    const dir = freshDir();
    await savePretrained(model, dir);
    const header = await readSafetensorsHeader(join(dir, "model.safetensors"));
    const keys = Object.keys(header.tensors);
    assert.ok(keys.every((k) => k.startsWith("transformer.")), keys.join(", "));
    assert.ok(!keys.includes("lm_head.weight"));
    assert.equal(keys.length, Object.keys(model.stateDict()).length - 1);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    assert.equal(config.activation_function, "gelu_new");
    assert.equal(config.n_positions, 16);
    const again = await loadPretrained(dir);
    const ids = fromFixture(cases.logits.inputs.ids);
    assert.deepEqual(again.model.forward(ids).toArray(), model.forward(ids).toArray());
  });

  test("an untied head is saved and loaded as lm_head.weight", async () => {
    const model = new GPT({ vocabSize: 30, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, tiedEmbeddings: false, activation: "geluTanh" }, { seed: 5 });
    const dir = freshDir();
    await savePretrained(model, dir);
    const { model: loaded, config } = await loadPretrained(dir);
    assert.equal(config.tiedEmbeddings, false);
    assert.deepEqual(loaded.lm_head.weight.toArray(), model.lm_head.weight.toArray());
    assert.notEqual(loaded.lm_head.weight, loaded.transformer.wte.weight);

    rmSync(join(dir, "model.safetensors"));
    const state = model.stateDict();
    delete state["lm_head.weight"];
    await saveSafetensors(join(dir, "model.safetensors"), state);
    await assert.rejects(loadPretrained(dir), /does not fit [^]*missing keys: "lm_head\.weight"/);
  });

  test("loads the tokenizer from vocab.json + merges.txt when present", async () => {
    const tokenizer = tinyBpe();
    const model = new GPT({ vocabSize: 260, blockSize: 8, nLayer: 1, nHead: 1, nEmbd: 8 }, { seed: 0 });
    const dir = freshDir();
    await savePretrained(model, dir, { tokenizer });
    const loaded = await loadPretrained(dir);
    assert.ok(loaded.tokenizer instanceof BpeTokenizer);
    assert.deepEqual(Array.from(loaded.tokenizer!.encode("hello")), [...tokenizer.encode("hello")]);
    assert.equal(loaded.tokenizer!.encode("hello").length, 4);

    const small = freshDir();
    await savePretrained(new GPT({ vocabSize: 100, blockSize: 8, nLayer: 1, nHead: 1, nEmbd: 8 }, { seed: 0 }), small, { tokenizer });
    await assert.rejects(loadPretrained(small), /has 257 tokens, more than the model's vocab_size 100/);
    rmSync(join(small, "merges.txt"));
    await assert.rejects(loadPretrained(small), /has vocab\.json but no merges\.txt/);
  });

  test("accepts keys with the transformer. prefix; rejects both spellings at once, and stray or missing tensors", async () => {
    const { tensors } = await loadSafetensors(join(TINY_DIR, "model.safetensors"));
    const prefixed = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [`transformer.${k}`, t]));
    const ids = fromFixture(cases.logits.inputs.ids);
    const { model } = await loadPretrained(await fixtureWith(prefixed));
    assertClose(model.forward(ids), cases.logits.outputs.logits, { atol: 1e-4, rtol: 1e-4 }, "logits");

    await assert.rejects(loadPretrained(await fixtureWith({ ...tensors, ...prefixed })), /holds transformer\.\S+ twice \(with and without the "transformer\." prefix\)/);
    await assert.rejects(loadPretrained(await fixtureWith({ ...tensors, "h.9.mlp.c_fc.bias": tensors["h.0.mlp.c_fc.bias"] })), /unexpected keys: "transformer\.h\.9\.mlp\.c_fc\.bias"/);
    const missing = { ...tensors };
    delete missing["ln_f.bias"];
    await assert.rejects(loadPretrained(await fixtureWith(missing)), /missing keys: "transformer\.ln_f\.bias"/);
    const wide = JSON.parse(readFileSync(join(TINY_DIR, "config.json"), "utf8"));
    await assert.rejects(loadPretrained(await fixtureWith(tensors, { ...wide, n_positions: 32 })), /size mismatch for transformer\.wpe\.weight: shape \[16, 32\] in the state dict, \[32, 32\] in the model/);
  });

  test("a directory without config.json or model.safetensors is an error that says what is missing", async () => {
    await assert.rejects(loadPretrained(freshDir()), /has no config\.json/);
    const dir = freshDir();
    await savePretrained(new GPT({ vocabSize: 10, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 }, { seed: 0 }), dir);
    rmSync(join(dir, "model.safetensors"));
    writeFileSync(join(dir, "pytorch_model.bin"), "");
    await assert.rejects(loadPretrained(dir), /has no model\.safetensors \(pytorch_model\.bin is not supported/);
  });
});

/** A byte-level BPE with the 256 byte tokens and one merge ("l" + "l"). */
function tinyBpe(): BpeTokenizer {
  const vocab: Record<string, number> = Object.fromEntries(BYTE_TO_CHAR.map((c, b) => [c, b]));
  vocab.ll = 256;
  return new BpeTokenizer({ vocab, merges: [["l", "l"]] });
}
