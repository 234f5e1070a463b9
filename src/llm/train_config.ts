/**
 * Settings of LM training, with their defaults and checks, and the config file that carries
 * them (JSON or YAML): { model: {...GPTConfig but vocabSize}, tokenizer: "char" | dir, train: {...} }.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, resolve } from "node:path";
import type { GPTConfigInit } from "./config.js";
import { LORA_TARGETS, type LoRAOptions } from "./lora.js";

// The YAML parser is loaded when a .yaml config is read, not with the library.
const require = createRequire(import.meta.url);

export interface TrainSettings {
  /** Sequences per optimizer step. */
  batchSize: number;
  /** Micro-batches per step: the batch is split into this many parts whose gradients add up. */
  gradAccum: number;
  /** Tokens per training window; null means the model's blockSize. */
  contextLength: number | null;
  /** Peak learning rate (AdamW). */
  lr: number;
  /** The cosine decay ends at lr · minLrRatio. */
  minLrRatio: number;
  warmupSteps: number;
  /** AdamW's decoupled weight decay, applied to the weight matrices and embeddings only (as nanoGPT). */
  weightDecay: number;
  betas: [number, number];
  eps: number;
  /** Clip the gradients' total norm to this; 0 turns clipping off. */
  gradClip: number;
  /** The budget: a number of optimizer steps, or minutes of training time (exactly one). */
  steps: number | null;
  minutes: number | null;
  /** Validate (and sample, and checkpoint) every this many steps, and at the end. */
  evalInterval: number;
  /** Validation batches per evaluation: the same windows every time, so the values compare. */
  evalBatches: number;
  /** Tokens generated as a sample at each evaluation (0: none). */
  sampleTokens: number;
  /** The samples' prompt; null starts from the validation split's first token. */
  samplePrompt: string | null;
  /** Steps between progress lines when the output is not a terminal (a terminal gets a live line). */
  logInterval: number;
  seed: number;
  /** The tail of the corpus held out for validation. */
  valFraction: number;
  /** Fine-tuning: freeze the token and position embeddings (and a head tied to them). */
  freezeEmbeddings: boolean;
  /** Fine-tuning: freeze the first k transformer blocks. */
  freezeLayers: number;
  /** Fine-tuning: train LoRA adapters instead of the weights. */
  lora: LoRAOptions | null;
}

export const TRAIN_DEFAULTS: TrainSettings = {
  batchSize: 16,
  gradAccum: 1,
  contextLength: null,
  lr: 1e-3,
  minLrRatio: 0.1,
  warmupSteps: 200,
  weightDecay: 0.1,
  betas: [0.9, 0.99],
  eps: 1e-8,
  gradClip: 1,
  steps: null,
  minutes: null,
  evalInterval: 250,
  evalBatches: 20,
  sampleTokens: 200,
  samplePrompt: null,
  logInterval: 50,
  seed: 0,
  valFraction: 0.1,
  freezeEmbeddings: false,
  freezeLayers: 0,
  lora: null,
};

/** Steps when neither budget is given. */
const DEFAULT_STEPS = 2000;

type Check = (v: unknown) => boolean;
const int = (min: number): Check => (v) => Number.isInteger(v) && (v as number) >= min;
const num = (min: number, max = Infinity): Check => (v) => typeof v === "number" && v >= min && v <= max;
const nullable = (c: Check): Check => (v) => v === null || c(v);
const CHECKS: Record<keyof TrainSettings, [Check, string]> = {
  batchSize: [int(1), "a positive integer"],
  gradAccum: [int(1), "a positive integer"],
  contextLength: [nullable(int(1)), "a positive integer or null"],
  lr: [num(0), "a number >= 0"],
  minLrRatio: [num(0, 1), "a number in [0, 1]"],
  warmupSteps: [int(0), "an integer >= 0"],
  weightDecay: [num(0), "a number >= 0"],
  betas: [(v) => Array.isArray(v) && v.length === 2 && v.every(num(0, 0.999999)), "two numbers in [0, 1)"],
  eps: [num(0), "a number >= 0"],
  gradClip: [num(0), "a number >= 0"],
  steps: [nullable(int(1)), "a positive integer"],
  minutes: [nullable((v) => typeof v === "number" && v > 0), "a number > 0"],
  evalInterval: [int(1), "a positive integer"],
  evalBatches: [int(1), "a positive integer"],
  sampleTokens: [int(0), "an integer >= 0"],
  samplePrompt: [(v) => v === null || (typeof v === "string" && v.length > 0), "a non-empty string or null"],
  logInterval: [int(1), "a positive integer"],
  seed: [Number.isInteger, "an integer"],
  valFraction: [(v) => typeof v === "number" && v > 0 && v < 1, "a number in (0, 1)"],
  freezeEmbeddings: [(v) => typeof v === "boolean", "true or false"],
  freezeLayers: [int(0), "an integer >= 0"],
  lora: [(v) => v === null || (typeof v === "object" && !Array.isArray(v)), "an object { rank, alpha, dropout, targets } or null"],
};

