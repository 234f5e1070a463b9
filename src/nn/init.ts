/**
 * Parameter initialisation, as torch.nn.init. Each function fills its tensor in place (under
 * noGrad, so it works on parameters), returns it, and draws from `generator` when given,
 * otherwise from the default generator that manualSeed() seeds.
 */
import { noGrad } from "../autograd/grad_mode.js";
import * as I from "../ops/inplace.js";
import { numel } from "../tensor/shape.js";
import { type Generator, defaultGenerator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";

export interface GeneratorOption {
  generator?: Generator;
}

/** Names accepted by calculateGain: Lathe's op names for the nonlinearity that follows the layer. */
export type Nonlinearity =
  | "linear" | "conv1d" | "conv2d" | "conv3d" | "convTranspose1d" | "convTranspose2d" | "convTranspose3d"
  | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "selu";

/**
 * The factor that keeps activations' variance stable through the nonlinearity, as
 * torch.nn.init.calculate_gain. `param` is leakyRelu's negative slope (default 0.01).
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "conv1d": case "conv2d": case "conv3d":
    case "convTranspose1d": case "convTranspose2d": case "convTranspose3d": case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leakyRelu": {
      const slope = param ?? 0.01;
      if (typeof slope !== "number" || !Number.isFinite(slope)) throw new TypeError(`calculateGain: negative slope ${slope} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new TypeError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/**
 * fanIn and fanOut of a weight: dim 1 and dim 0 times the receptive field (the product of
 * the dims after the first two), so Linear's [out, in] and Conv2d's [out, in, kh, kw] agree.
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) {
    throw new RangeError(`calculateFanInAndFanOut: fan in and fan out need a tensor with at least 2 dims, got shape [${t.shape.join(", ")}]`);
  }
  const receptive = numel(t.shape.slice(2));
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

export function uniform_(t: Tensor, a = 0, b = 1, opts: GeneratorOption = {}): Tensor {
  return noGrad(() => I.uniform_(t, a, b, opts));
}

export function normal_(t: Tensor, mean = 0, std = 1, opts: GeneratorOption = {}): Tensor {
  if (!(std >= 0)) throw new RangeError(`normal_: std must be non-negative, got ${std}`);
  return noGrad(() => I.normal_(t, mean, std, opts));
}

export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => I.fill_(t, value));
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

export interface XavierOptions extends GeneratorOption {
  gain?: number;
}

/** U(-a, a) with a = gain·√(6 / (fanIn + fanOut)) (Glorot & Bengio, 2010). */
export function xavierUniform_(t: Tensor, opts: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std;
  return uniform_(t, -a, a, opts);
}

/** N(0, std²) with std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, opts: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), opts);
}

export interface KaimingOptions extends GeneratorOption {
  /** Negative slope of the leakyRelu that follows (0 = relu). */
  a?: number;
  /** "fanIn" preserves the variance of activations forward, "fanOut" of gradients backward. */
  mode?: "fanIn" | "fanOut";
  nonlinearity?: Nonlinearity;
}

/** The standard deviation He et al. (2015) prescribe: gain / √fan. */
function kaimingStd(t: Tensor, opts: KaimingOptions, op: string): number {
  const mode = opts.mode ?? "fanIn";
  if (mode !== "fanIn" && mode !== "fanOut") throw new TypeError(`${op}: mode must be "fanIn" or "fanOut", got ${JSON.stringify(mode)}`);
  const fans = calculateFanInAndFanOut(t);
  const fan = mode === "fanIn" ? fans.fanIn : fans.fanOut;
  return calculateGain(opts.nonlinearity ?? "leakyRelu", opts.a ?? 0) / Math.sqrt(fan);
}

/** U(-bound, bound) with bound = √3 · gain / √fan. Zero-element tensors are left alone. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.numel() === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd(t, opts, "kaimingUniform_");
  return uniform_(t, -bound, bound, opts);
}

/** N(0, std²) with std = gain / √fan. Zero-element tensors are left alone. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.numel() === 0) return t;
  return normal_(t, 0, kaimingStd(t, opts, "kaimingNormal_"), opts);
}

export interface TruncNormalOptions extends GeneratorOption {
  mean?: number;
  std?: number;
  /** Lower cut-off, in the tensor's units (not in standard deviations). */
  a?: number;
  /** Upper cut-off. */
  b?: number;
}

/**
 * N(mean, std²) conditioned on [a, b], sampled exactly by inverting the normal CDF on the
 * interval's probability mass, as PyTorch does; no rejection loop, so narrow or far-out
 * intervals cost the same.
 */
export function truncNormal_(t: Tensor, opts: TruncNormalOptions = {}): Tensor {
  const { mean = 0, std = 1, a = -2, b = 2 } = opts;
  if (!(std > 0)) throw new RangeError(`truncNormal_: std must be positive, got ${std}`);
  if (!(a < b)) throw new RangeError(`truncNormal_: a (${a}) must be less than b (${b})`);
  const g = opts.generator ?? defaultGenerator;
  // Sample the interval's mirror image when it lies right of the mean: CDF values near 0
  // keep their relative precision, values near 1 would not.
  const flip = a > mean;
  const lo = flip ? (mean - b) / std : (a - mean) / std;
  const hi = flip ? (mean - a) / std : (b - mean) / std;
  const pLo = normCdf(lo);
  const pHi = normCdf(hi);
  const vals = new Float32Array(t.numel());
  for (let i = 0; i < vals.length; i++) {
    const p = pLo + (pHi - pLo) * g.random();
    const z = Math.min(hi, Math.max(lo, normIcdf(p)));
    vals[i] = Math.min(b, Math.max(a, mean + std * (flip ? -z : z)));
  }
  return noGrad(() => I.copy_(t, new Tensor(vals, t.shape)));
}

/**
 * A (semi-)orthogonal matrix from the QR decomposition of a standard normal one (Saxe et
 * al., 2013), scaled by gain; dims after the first are flattened. Gram-Schmidt gives R a
 * positive diagonal, the sign correction PyTorch applies, so Q is uniformly distributed.
 */
export function orthogonal_(t: Tensor, opts: XavierOptions = {}): Tensor {
  if (t.ndim < 2) throw new RangeError(`orthogonal_: only tensors with 2 or more dims are supported, got shape [${t.shape.join(", ")}]`);
  if (t.numel() === 0) return t;
  const g = opts.generator ?? defaultGenerator;
  const rows = t.shape[0];
  const cols = t.numel() / rows;
  // Orthonormalise the columns of a tall m×n matrix (transposed when t is wide), column-major.
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const q = new Float64Array(m * n);
  for (let i = 0; i < q.length; i++) q[i] = g.normal();
  for (let j = 0; j < n; j++) {
    const cj = q.subarray(j * m, (j + 1) * m);
    for (let k = 0; k < j; k++) {
      const ck = q.subarray(k * m, (k + 1) * m);
      let dot = 0;
      for (let i = 0; i < m; i++) dot += ck[i] * cj[i];
      for (let i = 0; i < m; i++) cj[i] -= dot * ck[i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += cj[i] * cj[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) cj[i] /= norm;
  }
  const gain = opts.gain ?? 1;
  const vals = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) vals[r * cols + c] = gain * (rows >= cols ? q[c * m + r] : q[r * m + c]);
  }
  return noGrad(() => I.copy_(t, new Tensor(vals, t.shape)));
}

/** Standard normal CDF through erfc, which keeps its relative precision far into the left tail. */
function normCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** erfc with relative error below 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit), ample for float32. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error below 1.2e-9). */
function normIcdf(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
