import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { noGrad, normal_, Tensor } from "../../src/index.js";
import {
  applyLoRA, checkpointDir, GPT, loadLoRA, loadPretrained, LoRAConv1D, loraLayers, loraStateDict, mergedStateDict, mergeLoRA,
  saveLoRA, trainLM, type TrainSettings,
} from "../../src/llm/index.js";
import { REPO } from "../helpers.js";

const TEXT = readFileSync(join(REPO, "test", "llm", "data", "tinyshakespeare_head.txt"), "utf8");
const CONFIG = { vocabSize: 30, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 };
const LORA = { rank: 4, alpha: 8, dropout: 0, targets: ["c_attn", "c_proj", "c_fc"] };
const TRAIN: Partial<TrainSettings> = { batchSize: 4, evalInterval: 3, evalBatches: 2, warmupSteps: 1, sampleTokens: 0, steps: 4, lr: 1e-2 };

const scratch = mkdtempSync(join(tmpdir(), "lathe-lora-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(scratch, `d${dirs++}`);

const IDS = new Tensor(Int32Array.from({ length: 2 * 16 }, (_, i) => (i * 11) % 30), [2, 16]);
const logits = (m: GPT): Float32Array => noGrad(() => m.forward(IDS).toArray() as Float32Array);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** A LoRA'd model whose B matrices are random (they start at zero, which would make merging trivially exact). */
function adapted(seed = 1): GPT {
  const m = new GPT(CONFIG, { seed });
  applyLoRA(m, LORA, seed);
  noGrad(() => loraLayers(m).forEach(([, l]) => normal_(l.lora_B.weight, 0, 0.1)));
  return m.eval();
}

describe("LoRA adapters", () => {
  test("applyLoRA wraps the targeted projections, leaves only A and B trainable, and starts as the base model", () => {
    const base = new GPT(CONFIG, { seed: 2 });
    const before = logits(base.eval());
    const layers = applyLoRA(base, LORA);
    assert.deepEqual(layers.map(([n]) => n), [
      "transformer.h.0.attn.c_attn", "transformer.h.0.attn.c_proj", "transformer.h.0.mlp.c_fc", "transformer.h.0.mlp.c_proj",
      "transformer.h.1.attn.c_attn", "transformer.h.1.attn.c_proj", "transformer.h.1.mlp.c_fc", "transformer.h.1.mlp.c_proj",
    ]);
    const trainable = base.namedParameters().filter(([, p]) => p.requiresGrad).map(([n]) => n);
    assert.equal(trainable.length, 16);
    assert.ok(trainable.every((n) => /\.lora_[AB]\.weight$/.test(n)));
    assert.ok(base.transformer.h.get(0) && (base.transformer.h.get(0) as unknown as { attn: { c_attn: unknown } }).attn.c_attn instanceof LoRAConv1D);
    assert.equal(maxDiff(logits(base), before), 0);
    assert.throws(() => applyLoRA(base, LORA), /already has LoRA adapters/);
  });

  test("merged model logits equal the adapter model's to 1e-5, and mergedStateDict matches mergeLoRA", () => {
    const m = adapted();
    const withAdapters = logits(m);
    const merged = mergedStateDict(m);
    assert.ok(Object.keys(merged).every((k) => !k.includes("lora_") && !k.includes("base_layer")));
    mergeLoRA(m);
    assert.equal(loraLayers(m).length, 0);
    assert.ok(maxDiff(logits(m), withAdapters) < 1e-5, `max diff ${maxDiff(logits(m), withAdapters)}`);
    const sd = m.stateDict();
    assert.deepEqual(Object.keys(merged).sort(), Object.keys(sd).sort());
    for (const k of Object.keys(sd)) assert.equal(maxDiff(merged[k].toArray(), sd[k].toArray()), 0, k);
  });

  test("saveLoRA writes peft's files, and loadLoRA onto the same base reproduces the adapted model", async () => {
    const m = adapted(3);
    const dir = freshDir();
    await saveLoRA(m, dir, { baseModel: "tiny" });
    const config = JSON.parse(readFileSync(join(dir, "adapter_config.json"), "utf8"));
    assert.deepEqual([config.peft_type, config.r, config.lora_alpha, config.fan_in_fan_out, config.base_model_name_or_path], ["LORA", 4, 8, true, "tiny"]);
    assert.ok("base_model.model.transformer.h.1.mlp.c_fc.lora_A.weight" in loraStateDict(m));

    const again = await loadLoRA(new GPT(CONFIG, { seed: 3 }), dir);
    assert.equal(maxDiff(logits(again.eval()), logits(m)), 0);
    await assert.rejects(loadLoRA(new GPT({ ...CONFIG, nEmbd: 32 }, { seed: 3 }), dir), /size mismatch/);
  });

  test("LoRA fine-tuning trains only the adapters, checkpoints the merged model, and resumes exactly", async () => {
    const base = freshDir();
    await trainLM({ text: TEXT, outDir: base, model: { blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 }, train: { ...TRAIN, steps: 2 } });
    const baseWeights = (await loadPretrained(checkpointDir(base)!)).model.stateDict();
    const lora = { rank: 2, alpha: 4, dropout: 0.1, targets: ["c_attn", "c_fc"] };

    const straight = await trainLM({ text: TEXT, from: base, train: { ...TRAIN, lora } });
    for (const [name, l] of loraLayers(straight.model)) {
      assert.equal(maxDiff(l.base_layer.weight.toArray(), baseWeights[`${name}.weight`].toArray()), 0, `${name} base changed`);
      assert.ok(maxDiff(l.lora_B.weight.toArray(), new Float32Array(l.lora_B.weight.numel())) > 0, `${name} adapter did not train`);
    }

    const out = freshDir();
    await trainLM({ text: TEXT, from: base, outDir: out, train: { ...TRAIN, lora }, stopAtStep: 2 });
    const resumed = await trainLM({ text: TEXT, outDir: out, resume: true });
    const a = loraStateDict(straight.model);
    const b = loraStateDict(resumed.model);
    for (const k of Object.keys(a)) assert.equal(maxDiff(a[k].toArray(), b[k].toArray()), 0, k);

    // The checkpoint is a bundle of the merged model: it loads as a plain GPT that computes what the adapted one does.
    const { model: merged } = await loadPretrained(checkpointDir(out)!);
    assert.equal(loraLayers(merged).length, 0);
    const ids = new Tensor(Int32Array.from({ length: 16 }, (_, i) => i % 20), [1, 16]);
    const expected = noGrad(() => resumed.model.eval().forward(ids).toArray());
    assert.ok(maxDiff(noGrad(() => merged.forward(ids).toArray()), expected) < 1e-5);
  });
});
