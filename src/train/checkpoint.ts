import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { loadSafetensors } from "../io/load.js";
import { saveSafetensors } from "../io/safetensors.js";
import type { OptimizerStateDict } from "../optim/optimizer.js";
import { type GeneratorState, defaultGenerator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import { decodeState, encodeState } from "./checkpoint_state.js";
import { type MonitorMode, improves, monitoredValue, resolveMode } from "./monitor.js";
import type { Callback, EpochLogs, FitContext } from "./types.js";

/**
 * Checkpoints that let a killed run continue exactly where it stopped. A checkpoint named
 * `last` (or `best`) in a directory is three files:
 *
 *   last-epoch0007.safetensors        the model's state dict (PyTorch's keys; loads anywhere)
 *   last-epoch0007.state.safetensors  the tensors of the training state (optimizer moments, …)
 *   last.json                         the manifest: epoch, file names, and the training state
 *                                     as JSON (optimizer settings, schedulers and other
 *                                     callbacks, RNG state, loader epoch, history)
 *
 * Each file is written atomically (temporary file, fsync, rename) and the manifest last, so
 * it always names two complete files; the previous checkpoint's files are removed only
 * after the new manifest is in place. A crash at any moment leaves a loadable checkpoint.
 */

const FORMAT = "lathe-checkpoint";
const VERSION = 1;

/** Everything besides the weights that a resumed run needs to continue bit for bit. */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  history: EpochLogs[];
  optimizer: OptimizerStateDict;
  /** The default generator's state (dropout, and shuffles without a seed). */
  rng: GeneratorState;
  /** The training DataLoader's epoch counter (seeded shuffles). */
  loaderEpoch: number;
  /** The state of each callback that has one, in order. */
  callbacks: { name: string; state: unknown }[];
}

export interface Checkpoint {
  /** The manifest's path. */
  path: string;
  epoch: number;
  /** The monitored value that made this the best checkpoint, or null for a `last` checkpoint. */
  monitor: { name: string; value: number } | null;
  /** The model's state dict, for model.loadStateDict. */
  weights: Record<string, Tensor>;
  state: TrainingState;
}

interface Manifest {
  format: typeof FORMAT;
  version: number;
  epoch: number;
  weights: string;
  tensors: string;
  monitor: Checkpoint["monitor"];
  state: unknown;
}

function statefulCallbacks(ctx: FitContext): Callback[] {
  return ctx.callbacks.filter((cb) => typeof cb.stateDict === "function" && typeof cb.loadStateDict === "function");
}

function callbackName(cb: Callback): string {
  return cb.name ?? "callback";
}

/** The training state of the run as it stands after `epoch`. */
export function captureState(ctx: FitContext, epoch: number): TrainingState {
  return {
    epoch,
    history: ctx.history.epochs,
    optimizer: ctx.optimizer.stateDict(),
    rng: defaultGenerator.getState(),
    loaderEpoch: ctx.trainLoader.epoch,
    callbacks: statefulCallbacks(ctx).map((cb) => ({ name: callbackName(cb), state: cb.stateDict!() })),
  };
}

/**
 * Saves the model and training state as checkpoint `name` in `dir` (created if missing) and
 * returns the manifest's path.
 */
export async function saveCheckpoint(dir: string, name: string, ctx: FitContext, epoch: number, monitor: Checkpoint["monitor"] = null): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const stem = `${name}-epoch${String(epoch).padStart(4, "0")}`;
  const tensors: Record<string, Tensor> = {};
  const state = encodeState(captureState(ctx, epoch), tensors, "state");
  const manifest: Manifest = { format: FORMAT, version: VERSION, epoch, weights: `${stem}.safetensors`, tensors: `${stem}.state.safetensors`, monitor, state };
  await saveSafetensors(join(dir, manifest.weights), ctx.model.stateDict());
  await saveSafetensors(join(dir, manifest.tensors), tensors);
  const path = join(dir, `${name}.json`);
  await writeFileAtomic(path, `${JSON.stringify(manifest, null, 1)}\n`);
  // Only now are the previous checkpoint's files unreferenced.
  const own = new RegExp(`^${name}-epoch\\d+(\\.state)?\\.safetensors$`);
  for (const file of readdirSync(dir)) {
    if (own.test(file) && file !== manifest.weights && file !== manifest.tensors) rmSync(join(dir, file), { force: true });
  }
  return path;
}

