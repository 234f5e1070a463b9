import { K } from "../backend/index.js";
import { noGrad } from "../autograd/grad_mode.js";
import { record } from "../autograd/node.js";
import { fmtShape, numel, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { add, mul, rsqrt, sub } from "./elementwise.js";
import { copy_ } from "./inplace.js";
import { alloc, checkFloat, f32, uninitialized } from "./util.js";
import { contiguous, permute, reshape } from "./view.js";

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalise with batch statistics and update the running ones (default false). */
  training?: boolean;
  momentum?: number;
  eps?: number;
}

export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

export type GroupNormOptions = LayerNormOptions;

/**
 * Standardises each of `rows` rows of x's elements in row-major order (x may be a permuted
 * view; it is read through one copy) to zero mean and unit biased variance. The layer-norm
 * kernel does exactly this when given no weight; mean and 1/std per row are returned too.
 */
function standardize(name: string, x: Tensor, rows: number, cols: number, eps: number): { y: Tensor; mean: Float32Array; rstd: Float32Array } {
  const xd = f32(x);
  const y = uninitialized(x.shape);
  const mean = new Float32Array(rows);
  const rstd = new Float32Array(rows);
  K.layerNorm(xd, null, null, y.data as Float32Array, mean, rstd, rows, cols, eps);
  record(name, y, [x], (g) => {
    const gx = uninitialized(x.shape);
    K.layerNormBackward(f32(g), xd, null, mean, rstd, gx.data as Float32Array, null, null, rows, cols);
    return [gx];
  });
  return { y, mean, rstd };
}

/** y * weight + bias with per-channel [C] parameters broadcast over dim 1 of y. */
function channelAffine(y: Tensor, weight: Tensor | null | undefined, bias: Tensor | null | undefined): Tensor {
  const shape = [y.shape[1], ...new Array<number>(y.ndim - 2).fill(1)];
  let out = y;
  if (weight) out = mul(out, reshape(weight, shape));
  if (bias) out = add(out, reshape(bias, shape));
  return out === y ? contiguous(y) : out;
}

function checkChannelParam(op: string, what: string, t: Tensor | null | undefined, x: Tensor): void {
  if (!t) return;
  checkFloat(op, t);
  const c = x.shape[1];
  if (t.ndim !== 1 || t.shape[0] !== c) {
    throw new RangeError(`${op}: ${what} of shape ${fmtShape(t.shape)} does not match the ${c} channels of input of shape ${fmtShape(x.shape)}`);
  }
}

