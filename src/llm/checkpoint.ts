/**
 * Training checkpoints of LM runs. A run directory holds its latest checkpoint in
 * `checkpoint/`: a Lathe LM bundle of the model as it stands (LoRA adapters merged in, so any
 * loader can use it), the adapters themselves when LoRA is on (peft's files), and what
 * resuming needs beyond the weights: optimizer.safetensors (the optimizer's state tensors)
 * and trainer.json (step, time, RNG states, settings, optimizer options, history).
 *
 * A checkpoint is written whole into a fresh directory and then swapped in with renames, so
 * a crash at any moment leaves a complete checkpoint: the new one, or the old one (as
 * `.checkpoint.old` during the instant between the two renames, which checkpointDir finds).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { loadSafetensors, saveSafetensors, writeFileAtomic } from "../io/index.js";
import type { OptimizerStateDict, ParamState } from "../optim/index.js";
import type { GeneratorState } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { BUNDLE_FILE, type LMTokenizer, saveBundle } from "./bundle.js";
import type { GPT } from "./gpt.js";
import { loraLayers, mergedStateDict, saveLoRA } from "./lora.js";
import type { TrainSettings } from "./train_config.js";

const CHECKPOINT = "checkpoint";
const OLD = ".checkpoint.old";
const TRAINER_FILE = "trainer.json";
const OPTIMIZER_FILE = "optimizer.safetensors";

/** One evaluation: the training loss averaged since the previous one, and the validation loss. */
export interface EvalRecord {
  step: number;
  tokens: number;
  seconds: number;
  lr: number;
  trainLoss: number;
  valLoss: number;
}

/** Where a run stands; everything the training loop needs to continue exactly. */
export interface TrainState {
  step: number;
  tokensSeen: number;
  /** Training time so far (steps only: evaluation, samples and checkpoints are not counted). */
  trainSeconds: number;
  /** trainSeconds when the warm-up ended (a time budget's cosine starts there); null before. */
  warmupSeconds: number | null;
  rng: { batches: GeneratorState; dropout: GeneratorState };
  history: EvalRecord[];
}

/** trainer.json. */
export interface CheckpointMeta {
  format: "lathe-lm-checkpoint";
  version: 1;
  settings: TrainSettings;
  /** The directory fine-tuning started from (LoRA resumes rebuild the frozen base from it); null when trained from scratch. */
  from: string | null;
  corpus: { sha256: string; tokens: number };
  state: TrainState;
  /** The optimizer's state dict, its tensors replaced by their keys in optimizer.safetensors. */
  optimizer: { param_groups: OptimizerStateDict["param_groups"]; state: Record<string, Record<string, number | string>> };
}

export interface Checkpoint {
  meta: CheckpointMeta;
  optimizer: OptimizerStateDict;
  /** The checkpoint directory: a Lathe LM bundle (plus the LoRA adapters, if any). */
  dir: string;
}

/** The latest checkpoint directory of a run, or null when the run has none. */
export function checkpointDir(runDir: string): string | null {
  for (const name of [CHECKPOINT, OLD]) {
    const dir = join(runDir, name);
    if (existsSync(join(dir, TRAINER_FILE))) return dir;
  }
  return null;
}

/** Tensors go to the safetensors file as "<param>.<name>"; the JSON keeps their keys. */
function splitOptimizerState(sd: OptimizerStateDict): { json: CheckpointMeta["optimizer"]; tensors: Record<string, Tensor> } {
  const tensors: Record<string, Tensor> = {};
  const state: CheckpointMeta["optimizer"]["state"] = {};
  for (const [index, s] of Object.entries(sd.state)) {
    state[index] = {};
    for (const [name, v] of Object.entries(s)) {
      if (v instanceof Tensor) tensors[(state[index][name] = `${index}.${name}`)] = v;
      else state[index][name] = v;
    }
  }
  return { json: { param_groups: sd.param_groups, state }, tensors };
}

function joinOptimizerState(json: CheckpointMeta["optimizer"], tensors: Record<string, Tensor>): OptimizerStateDict {
  const state: Record<number, ParamState> = {};
  for (const [index, s] of Object.entries(json.state)) {
    state[Number(index)] = Object.fromEntries(Object.entries(s).map(([name, v]) => [name, typeof v === "string" ? tensors[v] : v]));
  }
  return { param_groups: json.param_groups, state };
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface SaveCheckpointInput {
  model: GPT;
  tokenizer: LMTokenizer;
  optimizer: OptimizerStateDict;
  meta: Omit<CheckpointMeta, "optimizer" | "format" | "version">;
  /** Facts for the bundle's lathe.json. */
  training: Record<string, unknown>;
}

/** Writes `runDir/checkpoint` (see the file comment), replacing the previous one only once the new one is complete. */
export async function saveCheckpoint(runDir: string, c: SaveCheckpointInput): Promise<void> {
  const tmp = join(runDir, `.checkpoint.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    const lora = loraLayers(c.model).length > 0;
    await saveBundle(tmp, c.model, { tokenizer: c.tokenizer, state: lora ? mergedStateDict(c.model) : undefined, training: c.training });
    if (lora) await saveLoRA(c.model, tmp, { baseModel: c.meta.from ?? undefined });
    const { json, tensors } = splitOptimizerState(c.optimizer);
    await saveSafetensors(join(tmp, OPTIMIZER_FILE), tensors);
    const meta: CheckpointMeta = { format: "lathe-lm-checkpoint", version: 1, ...c.meta, optimizer: json };
    await writeFileAtomic(join(tmp, TRAINER_FILE), `${JSON.stringify(meta)}\n`);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const final = join(runDir, CHECKPOINT);
  const old = join(runDir, OLD);
  // When a crash left only the old checkpoint, it stays until the new one is in place.
  if (existsSync(final)) {
    await rm(old, { recursive: true, force: true });
    await rename(final, old);
  }
  await rename(tmp, final);
  await fsyncDir(runDir);
  await rm(old, { recursive: true, force: true });
}

/** Reads the latest checkpoint of `runDir`: its trainer.json and optimizer state (the model is read from `dir`). */
export async function loadCheckpoint(runDir: string): Promise<Checkpoint> {
  const dir = checkpointDir(runDir);
  if (dir === null) throw new Error(`${runDir} has no checkpoint to resume from (expected ${join(runDir, CHECKPOINT, TRAINER_FILE)})`);
  const path = join(dir, TRAINER_FILE);
  const meta = JSON.parse(await readFile(path, "utf8")) as CheckpointMeta;
  if (meta.format !== "lathe-lm-checkpoint" || meta.version !== 1) throw new Error(`${path}: not a Lathe LM training checkpoint (format "lathe-lm-checkpoint", version 1)`);
  if (!existsSync(join(dir, BUNDLE_FILE))) throw new Error(`${dir}: the checkpoint has no ${BUNDLE_FILE}`);
  const { tensors } = await loadSafetensors(join(dir, OPTIMIZER_FILE));
  return { meta, optimizer: joinOptimizerState(meta.optimizer, tensors), dir };
}

/**
 * The model directory `dir` names: `dir` itself when it holds a model (lathe.json or
 * config.json), else the latest checkpoint of the run directory `dir`.
 */
export function modelDir(dir: string): string {
  if (existsSync(join(dir, BUNDLE_FILE)) || existsSync(join(dir, "config.json"))) return dir;
  return checkpointDir(dir) ?? dir;
}
