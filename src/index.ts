/** Lathe: deep learning for TypeScript on Node.js. */
import "./ops/methods.js";

export { backend } from "./backend/index.js";

export * from "./tensor/index.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, gradcheck, assertGradcheck } from "./autograd/index.js";
export type { GradcheckOptions, GradcheckFailure, BackwardOptions } from "./autograd/index.js";
export * from "./ops/functional.js";
export * as functional from "./ops/functional.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as data from "./data/index.js";
export * as io from "./io/index.js";
export * as llm from "./llm/index.js";
export * as train from "./train/index.js";
export { fit, evaluate, predict } from "./train/index.js";
export * as report from "./report/index.js";
export { serve, createServer } from "./serve/entry.js";
export { handleSignals } from "./serve/signals.js";
export type { ServeOptions, LatheServer } from "./serve/server.js";
