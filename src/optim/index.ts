/** Optimizers, learning-rate schedules and gradient clipping, with PyTorch's semantics and defaults. */
export {
  Optimizer, type GroupOptions, type ParamGroup, type ParamGroupInput, type ParamState, type OptimizerStateDict,
} from "./optimizer.js";
export { SGD, type SGDConfig, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamConfig, type AdamOptions } from "./adam.js";
export { RMSprop, type RMSpropConfig, type RMSpropOptions } from "./rmsprop.js";
export { Adagrad, type AdagradConfig, type AdagradOptions } from "./adagrad.js";
export {
  LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, LambdaLR, SequentialLR,
  type LinearLROptions, type SchedulerState,
} from "./lr_scheduler.js";
export { OneCycleLR, type OneCycleLROptions } from "./one_cycle.js";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "./plateau.js";
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from "./clip.js";