/** Reads a checkpoint from its manifest (`dir/last.json`), with the weights and training state. */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path, "utf8")) as Manifest;
  } catch (err) {
    throw new Error(`loadCheckpoint: cannot read the checkpoint manifest ${path}: ${(err as Error).message}`);
  }
  if (manifest?.format !== FORMAT || manifest.version !== VERSION) {
    throw new Error(`loadCheckpoint: ${path} is not a Lathe checkpoint manifest (version ${VERSION})`);
  }
  const dir = dirname(path);
  // The manifest names files beside it; a path elsewhere would be a tampered manifest.
  for (const file of [manifest.weights, manifest.tensors]) {
    if (typeof file !== "string" || basename(file) !== file) throw new Error(`loadCheckpoint: ${path} names a file outside its directory: ${JSON.stringify(file)}`);
  }
  const weights = (await loadSafetensors(join(dir, manifest.weights))).tensors;
  const tensors = (await loadSafetensors(join(dir, manifest.tensors))).tensors;
  const state = decodeState(manifest.state, tensors) as TrainingState;
  return { path, epoch: manifest.epoch, monitor: manifest.monitor, weights, state };
}

/** Puts a run back in the state a checkpoint recorded: weights, optimizer, callbacks, RNG and loader. */
export function restoreState(ctx: FitContext, ckpt: Checkpoint): void {
  const cbs = statefulCallbacks(ctx);
  const saved = ckpt.state.callbacks;
  const names = (list: { name: string }[]): string => `[${list.map((c) => c.name).join(", ")}]`;
  if (saved.length !== cbs.length || saved.some((s, i) => s.name !== callbackName(cbs[i]))) {
    throw new Error(`fit: ${ckpt.path} holds the state of the callbacks ${names(saved)}, this run has ${names(cbs.map((cb) => ({ name: callbackName(cb) })))}; resume with the same callbacks and options`);
  }
  ctx.model.loadStateDict(ckpt.weights);
  ctx.optimizer.loadStateDict(ckpt.state.optimizer);
  cbs.forEach((cb, i) => cb.loadStateDict!(saved[i].state));
  defaultGenerator.setState(ckpt.state.rng);
  ctx.trainLoader.epoch = ckpt.state.loaderEpoch;
}

export interface ModelCheckpointOptions {
  /** The directory of the checkpoints (created if missing). */
  path: string;
  /** The logged value that decides the best epoch. Default "valLoss". */
  monitor?: string;
  mode?: MonitorMode;
  /** Write only `best`, when the monitored value improves. Default false: write `last` every epoch. */
  saveBestOnly?: boolean;
  /** Write `last` every epoch, for resuming. Default: true unless saveBestOnly. */
  saveLast?: boolean;
}

/**
 * Saves checkpoints as training goes: `last` after every epoch and/or `best` when the
 * monitored value improves (see saveCheckpoint for the files). Resume a run with
 * fit(..., { resume: "<path>/last.json" }); load a model with loadCheckpoint(...).weights.
 */
export class ModelCheckpoint implements Callback {
  readonly name = "modelCheckpoint";
  readonly path: string;
  readonly monitor: string;
  readonly mode: "min" | "max";
  readonly saveBestOnly: boolean;
  readonly saveLast: boolean;
  best: number | null = null;
  bestEpoch = 0;

  constructor(opts: ModelCheckpointOptions) {
    if (typeof opts?.path !== "string" || opts.path === "") throw new TypeError("modelCheckpoint: path (a directory) is required");
    this.path = opts.path;
    this.monitor = opts.monitor ?? "valLoss";
    this.mode = resolveMode("modelCheckpoint", this.monitor, opts.mode);
    this.saveBestOnly = opts.saveBestOnly ?? false;
    this.saveLast = opts.saveLast ?? !this.saveBestOnly;
    if (!this.saveBestOnly && !this.saveLast) throw new RangeError("modelCheckpoint: with saveBestOnly and saveLast both false there is nothing to save");
  }

  onTrainBegin(): void {
    this.best = null;
    this.bestEpoch = 0;
  }

  async afterEpochEnd(epoch: number, logs: EpochLogs, ctx: FitContext): Promise<void> {
    if (this.saveBestOnly) {
      const value = monitoredValue("modelCheckpoint", logs, this.monitor);
      if (improves(this.mode, value, this.best)) {
        this.best = value;
        this.bestEpoch = epoch;
        await saveCheckpoint(this.path, "best", ctx, epoch, { name: this.monitor, value });
      }
    }
    if (this.saveLast) await saveCheckpoint(this.path, "last", ctx, epoch);
  }

  stateDict(): unknown {
    return { best: this.best, bestEpoch: this.bestEpoch };
  }

  loadStateDict(state: unknown): void {
    Object.assign(this, state as { best: number | null; bestEpoch: number });
  }
}

export function modelCheckpoint(opts: ModelCheckpointOptions): ModelCheckpoint {
  return new ModelCheckpoint(opts);
}
