/**
 * serve: the HTTP inference server for model bundles and language models (`lathe serve`). See docs/SERVING.md.
 */
export { type ServeOptions, type LatheServer, DEFAULTS, createServer, serve } from "./server.js";
export { handleSignals } from "./signals.js";
export { type ModelSpec, type ModelVersion, ModelRegistry, parseModelArg } from "./models.js";
export {
  type FeatureSpec,
  type FeatureType,
  type ModelInfo,
  type LanguageModelInfo,
  type Instance,
  type Prediction,
  type Predictor,
  type GenerateParams,
  type GenerateHooks,
  type Generated,
  type FinishReason,
  InputError,
  UnavailableError,
} from "./types.js";
export { type Validator, type Validation, type InstanceError, compileValidator } from "./schema.js";
export { Batcher, type BatcherOptions, type BatchPredictor } from "./batcher.js";
export { ServerMetrics } from "./metrics.js";
export { openapiDocument } from "./openapi.js";
