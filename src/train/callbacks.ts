import { appendFileSync, writeFileSync } from "node:fs";
import type { Module } from "../nn/module.js";
import type { LRScheduler } from "../optim/lr_scheduler.js";
import { ReduceLROnPlateau } from "../optim/plateau.js";
import { Tensor } from "../tensor/tensor.js";
import { type MonitorMode, improves, monitoredValue, resolveMode } from "./monitor.js";
import type { Callback, EpochLogs, FitContext } from "./types.js";

export interface EarlyStoppingOptions {
  /** The logged value to watch. Default "valLoss". */
  monitor?: string;
  mode?: MonitorMode;
  /** Epochs without improvement to allow before stopping. Default 0: stop at the first. */
  patience?: number;
  /** An improvement must be larger than this. Default 0. */
  minDelta?: number;
  /** At the end of training, put back the weights of the best epoch. Default false. */
  restoreBest?: boolean;
}

function checkCount(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: ${name} must be an integer >= 0, got ${v}`);
}

/** A copy of the model's parameters and buffers that later training steps do not change. */
function snapshot(model: Module): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, new Tensor(t.toArray(), t.shape)]));
}

/**
 * Stops training when the monitored value has not improved for `patience` epochs, as
 * Keras's EarlyStopping. With restoreBest the model ends training with the weights of its
 * best epoch (whether or not it stopped early), which are kept in memory and in checkpoints.
 */
export class EarlyStopping implements Callback {
  readonly name = "earlyStopping";
  readonly monitor: string;
  readonly mode: "min" | "max";
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  best: number | null = null;
  bestEpoch = 0;
  /** Epochs since the last improvement. */
  wait = 0;
  /** The epoch training stopped at, or 0 when it ran to the end. */
  stoppedEpoch = 0;
  private bestWeights: Record<string, Tensor> | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    const op = "earlyStopping";
    this.monitor = opts.monitor ?? "valLoss";
    this.mode = resolveMode(op, this.monitor, opts.mode);
    this.patience = opts.patience ?? 0;
    checkCount(op, "patience", this.patience);
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.restoreBest = opts.restoreBest ?? false;
  }

  onTrainBegin(): void {
    this.best = null;
    this.bestEpoch = 0;
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestWeights = null;
  }

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: FitContext): void {
    const value = monitoredValue("earlyStopping", logs, this.monitor);
    if (improves(this.mode, value, this.best, this.minDelta)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBest) this.bestWeights = snapshot(ctx.model);
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
    }
  }

  onTrainEnd(ctx: FitContext): void {
    const last = ctx.history.epochs.at(-1)?.epoch;
    if (this.bestWeights && this.bestEpoch !== last) ctx.model.loadStateDict(this.bestWeights);
  }

  stateDict(): unknown {
    const { best, bestEpoch, wait, stoppedEpoch, bestWeights } = this;
    return { best, bestEpoch, wait, stoppedEpoch, bestWeights };
  }

  loadStateDict(state: unknown): void {
    Object.assign(this, state as Partial<EarlyStopping>);
  }
}

export function earlyStopping(opts: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(opts);
}

export interface LrSchedulerOptions {
  /** Step after every epoch (default) or after every batch (warm-ups, OneCycleLR). */
  interval?: "epoch" | "batch";
  /** The value ReduceLROnPlateau is stepped with. Default "valLoss". */
  monitor?: string;
}

/**
 * Steps an LR scheduler for fit: per epoch or per batch, after the optimizer's step as
 * PyTorch wants; a ReduceLROnPlateau is stepped per epoch with the monitored value. Its
 * state goes into checkpoints with the run.
 */
export class LrSchedulerCallback implements Callback {
  readonly name = "lrScheduler";
  readonly interval: "epoch" | "batch";
  readonly monitor: string;

  constructor(
    readonly scheduler: LRScheduler | ReduceLROnPlateau,
    opts: LrSchedulerOptions = {},
  ) {
    if (typeof scheduler?.step !== "function" || typeof scheduler.stateDict !== "function") throw new TypeError("lrSchedulerCallback: expected an LR scheduler");
    this.interval = opts.interval ?? "epoch";
    if (this.interval !== "epoch" && this.interval !== "batch") throw new RangeError(`lrSchedulerCallback: interval must be "epoch" or "batch", got ${JSON.stringify(this.interval)}`);
    if (scheduler instanceof ReduceLROnPlateau && this.interval !== "epoch") throw new RangeError("lrSchedulerCallback: ReduceLROnPlateau steps once per epoch, with the monitored value");
    this.monitor = opts.monitor ?? "valLoss";
  }

  onTrainBegin(ctx: FitContext): void {
    if (this.scheduler.optimizer !== ctx.optimizer) throw new RangeError("lrSchedulerCallback: the scheduler drives a different optimizer from the one fit trains with");
  }

  onBatchEnd(): void {
    if (this.interval === "batch") (this.scheduler as LRScheduler).step();
  }

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    if (this.interval !== "epoch") return;
    if (this.scheduler instanceof ReduceLROnPlateau) this.scheduler.step(monitoredValue("lrSchedulerCallback", logs, this.monitor));
    else this.scheduler.step();
  }

  stateDict(): unknown {
    return this.scheduler.stateDict();
  }

  loadStateDict(state: unknown): void {
    this.scheduler.loadStateDict(state as Record<string, unknown>);
  }
}

export function lrSchedulerCallback(scheduler: LRScheduler | ReduceLROnPlateau, opts: LrSchedulerOptions = {}): LrSchedulerCallback {
  return new LrSchedulerCallback(scheduler, opts);
}

/** An epoch's logs as one JSON line; NaN and ±Infinity, which JSON cannot hold, become null. */
export function jsonLine(logs: EpochLogs): string {
  return `${JSON.stringify(logs, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))}\n`;
}

/**
 * Writes each epoch's logs to `path` as one JSON line (JSON Lines), as it ends. A new run
 * starts the file afresh; a resumed one appends to it.
 */
export function jsonlLogger(path: string): Callback {
  if (typeof path !== "string" || path === "") throw new TypeError("jsonlLogger: path must be a file path");
  return {
    name: "jsonlLogger",
    onTrainBegin: (ctx) => {
      if (ctx.initialEpoch === 0) writeFileSync(path, "");
    },
    onEpochEnd: (_epoch, logs) => appendFileSync(path, jsonLine(logs)),
  };
}