/**
 * Batch normalisation over [N, C], [N, C, L] or [N, C, H, W] (statistics per channel C).
 * In training it normalises with the batch mean and biased variance and, when running stats
 * are given, updates them in place with the unbiased variance; otherwise it uses them.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  const op = "batchNorm";
  checkFloat(op, x);
  if (x.ndim < 2) throw new RangeError(`${op}: input of shape ${fmtShape(x.shape)} must have at least 2 dims (N, C, ...)`);
  checkChannelParam(op, "runningMean", runningMean, x);
  checkChannelParam(op, "runningVar", runningVar, x);
  checkChannelParam(op, "weight", opts.weight, x);
  checkChannelParam(op, "bias", opts.bias, x);
  const eps = opts.eps ?? 1e-5;
  const c = x.shape[1];

  if (!(opts.training ?? false)) {
    if (!runningMean || !runningVar) throw new Error(`${op}: runningMean and runningVar are required when not training`);
    // Fold the statistics and the affine parameters into one scale and shift per channel.
    let scale = rsqrt(add(runningVar, eps));
    if (opts.weight) scale = mul(scale, opts.weight);
    const centred = mul(runningMean, scale);
    const shift = opts.bias ? sub(opts.bias, centred) : mul(centred, -1);
    return channelAffine(x, scale, shift);
  }

  const m = x.numel() / c;
  if (m <= 1) throw new RangeError(`${op}: expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`);
  // With channels first each channel is one row, so row standardisation uses batch statistics.
  const perm = [1, 0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
  const { y, mean, rstd } = standardize("BatchNormBackward", permute(x, perm), c, m, eps);
  if (runningMean || runningVar) {
    const momentum = opts.momentum ?? 0.1;
    noGrad(() => {
      if (runningMean) {
        const rm = runningMean.toArray();
        for (let i = 0; i < c; i++) rm[i] = (1 - momentum) * rm[i] + momentum * mean[i];
        copy_(runningMean, new Tensor(rm, [c]));
      }
      if (runningVar) {
        const rv = runningVar.toArray();
        for (let i = 0; i < c; i++) {
          // The kernel returns 1/sqrt(var + eps); undo that and apply Bessel's correction.
          const biased = Math.max(0, 1 / (rstd[i] * rstd[i]) - eps);
          rv[i] = (1 - momentum) * rv[i] + momentum * biased * (m / (m - 1));
        }
        copy_(runningVar, new Tensor(rv, [c]));
      }
    });
  }
  return channelAffine(permute(y, perm), opts.weight, opts.bias);
}

/** Normalises over the trailing dims given by normalizedShape, with an elementwise affine of that shape. */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], opts: LayerNormOptions = {}): Tensor {
  const op = "layerNorm";
  checkFloat(op, x);
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape.slice();
  if (ns.length === 0 || ns.length > x.ndim || !shapesEqual(x.shape.slice(x.ndim - ns.length), ns)) {
    throw new RangeError(`${op}: normalizedShape ${fmtShape(ns)} does not match the trailing dims of input of shape ${fmtShape(x.shape)}`);
  }
  const { weight, bias } = opts;
  for (const [what, t] of [["weight", weight], ["bias", bias]] as const) {
    if (!t) continue;
    checkFloat(op, t);
    if (!shapesEqual(t.shape, ns)) throw new RangeError(`${op}: ${what} of shape ${fmtShape(t.shape)} does not match normalizedShape ${fmtShape(ns)}`);
  }
  const cols = numel(ns);
  const rows = cols === 0 ? 0 : x.numel() / cols;
  const xd = f32(x);
  const wd = weight ? f32(weight) : null;
  const out = uninitialized(x.shape);
  const mean = new Float32Array(rows);
  const rstd = new Float32Array(rows);
  K.layerNorm(xd, wd, bias ? f32(bias) : null, out.data as Float32Array, mean, rstd, rows, cols, opts.eps ?? 1e-5);
  const inputs = [x, weight, bias].filter((t): t is Tensor => !!t);
  return record("NativeLayerNormBackward", out, inputs, (g) => {
    const gx = uninitialized(x.shape);
    const gw = weight?.requiresGrad ? alloc(weight.shape) : null;
    const gb = bias?.requiresGrad ? alloc(bias.shape) : null;
    K.layerNormBackward(f32(g), xd, wd, mean, rstd, gx.data as Float32Array,
      gw ? (gw.data as Float32Array) : null, gb ? (gb.data as Float32Array) : null, rows, cols);
    const grads: (Tensor | null)[] = [gx];
    if (weight) grads.push(gw);
    if (bias) grads.push(gb);
    return grads;
  }, { freshGrads: true });
}

/** Normalises [N, C, ...] over groups of C/numGroups channels (and all spatial positions), then a per-channel affine. */
export function groupNorm(x: Tensor, numGroups: number, opts: GroupNormOptions = {}): Tensor {
  const op = "groupNorm";
  checkFloat(op, x);
  if (x.ndim < 2) throw new RangeError(`${op}: input of shape ${fmtShape(x.shape)} must have at least 2 dims (N, C, ...)`);
  const c = x.shape[1];
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) {
    throw new RangeError(`${op}: the ${c} channels of input of shape ${fmtShape(x.shape)} cannot be split into ${numGroups} groups`);
  }
  checkChannelParam(op, "weight", opts.weight, x);
  checkChannelParam(op, "bias", opts.bias, x);
  // In row-major order each (sample, group) is already one contiguous row.
  const rows = x.shape[0] * numGroups;
  const { y } = standardize("GroupNormBackward", x, rows, rows === 0 ? 0 : x.numel() / rows, opts.eps ?? 1e-5);
  return channelAffine(y, opts.weight, opts.bias);
}
