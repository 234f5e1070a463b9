import { K } from "../backend/index.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { allocate } from "../tensor/dtype.js";
import { type Generator, defaultGenerator } from "../tensor/random.js";
import { broadcastStrides, fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * In-place writes, for initialisation and optimizers. Like PyTorch, they refuse to modify a
 * leaf that requires grad while gradients are recorded (wrap the call in noGrad).
 */
function checkWritable(t: Tensor, op: string): void {
  if (t.requiresGrad && isGradEnabled()) {
    throw new Error(`${op}: a leaf tensor that requires grad cannot be modified in place while gradients are recorded; wrap it in noGrad()`);
  }
}

/** Copies src (broadcast to t's shape, dtype converted) into t's elements. */
export function copy_(t: Tensor, src: Tensor): Tensor {
  checkWritable(t, "copy_");
  let s = src;
  if (src.dtype !== t.dtype) {
    const conv = allocate(t.dtype, src.numel());
    conv.set(src.toArray());
    s = new Tensor(conv, src.shape);
  }
  if (s.ndim > t.ndim) throw new RangeError(`copy_: source of shape ${fmtShape(src.shape)} does not broadcast to ${fmtShape(t.shape)}`);
  const strides = broadcastStrides(s.shape, s.strides, t.shape);
  for (let i = 0; i < s.ndim; i++) {
    const d = s.shape[s.ndim - 1 - i];
    if (d !== 1 && d !== t.shape[t.ndim - 1 - i]) throw new RangeError(`copy_: source of shape ${fmtShape(src.shape)} does not broadcast to ${fmtShape(t.shape)}`);
  }
  K.copy({ data: s.data, shape: t.shape, strides, offset: s.offset }, t);
  return t;
}

export function fill_(t: Tensor, value: number): Tensor {
  const v = allocate(t.dtype, 1);
  v[0] = value;
  return copy_(t, new Tensor(v, []));
}

export function zero_(t: Tensor): Tensor {
  return fill_(t, 0);
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
