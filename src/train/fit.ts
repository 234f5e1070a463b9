import { DataLoader } from "../data/dataloader.js";
import type { Module } from "../nn/module.js";
import { clipGradNorm, clipGradValue } from "../optim/clip.js";
import type { LRScheduler } from "../optim/lr_scheduler.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { ReduceLROnPlateau } from "../optim/plateau.js";
import { manualSeed } from "../tensor/random.js";
import { type FitData, batchCount, splitValidation, toLoader, unpack } from "./batches.js";
import { LrSchedulerCallback, type LrSchedulerOptions } from "./callbacks.js";
import { loadCheckpoint, restoreState } from "./checkpoint.js";
import { OutputCollector, type Scorer, forward, score } from "./evaluate.js";
import { type ClassWeight, type LossSpec, type ResolvedLoss, resolveLoss } from "./loss_spec.js";
import { type MetricSpec, type Task, resolveMetrics } from "./named_metrics.js";
import { type OptimizerSpec, resolveOptimizer } from "./optimizer_spec.js";
import { ProgressBar } from "./progress.js";
import type { Callback, EpochLogs, FitContext, History } from "./types.js";

type Scheduler = LRScheduler | ReduceLROnPlateau;
/** A scheduler, or a function that makes one for the optimizer (which fit may create itself from a name). */
export type SchedulerSpec = Scheduler | ((optimizer: Optimizer) => Scheduler);

export interface FitOptions {
  /** "crossEntropy", "bceWithLogits", "bce", "mse", "mae", "huber", a function (output, target) → scalar, or an nn loss module. */
  loss: LossSpec;
  /** An Optimizer, or a name with optional settings (`{ name: "sgd", lr: 0.1, momentum: 0.9 }`). Default "adam". */
  optimizer?: OptimizerSpec;
  /** The epoch to train up to. Default 1. */
  epochs?: number;
  /** Samples per batch, unless the data is a DataLoader. Default 32. */
  batchSize?: number;
  /** Reshuffle the training samples every epoch, unless the data is a DataLoader. Default true. */
  shuffle?: boolean;
  /** Data to compute valLoss and val metrics on after every epoch. */
  validation?: FitData;
  /** Hold out this fraction of the training samples (seeded by `seed`) for validation instead. */
  validationSplit?: number;
  /** Metric names (accuracy, precision, recall, f1, rocAuc, prAuc, logLoss, top3Accuracy, mse, rmse, mae, r2, …) or custom metrics. */
  metrics?: readonly MetricSpec[];
  /** What the model predicts; needed with metrics when the loss is a function. */
  task?: Task;
  /** Per-class weights for "crossEntropy". */
  classWeight?: ClassWeight;
  /** Weight of the positive term for "bceWithLogits". */
  posWeight?: number;
  /** Clip the gradients' total 2-norm to this before each step. */
  gradClipNorm?: number;
  /** Clamp every gradient element into [-v, v] before each step. */
  gradClipValue?: number;
  /** An LR scheduler (or a factory of one), stepped per epoch unless `{ scheduler, interval: "batch" }`. */
  lrScheduler?: SchedulerSpec | (LrSchedulerOptions & { scheduler: SchedulerSpec });
  /**
   * Seeds the default generator (dropout and other randomness in the model) when training
   * starts, the training shuffles and validationSplit, so that a run can be repeated exactly.
   */
  seed?: number;
  callbacks?: readonly Callback[];
  /** Show progress on stderr (a live bar on a terminal, a line per epoch otherwise). Default true. */
  verbose?: boolean;
  /**
   * A checkpoint manifest written by modelCheckpoint (`dir/last.json`): the run continues
   * after its epoch with its weights, optimizer, callback, RNG and shuffle state, and gives
   * the same results as a run that was never interrupted. Pass the same options as before.
   */
  resume?: string;
}

const KNOWN_OPTIONS = new Set([
  "loss", "optimizer", "epochs", "batchSize", "shuffle", "validation", "validationSplit", "metrics", "task", "classWeight",
  "posWeight", "gradClipNorm", "gradClipValue", "lrScheduler", "seed", "callbacks", "verbose", "resume",
]);

