/**
 * Training: fit/evaluate/predict, Keras-style, over nn modules and optim optimizers;
 * callbacks (early stopping, checkpoints that resume exactly, LR schedules, progress, JSONL
 * logs); and metrics as plain functions with sklearn's definitions.
 */
export * from "./metrics.js";
export { METRIC_NAMES, type Task, type MetricSpec, type CustomMetric } from "./named_metrics.js";
export { fit, NonFiniteLossError, type FitOptions, type SchedulerSpec } from "./fit.js";
export { evaluate, predict, type EvaluateOptions } from "./evaluate.js";
export type { FitData, SampleDataset } from "./batches.js";
export type { LossName, LossFn, LossSpec, ClassWeight } from "./loss_spec.js";
export type { OptimizerName, OptimizerSpec } from "./optimizer_spec.js";
export type { Callback, FitContext, EpochLogs, BatchLogs, History } from "./types.js";
export type { MonitorMode } from "./monitor.js";
export {
  EarlyStopping, earlyStopping, LrSchedulerCallback, lrSchedulerCallback, jsonlLogger,
  type EarlyStoppingOptions, type LrSchedulerOptions,
} from "./callbacks.js";
export { ProgressBar, progressBar, type ProgressBarOptions, type ProgressStream } from "./progress.js";
export {
  ModelCheckpoint, modelCheckpoint, loadCheckpoint, type ModelCheckpointOptions, type Checkpoint, type TrainingState,
} from "./checkpoint.js";
