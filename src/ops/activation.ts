import { allocateUninit } from "../tensor/dtype.js";
import { K } from "../backend/index.js";
import { record } from "../autograd/node.js";
import { normDim } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { checkFloat, f32, uninitialized } from "./util.js";

/** A view of t with dims d and last swapped (t itself when d is already last); not recorded. */
function swapLast(t: Tensor, d: number): Tensor {
  const last = t.ndim - 1;
  if (d >= last) return t;
  const shape = t.shape.slice();
  const strides = t.strides.slice();
  [shape[d], shape[last]] = [shape[last], shape[d]];
  [strides[d], strides[last]] = [strides[last], strides[d]];
  return new Tensor(t.data, shape, strides, t.offset);
}

/** Writes a row-major array laid out as swapLast(·, d) back into a fresh tensor of `like`'s shape. */
function unswap(rows: Float32Array, like: Tensor, d: number): Tensor {
  const swapped = swapLast(like, d);
  if (swapped === like) return new Tensor(rows, like.shape);
  const out = uninitialized(like.shape);
  K.copy(new Tensor(rows, swapped.shape), swapLast(out, d));
  return out;
}

/**
 * Softmax or log-softmax along `dim` through the row kernel. The kernel wants the reduced
 * dim last and contiguous, so another dim is swapped to the end (one copy in, one out).
 */
function softmaxAlong(x: Tensor, dim: number, log: boolean): Tensor {
  const op = log ? "logSoftmax" : "softmax";
  checkFloat(op, x);
  const d = normDim(dim, x.ndim, op);
  const cols = x.ndim === 0 ? 1 : x.shape[d];
  const rows = cols === 0 ? 0 : x.numel() / cols;
  const y = allocateUninit("float32", x.numel()) as Float32Array;
  K.softmax(f32(swapLast(x, d)), y, rows, cols, log);
  const out = unswap(y, x, d);
  return record(log ? "LogSoftmaxBackward" : "SoftmaxBackward", out, [x], (g) => {
    const gx = allocateUninit("float32", y.length) as Float32Array;
    K.softmaxBackward(y, f32(swapLast(g, d)), gx, rows, cols, log);
    return [unswap(gx, x, d)];
  });
}

/** exp(x) / sum(exp(x)) along dim, computed stably (max-subtracted). */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxAlong(x, dim, false);
}

/** log(softmax(x)) along dim, as x - logsumexp(x): no overflow or log(0) for large logits. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxAlong(x, dim, true);
}

declare module "../tensor/tensor.js" {
  interface Tensor {
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;
  }
}

Tensor.prototype.softmax = function (dim) { return softmax(this, dim); };
Tensor.prototype.logSoftmax = function (dim) { return logSoftmax(this, dim); };
