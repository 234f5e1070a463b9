/**
 * The functional API (PyTorch's torch.* and torch.nn.functional), exported from the package
 * root as `functional` and as `nn.functional`.
 */
export * from "./elementwise.js";
export * from "./reduce.js";
export * from "./view.js";
export * from "./linalg.js";
export * from "./inplace.js";
