/**
 * Hugging Face GPT-2 directories: config.json + model.safetensors (+ vocab.json and
 * merges.txt for the tokenizer), read and written without any network access. loadPretrained
 * also reads Lathe LM bundles, which add lathe.json to that layout (see bundle.ts).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadSafetensors, readSafetensorsHeader, saveSafetensors, writeFileAtomic } from "../io/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { BUNDLE_FILE, type LMTokenizer, bundleTokenizer, readBundleInfo } from "./bundle.js";
import { type GPTConfig, configFromHF, configToHF } from "./config.js";
import { GPT } from "./gpt.js";
import { BpeTokenizer } from "./tokenizer/index.js";

export interface Pretrained {
  /** In eval mode. */
  model: GPT;
  config: GPTConfig;
  /**
   * GPT-2's byte-level BPE from vocab.json + merges.txt, or a bundle's character-level
   * tokenizer; undefined when the directory has none.
   */
  tokenizer?: LMTokenizer;
  /** A bundle's training metadata (lathe.json's "training"). */
  training?: Record<string, unknown>;
}

/** Older checkpoints (and the hub's gpt2) carry each layer's causal mask as buffers; Lathe builds its mask itself. */
const MASK_BUFFER = /(^|\.)attn\.(bias|masked_bias)$/;

/**
 * The model key for a checkpoint key, or null for one to skip. GPT2LMHeadModel saves
 * "transformer.h.0…"; the bare GPT2Model (as the hub's gpt2 file) saves "h.0…".
 */
function modelKey(key: string): string | null {
  if (MASK_BUFFER.test(key)) return null;
  return key.startsWith("transformer.") || key.startsWith("lm_head.") ? key : `transformer.${key}`;
}

/**
 * Loads a Hugging Face GPT-2 directory: config.json and model.safetensors (F32, F16 or BF16;
 * with or without the "transformer." key prefix; a tied lm_head.weight may be absent), and the
 * tokenizer when vocab.json and merges.txt are there. In a Lathe LM bundle, lathe.json gives
 * the config and tokenizer instead. The model is returned in eval mode.
 */
export async function loadPretrained(dir: string): Promise<Pretrained> {
  const bundle = await readBundleInfo(dir);
  const configPath = join(dir, bundle ? BUNDLE_FILE : "config.json");
  if (!existsSync(configPath)) {
    throw new Error(`loadPretrained: ${dir} has no config.json (expected a Hugging Face GPT-2 directory or a Lathe LM bundle)`);
  }
  const config = bundle ? bundle.config : configFromHF(JSON.parse(await readFile(configPath, "utf8")), configPath);
  const weightsPath = join(dir, "model.safetensors");
  if (!existsSync(weightsPath)) {
    const other = ["model.safetensors.index.json", "pytorch_model.bin"].find((f) => existsSync(join(dir, f)));
    throw new Error(`loadPretrained: ${dir} has no model.safetensors${other ? ` (${other} is not supported; convert it to a single model.safetensors)` : ""}`);
  }

  // Read only the tensors the model uses: old checkpoints' mask buffers can outweigh small models.
  const header = await readSafetensorsHeader(weightsPath);
  const wanted = new Map<string, string>();
  for (const key of Object.keys(header.tensors)) {
    const name = modelKey(key);
    if (name === null || (name === "lm_head.weight" && config.tiedEmbeddings)) continue;
    if (wanted.has(name)) throw new Error(`loadPretrained: ${weightsPath} holds ${name} twice (with and without the "transformer." prefix)`);
    wanted.set(name, key);
  }
  const { tensors } = await loadSafetensors(weightsPath, { keys: wanted.values() });
  const state: Record<string, Tensor> = {};
  for (const [name, key] of wanted) state[name] = tensors[key];
  if (config.tiedEmbeddings && state["transformer.wte.weight"]) state["lm_head.weight"] = state["transformer.wte.weight"];

  const model = new GPT(config, { skipInit: true });
  try {
    model.loadStateDict(state, { assign: true });
  } catch (err) {
    throw new Error(`loadPretrained: ${weightsPath} does not fit ${configPath}: ${(err as Error).message}`);
  }
  model.eval();
  if (bundle) return { model, config, tokenizer: bundleTokenizer(bundle, dir), training: bundle.training };
  return { model, config, tokenizer: loadTokenizer(dir, config) };
}

function loadTokenizer(dir: string, config: GPTConfig): BpeTokenizer | undefined {
  const has = ["vocab.json", "merges.txt"].map((f) => existsSync(join(dir, f)));
  if (!has[0] && !has[1]) return undefined;
  if (!has[0] || !has[1]) throw new Error(`loadPretrained: ${dir} has ${has[0] ? "vocab.json but no merges.txt" : "merges.txt but no vocab.json"}`);
  const tokenizer = BpeTokenizer.load(dir);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new Error(`loadPretrained: the tokenizer in ${dir} has ${tokenizer.vocabSize} tokens, more than the model's vocab_size ${config.vocabSize}`);
  }
  return tokenizer;
}

/**
 * Writes `model` as a Hugging Face GPT-2 directory that loadPretrained and transformers'
 * GPT2LMHeadModel.from_pretrained read: config.json, and model.safetensors with
 * GPT2LMHeadModel's keys ("transformer." prefix; lm_head.weight left out when tied, as
 * safetensors cannot hold shared tensors), plus vocab.json and merges.txt when a tokenizer is given.
 */
export async function savePretrained(model: GPT, dir: string, opts: { tokenizer?: BpeTokenizer } = {}): Promise<void> {
  const hfConfig = configToHF(model.config);
  await mkdir(dir, { recursive: true });
  const state = model.stateDict();
  if (model.config.tiedEmbeddings) delete state["lm_head.weight"];
  await saveSafetensors(join(dir, "model.safetensors"), state, { metadata: { format: "pt" } });
  await writeFileAtomic(join(dir, "config.json"), `${JSON.stringify(hfConfig, null, 2)}\n`);
  opts.tokenizer?.save(dir);
}
