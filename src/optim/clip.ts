import { f32 } from "../ops/util.js";
import { Tensor } from "../tensor/tensor.js";
import { updateInPlace } from "./util.js";

export interface ClipGradNormOptions {
  /** Order of the norm: any number > 0, or Infinity for the largest absolute value. Default 2. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it. Default false. */
  errorIfNonfinite?: boolean;
}

function grads(params: Iterable<Tensor> | Tensor): Tensor[] {
  const list = params instanceof Tensor ? [params] : Array.from(params);
  return list.filter((p) => p.grad).map((p) => p.grad as Tensor);
}

/**
 * Scales the gradients of `params` in place so that their total norm (all gradients seen as
 * one vector) is at most `maxNorm`, as torch.nn.utils.clip_grad_norm_, and returns that total
 * norm before clipping as a JavaScript number (computed in float64; PyTorch returns a float32
 * 0-d tensor). Parameters without a gradient are ignored; with none at all it returns 0.
 */
export function clipGradNorm(params: Iterable<Tensor> | Tensor, maxNorm: number, opts: ClipGradNormOptions = {}): number {
  const normType = opts.normType ?? 2;
  if (typeof maxNorm !== "number" || Number.isNaN(maxNorm)) throw new TypeError(`clipGradNorm: maxNorm must be a number, got ${String(maxNorm)}`);
  if (!(typeof normType === "number" && normType > 0)) {
    throw new RangeError(`clipGradNorm: normType must be a number > 0 or Infinity, got ${String(normType)}`);
  }
  const gs = grads(params);
  if (gs.length === 0) return 0;
  let acc = 0;
  for (const g of gs) {
    const d = f32(g);
    if (normType === Infinity) for (let i = 0; i < d.length; i++) acc = Math.max(acc, Math.abs(d[i]));
    else if (normType === 2) for (let i = 0; i < d.length; i++) acc += d[i] * d[i];
    else if (normType === 1) for (let i = 0; i < d.length; i++) acc += Math.abs(d[i]);
    else for (let i = 0; i < d.length; i++) acc += Math.abs(d[i]) ** normType;
  }
  const total = normType === Infinity || normType === 1 ? acc : normType === 2 ? Math.sqrt(acc) : acc ** (1 / normType);
  if (opts.errorIfNonfinite && !Number.isFinite(total)) {
    throw new RangeError(`clipGradNorm: the total norm of order ${normType} of the gradients is ${total}, so it cannot be clipped; ` +
      "pass errorIfNonfinite: false to scale the gradients by it anyway");
  }
  // PyTorch adds 1e-6 against division by zero and clamps the factor to 1; a NaN norm makes every gradient NaN, as there.
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  if (coef !== 1) {
    for (const g of gs) {
      updateInPlace(g, (d) => {
        for (let i = 0; i < d.length; i++) d[i] *= coef;
      });
    }
  }
  return total;
}

/** Clamps every gradient of `params` into [-clipValue, clipValue] in place, as torch.nn.utils.clip_grad_value_. */
export function clipGradValue(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (!(typeof clipValue === "number" && clipValue >= 0)) {
    throw new RangeError(`clipGradValue: clipValue must be a number >= 0, got ${String(clipValue)}`);
  }
  for (const g of grads(params)) {
    updateInPlace(g, (d) => {
      for (let i = 0; i < d.length; i++) {
        // Written as comparisons so NaN passes through unchanged, as torch.clamp does.
        if (d[i] > clipValue) d[i] = clipValue;
        else if (d[i] < -clipValue) d[i] = -clipValue;
      }
    });
  }
}
