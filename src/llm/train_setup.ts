/**
 * What an LM training session starts from: a new model, a pretrained one to fine-tune
 * (with frozen layers or LoRA adapters), or a run's checkpoint to resume exactly.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { AdamW, type OptimizerStateDict } from "../optim/index.js";
import type { GPTConfigInit } from "./config.js";
import { type LMTokenizer } from "./bundle.js";
import { type TrainState, loadCheckpoint, modelDir } from "./checkpoint.js";
import { GPT } from "./gpt.js";
import { loadPretrained } from "./hf.js";
import { applyLoRA, loadLoRA } from "./lora.js";
import type { LogStream } from "./progress.js";
import { CharTokenizer } from "./tokenizer/index.js";
import { type TrainSettings, trainSettings } from "./train_config.js";

/** A new model's shape when none is given: the W4 benchmark's character-level GPT. */
export const DEFAULT_MODEL = { blockSize: 128, nLayer: 4, nHead: 4, nEmbd: 128, tiedEmbeddings: false } as const;

export interface TrainLMOptions {
  /** The corpus: split into training head and validation tail after tokenizing. */
  text: string;
  /** Run directory: checkpoints go to `<outDir>/checkpoint`. Without it nothing is written. */
  outDir?: string;
  /** A new model's shape (vocabSize comes from the tokenizer); DEFAULT_MODEL fills the rest. */
  model?: Omit<Partial<GPTConfigInit>, "vocabSize">;
  /** A new model's tokenizer; default: character-level over `text`. */
  tokenizer?: LMTokenizer;
  /** Fine-tune the model (and use the tokenizer) of this Lathe LM bundle, Hugging Face GPT-2 directory or run directory. */
  from?: string;
  train?: Partial<TrainSettings>;
  /**
   * Continue the run in `outDir` from its checkpoint, exactly as if it had not stopped: model,
   * optimizer, schedule, RNG states and settings come from there; `train` may change only the
   * budget (steps or minutes).
   */
  resume?: boolean;
  /** End this session once this many steps are done (with a checkpoint), the schedule still planned for the whole budget. */
  stopAtStep?: number;
  /** Once aborted, training stops after the current step, evaluates and checkpoints (Ctrl-C in the CLI). */
  signal?: AbortSignal;
  /** Where progress, evaluations and samples are written; default nowhere. */
  log?: LogStream;
}

