import type { Module } from "../nn/module.js";
import type { Optimizer } from "../optim/optimizer.js";

/**
 * One epoch's results: `epoch` (counted from 1), `loss` (the mean training loss), each
 * metric by name (`accuracy`, `rocAuc`, …), with validation data `valLoss` and `val` +
 * the metric's name (`valAccuracy`), `lr` (the learning rate of the first param group when
 * the epoch began) and `seconds` (wall time, validation included). A metric that is
 * undefined for the data (ROC AUC of a one-class set) is NaN.
 */
export interface EpochLogs {
  epoch: number;
  loss: number;
  lr: number;
  seconds: number;
  [key: string]: number;
}

/** One training step: `batch` counted from 1 within the epoch, its sample count and loss. */
export interface BatchLogs {
  batch: number;
  size: number;
  loss: number;
}

/** What fit returns: the logs of every epoch, in order (with a resumed run, the earlier epochs' too). */
export interface History {
  epochs: EpochLogs[];
}

/**
 * What callbacks see of a training run. Set `stopTraining` to end it after the current epoch.
 */
export interface FitContext {
  readonly model: Module;
  readonly optimizer: Optimizer;
  /** The epoch fit trains up to. */
  readonly epochs: number;
  /** Epochs already done when this fit began: 0, or the epoch of the checkpoint it resumed. */
  readonly initialEpoch: number;
  /** Batches per epoch, or null when the data is an iterable dataset of unknown length. */
  readonly batchesPerEpoch: number | null;
  readonly history: History;
  /** The training DataLoader's epoch counter, saved in checkpoints so that shuffles resume exactly. */
  readonly trainLoader: { epoch: number };
  /** Every callback of the run, in the order they are called. */
  readonly callbacks: readonly Callback[];
  stopTraining: boolean;
}

type Hook<A extends unknown[]> = (...args: [...A, FitContext]) => void | Promise<void>;

/**
 * Hooks into fit, all optional, each given the FitContext last; they may be async. A plain
 * object with some of these methods is a callback. Epochs and batches are counted from 1.
 *
 * A callback with state that must survive a resume (counters, a best value, a scheduler)
 * implements stateDict/loadStateDict and a `name`; modelCheckpoint saves that state and
 * fit restores it, matching callbacks by position and name.
 */
export interface Callback {
  readonly name?: string;
  onTrainBegin?: Hook<[]>;
  /** After the last epoch, or after the one in which a callback set stopTraining. Not called when training fails. */
  onTrainEnd?: Hook<[]>;
  /** When training fails (a NaN loss, an error in the model or in a callback), before fit rethrows the error. */
  onTrainError?: Hook<[error: unknown]>;
  onEpochBegin?: Hook<[epoch: number]>;
  onEpochEnd?: Hook<[epoch: number, logs: EpochLogs]>;
  /**
   * After every callback's onEpochEnd, when the epoch's state is final (the scheduler has
   * stepped, early stopping has counted): where modelCheckpoint saves.
   */
  afterEpochEnd?: Hook<[epoch: number, logs: EpochLogs]>;
  onBatchBegin?: Hook<[batch: number]>;
  onBatchEnd?: Hook<[batch: number, logs: BatchLogs]>;
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
}