/** Complete, checked settings: defaults filled in, one budget chosen; `source` prefixes the errors (a file, "train"). */
export function trainSettings(init: Partial<TrainSettings> = {}, source = "train"): TrainSettings {
  rejectUnknown(init, Object.keys(CHECKS), source);
  const s: TrainSettings = { ...TRAIN_DEFAULTS, ...init };
  for (const [key, [check, what]] of Object.entries(CHECKS)) {
    const v = s[key as keyof TrainSettings];
    if (!check(v)) throw new TypeError(`${source}.${key} must be ${what}, got ${JSON.stringify(v)}`);
  }
  if (s.steps !== null && s.minutes !== null) throw new RangeError(`${source}: give a budget of steps or of minutes, not both`);
  if (s.steps === null && s.minutes === null) s.steps = DEFAULT_STEPS;
  if (s.batchSize % s.gradAccum !== 0) {
    throw new RangeError(`${source}.gradAccum (${s.gradAccum}) must divide batchSize (${s.batchSize})`);
  }
  if (s.lora) s.lora = loraSettings(s.lora, `${source}.lora`);
  return s;
}

function loraSettings(init: Partial<LoRAOptions>, source: string): LoRAOptions {
  rejectUnknown(init, ["rank", "alpha", "dropout", "targets"], source);
  const rank = init.rank;
  if (!Number.isInteger(rank) || (rank as number) < 1) throw new TypeError(`${source}.rank must be a positive integer, got ${JSON.stringify(rank)}`);
  const o: LoRAOptions = { rank: rank as number, alpha: init.alpha ?? (rank as number), dropout: init.dropout ?? 0, targets: init.targets ?? [...LORA_TARGETS] };
  if (!(typeof o.alpha === "number" && o.alpha > 0)) throw new TypeError(`${source}.alpha must be a number > 0, got ${JSON.stringify(o.alpha)}`);
  if (!(typeof o.dropout === "number" && o.dropout >= 0 && o.dropout < 1)) throw new TypeError(`${source}.dropout must be in [0, 1), got ${JSON.stringify(o.dropout)}`);
  const targets = o.targets as unknown;
  if (!Array.isArray(targets) || targets.length === 0 || !targets.every((t) => (LORA_TARGETS as readonly string[]).includes(t))) {
    throw new TypeError(`${source}.targets must be a non-empty list of ${LORA_TARGETS.join(", ")}, got ${JSON.stringify(targets)}`);
  }
  return o;
}

function rejectUnknown(obj: object, known: readonly string[], source: string): void {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new TypeError(`${source} must be an object`);
  const unknown = Object.keys(obj).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new TypeError(`${source}: unknown key${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (known: ${known.join(", ")})`);
  }
}

/** A config file's contents. */
export interface TrainConfigFile {
  /** The new model's shape; its vocabSize comes from the tokenizer. */
  model?: Omit<Partial<GPTConfigInit>, "vocabSize">;
  /** "char", or a directory with vocab.json + merges.txt (relative paths are from the config file's directory). */
  tokenizer?: string;
  train?: Partial<TrainSettings>;
}

/** Reads a JSON (.json) or YAML (.yaml, .yml) config file and checks its keys; errors name the file. */
export function readTrainConfig(path: string): TrainConfigFile {
  const text = readFileSync(path, "utf8");
  let raw: unknown;
  try {
    raw = [".yaml", ".yml"].includes(extname(path).toLowerCase()) ? (require("yaml") as typeof import("yaml")).parse(text) : JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid ${extname(path) === ".json" ? "JSON" : "YAML"}: ${(err as Error).message.split("\n")[0]}`);
  }
  rejectUnknown(raw ?? {}, ["model", "tokenizer", "train"], path);
  const cfg = (raw ?? {}) as TrainConfigFile;
  if (cfg.model !== undefined) {
    rejectUnknown(cfg.model, ["blockSize", "nLayer", "nHead", "nEmbd", "mlpRatio", "dropout", "bias", "tiedEmbeddings", "layerNormEps", "activation"], `${path}: model`);
  }
  if (cfg.tokenizer !== undefined) {
    if (typeof cfg.tokenizer !== "string") throw new TypeError(`${path}: tokenizer must be "char" or a directory, got ${JSON.stringify(cfg.tokenizer)}`);
    if (cfg.tokenizer !== "char") cfg.tokenizer = resolve(dirname(path), cfg.tokenizer);
  }
  if (cfg.train !== undefined) trainSettings(cfg.train, `${path}: train`);
  return cfg;
}
