/** The nn layer: Module, Parameter, layers, losses and initialisation, as torch.nn. */
export { Parameter } from "./parameter.js";
export { Module, type LoadStateDictOptions, type LoadStateDictResult } from "./module.js";
export { Sequential, ModuleList, ModuleDict } from "./container.js";
export { Identity, Linear, type LinearOptions } from "./linear.js";
export { Conv1d, Conv2d, type ConvOptions } from "./conv.js";
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool2d } from "./pool.js";
export type { MaxPoolOptions, AvgPoolOptions } from "../ops/pool.js";
export { Flatten, Unflatten } from "./flatten.js";
export { Dropout, type DropoutOptions } from "./dropout.js";
export {
  BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, type BatchNormOptions, type LayerNormOptions, type GroupNormOptions,
} from "./norm.js";
export { Embedding, type EmbeddingOptions } from "./embedding.js";
export { ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax, type GELUOptions } from "./activation.js";
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from "./attention.js";
export {
  CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, KLDivLoss,
} from "./loss.js";
export * as init from "./init.js";
export * as functional from "../ops/functional.js";
