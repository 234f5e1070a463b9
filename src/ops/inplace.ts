import { K } from "../backend/index.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { allocate } from "../tensor/dtype.js";
import { type Generator, defaultGenerator } from "../tensor/random.js";
import { broadcastStrides, fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { to } from "./view.js";

/**
 * In-place writes, for initialisation and optimizers. They refuse to modify a tensor that
 * requires grad while gradients are recorded (wrap the call in noGrad): for a leaf, as
 * PyTorch; for a non-leaf, because Lathe keeps no version counters to detect that a saved
 * tensor changed.
 */
function checkWritable(t: Tensor, op: string): void {
  if (t.requiresGrad && isGradEnabled()) {
    throw new Error(`${op}: a tensor that requires grad cannot be modified in place while gradients are recorded; wrap it in noGrad()`);
  }
}

/** Copies src (broadcast to t's shape, dtype converted as by to()) into t's elements. */
export function copy_(t: Tensor, src: Tensor): Tensor {
  return write(t, src, "copy_");
}

export function fill_(t: Tensor, value: number): Tensor {
  return write(t, scalarOf(t, value), "fill_");
}

export function zero_(t: Tensor): Tensor {
  return write(t, scalarOf(t, 0), "zero_");
}

/** value as a 0-d tensor of t's dtype (bool: nonzero). */
function scalarOf(t: Tensor, value: number): Tensor {
  const v = allocate(t.dtype, 1);
  v[0] = t.dtype === "bool" ? Number(value !== 0) : value;
  return new Tensor(v, []);
}

function write(t: Tensor, src: Tensor, op: string): Tensor {
  checkWritable(t, op);
  const s = to(src, t.dtype);
  const mismatch = () => new RangeError(`${op}: source of shape ${fmtShape(src.shape)} does not broadcast to ${fmtShape(t.shape)}`);
  if (s.ndim > t.ndim) throw mismatch();
  for (let i = 0; i < s.ndim; i++) {
    const d = s.shape[s.ndim - 1 - i];
    if (d !== 1 && d !== t.shape[t.ndim - 1 - i]) throw mismatch();
  }
  K.copy({ data: s.data, shape: t.shape, strides: broadcastStrides(s.shape, s.strides, t.shape), offset: s.offset }, t);
  return t;
}

function fillWith(t: Tensor, op: string, sample: () => number): Tensor {
  checkWritable(t, op);
  const vals = allocate(t.dtype, t.numel());
  for (let i = 0; i < vals.length; i++) vals[i] = sample();
  K.copy(new Tensor(vals, t.shape), t);
  return t;
}

export function uniform_(t: Tensor, from = 0, to = 1, opts: { generator?: Generator } = {}): Tensor {
  const g = opts.generator ?? defaultGenerator;
  return fillWith(t, "uniform_", () => from + (to - from) * g.random());
}

export function normal_(t: Tensor, mean = 0, std = 1, opts: { generator?: Generator } = {}): Tensor {
  const g = opts.generator ?? defaultGenerator;
  return fillWith(t, "normal_", () => mean + std * g.normal());
}
