export { type DType, type TypedArray, promoteTypes, isFloating } from "./dtype.js";
export { type Shape, broadcastShapes } from "./shape.js";
export { Tensor, type NestedArray } from "./tensor.js";
export { Generator, type GeneratorState, manualSeed, defaultGenerator } from "./random.js";
export * from "./creation.js";
