/**
 * The Lathe LM bundle: a directory that is a Hugging Face GPT-2 directory (config.json,
 * model.safetensors, and vocab.json + merges.txt for a BPE tokenizer) plus lathe.json, which
 * holds what GPT-2's files cannot: the full Lathe config (so bias: false models fit too; they
 * get no config.json), a character-level tokenizer, and training metadata. loadPretrained
 * reads both kinds of directory; transformers reads a bundle of a GPT-2-shaped model as is.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { saveSafetensors, writeFileAtomic } from "../io/index.js";
import type { Tensor } from "../tensor/tensor.js";
import { type GPTConfig, configToHF, gptConfig } from "./config.js";
import type { GPT } from "./gpt.js";
import { BpeTokenizer, CharTokenizer, type CharTokenizerJSON } from "./tokenizer/index.js";

export const BUNDLE_FILE = "lathe.json";

/** The tokenizers a bundle can hold. */
export type LMTokenizer = CharTokenizer | BpeTokenizer;

/** lathe.json. */
export interface BundleInfo {
  format: "lathe-lm";
  version: 1;
  config: GPTConfig;
  /** A character-level tokenizer in full; "bpe" means vocab.json + merges.txt beside it; null, none. */
  tokenizer: CharTokenizerJSON | { type: "bpe" } | null;
  /** Free-form facts about how the model was made (steps, tokens, validation loss, …). */
  training?: Record<string, unknown>;
}

export interface SaveBundleOptions {
  tokenizer?: LMTokenizer;
  /** The weights to write instead of model.stateDict() (e.g. LoRA adapters merged in). */
  state?: Record<string, Tensor>;
  training?: Record<string, unknown>;
}

/** Writes `model` as a Lathe LM bundle in `dir`; each file atomically, lathe.json last. */
export async function saveBundle(dir: string, model: GPT, opts: SaveBundleOptions = {}): Promise<void> {
  const { config } = model;
  const state = { ...(opts.state ?? model.stateDict()) };
  // safetensors cannot hold shared tensors; a tied head is rebuilt from wte on load.
  if (config.tiedEmbeddings) delete state["lm_head.weight"];
  await mkdir(dir, { recursive: true });
  await saveSafetensors(join(dir, "model.safetensors"), state, { metadata: { format: "pt" } });
  if (config.bias) await writeFileAtomic(join(dir, "config.json"), `${JSON.stringify(configToHF(config), null, 2)}\n`);
  const tok = opts.tokenizer;
  if (tok instanceof BpeTokenizer) tok.save(dir);
  const info: BundleInfo = {
    format: "lathe-lm",
    version: 1,
    config,
    tokenizer: tok instanceof CharTokenizer ? tok.toJSON() : tok ? { type: "bpe" } : null,
    ...(opts.training ? { training: opts.training } : {}),
  };
  await writeFileAtomic(join(dir, BUNDLE_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

/** The checked lathe.json of `dir`, or null when there is none (a plain Hugging Face directory). */
export async function readBundleInfo(dir: string): Promise<BundleInfo | null> {
  const path = join(dir, BUNDLE_FILE);
  if (!existsSync(path)) return null;
  const j = JSON.parse(await readFile(path, "utf8")) as Partial<BundleInfo>;
  if (j?.format !== "lathe-lm" || j.version !== 1) throw new Error(`${path}: not a Lathe LM bundle description (format "lathe-lm", version 1)`);
  let config: GPTConfig;
  try {
    config = gptConfig(j.config as GPTConfig);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  const t = j.tokenizer;
  if (t !== null && !(t?.type === "char" || t?.type === "bpe")) throw new Error(`${path}: tokenizer must be a char tokenizer, { "type": "bpe" } or null`);
  return { format: "lathe-lm", version: 1, config, tokenizer: t, training: j.training };
}

/** The tokenizer a bundle describes, checked against the model's vocabulary. */
export function bundleTokenizer(info: BundleInfo, dir: string): LMTokenizer | undefined {
  if (info.tokenizer === null) return undefined;
  const tok = info.tokenizer.type === "char" ? CharTokenizer.fromJSON(info.tokenizer) : BpeTokenizer.load(dir);
  if (tok.vocabSize > info.config.vocabSize) {
    throw new Error(`${join(dir, BUNDLE_FILE)}: the tokenizer has ${tok.vocabSize} tokens, more than the model's vocabSize ${info.config.vocabSize}`);
  }
  return tok;
}