/** Everything the training loop starts from. */
export interface Run {
  model: GPT;
  tokenizer: LMTokenizer;
  settings: TrainSettings;
  from: string | null;
  /** Set when resuming. */
  resumed: { state: TrainState; optimizer: OptimizerStateDict; corpusSha256: string } | null;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Freezes the token and position embeddings (and a head tied to them) and/or the first `layers` blocks. */
export function freezeLayers(model: GPT, opts: { embeddings?: boolean; layers?: number }): void {
  const layers = opts.layers ?? 0;
  if (!(Number.isInteger(layers) && layers >= 0 && layers <= model.config.nLayer)) {
    throw new RangeError(`freezeLayers: layers must be an integer from 0 to the model's ${model.config.nLayer} blocks, got ${layers}`);
  }
  if (opts.embeddings) {
    model.transformer.wte.requiresGrad_(false);
    model.transformer.wpe.requiresGrad_(false);
  }
  for (let i = 0; i < layers; i++) model.transformer.h.get(i).requiresGrad_(false);
}

/**
 * AdamW over the trainable parameters in nanoGPT's two groups: weight matrices and
 * embeddings decay, biases and LayerNorm parameters do not.
 */
export function makeOptimizer(model: GPT, s: TrainSettings): AdamW {
  const trainable = model.parameters().filter((p) => p.requiresGrad);
  if (trainable.length === 0) throw new Error("nothing to train: every parameter of the model is frozen");
  const groups = [
    { params: trainable.filter((p) => p.ndim >= 2), weightDecay: s.weightDecay },
    { params: trainable.filter((p) => p.ndim < 2), weightDecay: 0 },
  ].filter((g) => g.params.length > 0);
  return new AdamW(groups, { lr: s.lr, betas: s.betas, eps: s.eps });
}

/** Freezing or LoRA, as the settings say. */
function prepareFineTune(model: GPT, s: TrainSettings): void {
  if (s.lora) {
    if (s.freezeEmbeddings || s.freezeLayers) throw new Error("train: freezeEmbeddings and freezeLayers cannot go with lora, which freezes all but the adapters");
    applyLoRA(model, s.lora, s.seed);
  } else {
    freezeLayers(model, { embeddings: s.freezeEmbeddings, layers: s.freezeLayers });
  }
}

async function newRun(o: TrainLMOptions): Promise<Run> {
  const settings = trainSettings(o.train ?? {});
  if (o.from === undefined) {
    if (settings.lora || settings.freezeEmbeddings || settings.freezeLayers) {
      throw new Error("train: freezing and LoRA are for fine-tuning; give the model to start from");
    }
    const tokenizer = o.tokenizer ?? CharTokenizer.fromText(o.text);
    const model = new GPT({ ...DEFAULT_MODEL, ...o.model, vocabSize: tokenizer.vocabSize }, { seed: settings.seed });
    return { model, tokenizer, settings, from: null, resumed: null };
  }
  if (o.model || o.tokenizer) throw new Error("train: fine-tuning keeps the model's shape and tokenizer; drop model and tokenizer");
  const from = resolve(modelDir(o.from));
  if (!existsSync(from)) throw new Error(`train: ${o.from} does not exist`);
  const { model, tokenizer } = await loadPretrained(from);
  if (!tokenizer) throw new Error(`train: ${from} has no tokenizer (vocab.json + merges.txt, or a bundle's lathe.json)`);
  prepareFineTune(model, settings);
  return { model, tokenizer, settings, from, resumed: null };
}

async function resumedRun(o: TrainLMOptions): Promise<Run> {
  if (o.outDir === undefined) throw new Error("train: resume needs the run directory (outDir)");
  if (o.model || o.tokenizer || o.from) throw new Error("train: a resumed run takes its model and tokenizer from the checkpoint; drop model, tokenizer and from");
  const budget = Object.keys(o.train ?? {}).filter((k) => k !== "steps" && k !== "minutes");
  if (budget.length) throw new Error(`train: a resumed run keeps its settings; only steps or minutes may change (got ${budget.join(", ")})`);
  const ckpt = await loadCheckpoint(o.outDir);
  const { meta } = ckpt;
  const settings = trainSettings(o.train?.steps || o.train?.minutes ? { ...meta.settings, steps: null, minutes: null, ...o.train } : meta.settings);
  let model: GPT;
  let tokenizer: LMTokenizer | undefined;
  if (settings.lora) {
    // The checkpoint's weights have the adapters merged in; the exact base comes from where fine-tuning started.
    if (meta.from === null || !existsSync(meta.from)) throw new Error(`train: the LoRA run's base model ${meta.from} is gone; it is needed to resume`);
    ({ model, tokenizer } = await loadPretrained(meta.from));
    await loadLoRA(model, ckpt.dir);
  } else {
    ({ model, tokenizer } = await loadPretrained(ckpt.dir));
    freezeLayers(model, { embeddings: settings.freezeEmbeddings, layers: settings.freezeLayers });
  }
  if (!tokenizer) throw new Error(`train: the checkpoint in ${ckpt.dir} has no tokenizer`);
  const resumed = { state: meta.state, optimizer: ckpt.optimizer, corpusSha256: meta.corpus.sha256 };
  return { model, tokenizer, settings, from: meta.from, resumed };
}

/** The session's starting point (see TrainLMOptions). */
export function setupRun(o: TrainLMOptions): Promise<Run> {
  return o.resume ? resumedRun(o) : newRun(o);
}
