import { K } from "../backend/index.js";
import { record } from "../autograd/node.js";
import { fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { alloc, checkDtype, checkFloat, f32, i32, uninitialized } from "./util.js";

export interface EmbeddingOptions {
  /** The row at this index gets no gradient (a negative index counts from the end). */
  paddingIdx?: number | null;
}

/** Rows of weight [numEmbeddings, dim] picked by the int32 indices: output is [...input.shape, dim]. */
export function embedding(input: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  const op = "embedding";
  checkDtype(op, input, "int32", "input");
  checkFloat(op, weight);
  if (weight.ndim !== 2) throw new RangeError(`${op}: weight of shape ${fmtShape(weight.shape)} must be 2-d (numEmbeddings, embeddingDim)`);
  const [num, dim] = weight.shape;
  let pad = opts.paddingIdx ?? null;
  if (pad !== null) {
    if (!Number.isInteger(pad) || pad < -num || pad >= num) {
      throw new RangeError(`${op}: paddingIdx ${pad} must be within numEmbeddings ${num}`);
    }
    if (pad < 0) pad += num;
  }
  const idx = i32(input);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= num) {
      throw new RangeError(`${op}: index ${idx[i]} is out of range for ${num} embeddings (weight of shape ${fmtShape(weight.shape)})`);
    }
  }
  const out = uninitialized([...input.shape, dim]);
  K.indexSelect(f32(weight), 1, num, dim, idx, out.data);
  return record("EmbeddingBackward", out, [weight], (g) => {
    const gw = alloc(weight.shape);
    const gwd = gw.data as Float32Array;
    K.indexAdd(f32(g), 1, num, dim, idx, gwd);
    if (pad !== null) gwd.fill(0, pad * dim, (pad + 1) * dim);
    return [gw];
  }, { freshGrads: true });
}

/** One-hot encoding of int32 class indices: [...x.shape, numClasses] int32; numClasses -1 means max + 1. */
export function oneHot(x: Tensor, numClasses = -1): Tensor {
  const op = "oneHot";
  checkDtype(op, x, "int32", "input");
  const idx = i32(x);
  let max = -1;
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0) throw new RangeError(`${op}: class values must be non-negative, got ${idx[i]}`);
    if (idx[i] > max) max = idx[i];
  }
  let n = numClasses;
  if (n === -1) {
    if (idx.length === 0) throw new RangeError(`${op}: cannot infer the number of classes from an empty tensor of shape ${fmtShape(x.shape)}`);
    n = max + 1;
  } else if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`${op}: numClasses must be a positive integer or -1, got ${numClasses}`);
  } else if (max >= n) {
    throw new RangeError(`${op}: class value ${max} is not smaller than numClasses ${n}`);
  }
  const out = alloc([...x.shape, n], "int32");
  const od = out.data;
  for (let i = 0; i < idx.length; i++) od[i * n + idx[i]] = 1;
  return out;
}