/** The loss was NaN or infinite: training stops before that batch's update. */
export class NonFiniteLossError extends Error {
  override name = "NonFiniteLossError";

  constructor(
    readonly epoch: number,
    readonly batch: number,
    readonly value: number,
  ) {
    super(`fit: the loss is ${value} at epoch ${epoch}, batch ${batch}; training stopped before that batch's update, and checkpoints already written are intact. ` +
      "Try a lower learning rate or gradClipNorm, and check the data for NaN or infinite values");
  }
}

function checkOptions(o: FitOptions): void {
  if (o === null || typeof o !== "object") throw new TypeError("fit: options must be an object with at least a loss");
  const unknown = Object.keys(o).filter((k) => !KNOWN_OPTIONS.has(k));
  if (unknown.length) throw new TypeError(`fit: unknown option ${unknown.map((k) => `"${k}"`).join(", ")} (known: ${[...KNOWN_OPTIONS].join(", ")})`);
  const positiveInt = (name: "epochs" | "batchSize"): void => {
    const v = o[name];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new RangeError(`fit: ${name} must be a positive integer, got ${v}`);
  };
  positiveInt("epochs");
  positiveInt("batchSize");
  for (const name of ["gradClipNorm", "gradClipValue"] as const) {
    const v = o[name];
    if (v !== undefined && !(v > 0)) throw new RangeError(`fit: ${name} must be a number > 0, got ${v}`);
  }
  if (o.validation !== undefined && o.validationSplit !== undefined) throw new TypeError("fit: give validation or validationSplit, not both");
  if (o.seed !== undefined && !Number.isFinite(o.seed)) throw new TypeError(`fit: seed must be a finite number, got ${o.seed}`);
}

function schedulerCallback(spec: NonNullable<FitOptions["lrScheduler"]>, optimizer: Optimizer): LrSchedulerCallback {
  const { scheduler, ...opts } = typeof spec === "object" && "scheduler" in spec ? spec : { scheduler: spec };
  return new LrSchedulerCallback(typeof scheduler === "function" ? scheduler(optimizer) : scheduler, opts);
}

async function each(callbacks: readonly Callback[], call: (cb: Callback) => void | Promise<void>): Promise<void> {
  for (const cb of callbacks) await call(cb);
}

/**
 * Trains `model` on `trainData` for `options.epochs` epochs, Keras-style, and returns the
 * per-epoch history. Each epoch puts the model in train mode, runs every batch (forward,
 * loss, backward, optional gradient clipping, optimizer step), then scores the validation
 * data in eval mode without gradients. The modules' train/eval modes are put back at the end.
 * A NaN or infinite loss stops training with a NonFiniteLossError naming the epoch and batch.
 */
