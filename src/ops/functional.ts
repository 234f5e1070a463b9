/**
 * The functional API (PyTorch's torch.* and torch.nn.functional), exported from the package
 * root as `functional` and as `nn.functional`.
 */
export * from "./elementwise.js";
export * from "./reduce.js";
export * from "./view.js";
export * from "./linalg.js";
export * from "./inplace.js";
export * from "./loss.js";
export * from "./join.js";
export * from "./indexing.js";
export * from "./activation.js";
export * from "./conv.js";
export * from "./pool.js";
export * from "./norm.js";
export * from "./dropout.js";
export * from "./embedding.js";
export * from "./attention.js";
