import { type Generator, defaultGenerator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { mul } from "./elementwise.js";
import { checkFloat } from "./util.js";

export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Identity when false (default true, as F.dropout). */
  training?: boolean;
  /** Source of the mask; the default generator (manualSeed) when omitted. */
  generator?: Generator;
}

/**
 * Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p),
 * so the expected value is unchanged and evaluation needs no rescaling. The gradient is
 * masked the same way (it is a product with the mask).
 */
export function dropout(x: Tensor, opts: DropoutOptions = {}): Tensor {
  const p = opts.p ?? 0.5;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: probability has to be between 0 and 1, got ${p}`);
  checkFloat("dropout", x);
  if (!(opts.training ?? true) || p === 0) return x;
  const gen = opts.generator ?? defaultGenerator;
  const mask = new Float32Array(x.numel());
  if (p < 1) {
    const scale = 1 / (1 - p);
    for (let i = 0; i < mask.length; i++) mask[i] = gen.random() < p ? 0 : scale;
  }
  return mul(x, new Tensor(mask, x.shape));
}