export async function fit(model: Module, trainData: FitData, options: FitOptions): Promise<History> {
  checkOptions(options);
  const o = options;
  const epochs = o.epochs ?? 1;
  const loss = resolveLoss(o.loss, { classWeight: o.classWeight, posWeight: o.posWeight });
  const task = o.task ?? loss.task;
  const metrics = resolveMetrics("fit", o.metrics ?? [], task);
  const params = model.parameters().filter((p) => p.requiresGrad);
  const optimizer = resolveOptimizer(o.optimizer ?? "adam", params);

  let train = trainData;
  let validation = o.validation;
  if (o.validationSplit !== undefined) ({ train, val: validation } = splitValidation(trainData, o.validationSplit, o.seed ?? 0));
  const trainLoader = toLoader("fit", "trainData", train, { batchSize: o.batchSize, shuffle: o.shuffle, shuffleByDefault: true, seed: o.seed });
  // batchSize is for the training data; a validation DataLoader keeps its own.
  const valBatchSize = validation instanceof DataLoader ? undefined : o.batchSize;
  const valLoader = validation === undefined ? null : toLoader("fit", "validation", validation, { batchSize: valBatchSize, shuffleByDefault: false });

  const callbacks: Callback[] = [];
  if ((o.verbose ?? true) && !o.callbacks?.some((cb) => cb instanceof ProgressBar)) callbacks.push(new ProgressBar());
  if (o.lrScheduler !== undefined) callbacks.push(schedulerCallback(o.lrScheduler, optimizer));
  callbacks.push(...(o.callbacks ?? []));

  const checkpoint = o.resume === undefined ? null : await loadCheckpoint(o.resume);
  if (!checkpoint && o.seed !== undefined) manualSeed(o.seed);
  const ctx: FitContext = {
    model, optimizer, epochs, callbacks, trainLoader,
    initialEpoch: checkpoint?.epoch ?? 0,
    batchesPerEpoch: batchCount(trainLoader),
    history: { epochs: checkpoint ? checkpoint.state.history : [] },
    stopTraining: false,
  };
  const scorer: Scorer = { loss, task, metrics };
  const modes = model.modules().map((m) => [m, m.training] as const);
  try {
    await each(callbacks, (cb) => cb.onTrainBegin?.(ctx));
    // After onTrainBegin, which resets the callbacks' own state, so the saved state wins.
    if (checkpoint) restoreState(ctx, checkpoint);
    for (let epoch = ctx.initialEpoch + 1; epoch <= epochs && !ctx.stopTraining; epoch++) {
      await each(callbacks, (cb) => cb.onEpochBegin?.(epoch, ctx));
      const start = performance.now();
      const lr = optimizer.paramGroups[0].lr;
      const values: Record<string, number> = { epoch, ...(await trainEpoch(ctx, epoch, trainLoader, loss, scorer, o)) };
      if (valLoader) {
        for (const [k, v] of Object.entries(await score("fit", model, valLoader, scorer))) values[`val${k[0].toUpperCase()}${k.slice(1)}`] = v;
      }
      values.lr = lr;
      values.seconds = (performance.now() - start) / 1000;
      const logs = values as EpochLogs;
      ctx.history.epochs.push(logs);
      await each(callbacks, (cb) => cb.onEpochEnd?.(epoch, logs, ctx));
      await each(callbacks, (cb) => cb.afterEpochEnd?.(epoch, logs, ctx));
    }
    await each(callbacks, (cb) => cb.onTrainEnd?.(ctx));
  } catch (err) {
    for (const cb of callbacks) {
      // Best effort: a failing cleanup hook must not hide the error that stopped training.
      await Promise.resolve(cb.onTrainError?.(err, ctx)).catch(() => undefined);
    }
    throw err;
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
  return ctx.history;
}

/** One pass over the training batches: the mean loss (weighted by batch size) and the metrics. */
async function trainEpoch(ctx: FitContext, epoch: number, loader: DataLoader<any, any>, loss: ResolvedLoss, scorer: Scorer, o: FitOptions): Promise<Record<string, number>> {
  const { model, optimizer } = ctx;
  const params = optimizer.paramGroups.flatMap((g) => g.params);
  const collector = new OutputCollector(scorer.metrics, scorer.task, loss.probabilities);
  model.train();
  let batch = 0;
  let lossSum = 0;
  let count = 0;
  for await (const data of loader) {
    batch++;
    await each(ctx.callbacks, (cb) => cb.onBatchBegin?.(batch, ctx));
    const [x, y] = unpack("fit", data);
    optimizer.zeroGrad();
    const output = forward("fit", model, x);
    const lossT = loss.fn(output, y);
    if (lossT.numel() !== 1) throw new RangeError(`fit: the loss must be a scalar, got shape [${lossT.shape.join(", ")}]; reduce it with "mean"`);
    const value = lossT.item();
    if (!Number.isFinite(value)) throw new NonFiniteLossError(epoch, batch, value);
    lossT.backward();
    if (o.gradClipNorm !== undefined) clipGradNorm(params, o.gradClipNorm);
    if (o.gradClipValue !== undefined) clipGradValue(params, o.gradClipValue);
    optimizer.step();
    const size = x.shape[0];
    lossSum += value * size;
    count += size;
    collector.add(output, y);
    await each(ctx.callbacks, (cb) => cb.onBatchEnd?.(batch, { batch, size, loss: value }, ctx));
  }
  if (batch === 0) throw new RangeError(`fit: the training data gave no batches in epoch ${epoch}`);
  return { loss: lossSum / count, ...collector.compute("fit") };
}
