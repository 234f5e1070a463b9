/**
 * serve: the HTTP inference server for model bundles (`lathe serve`). See docs/SERVING.md.
 */
export { type ServeOptions, type LatheServer, DEFAULTS, createServer, serve, handleSignals } from "./server.js";
export { type ModelSpec, type ModelVersion, ModelRegistry, parseModelArg } from "./models.js";
export { type FeatureSpec, type FeatureType, type ModelInfo, type Instance, type Prediction, type Predictor, InputError, UnavailableError } from "./types.js";
export { type Validator, type Validation, type InstanceError, compileValidator } from "./schema.js";
export { Batcher, type BatcherOptions } from "./batcher.js";
export { ServerMetrics } from "./metrics.js";
export { openapiDocument } from "./openapi.js";
