import type { Backend } from "./kernels.js";
import { jsBackend } from "./js/index.js";

export type { Backend, BinaryOp, UnaryOp, DiffUnaryOp, ReduceOp, Conv2dGeometry, Pool2dGeometry } from "./kernels.js";
export { jsBackend };

/**
 * The active kernels. A live binding: `setBackend` swaps it for every importer, so ops
 * always call `K.<kernel>` at run time rather than caching a reference.
 */
export let K: Backend = jsBackend;

export function setBackend(b: Backend): void {
  K = b;
}
