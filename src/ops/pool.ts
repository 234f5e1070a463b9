import { allocateUninit } from "../tensor/dtype.js";
import { K, type Pool2dGeometry } from "../backend/index.js";
import { record } from "../autograd/node.js";
import { fmtShape, numel } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { matmul } from "./linalg.js";
import { ntuple, ntupleMin } from "./nn_args.js";
import { checkFloat, f32, uninitialized } from "./util.js";

type IntOrList = number | readonly number[];

export interface MaxPoolOptions {
  /** Defaults to kernelSize. */
  stride?: IntOrList | null;
  padding?: IntOrList;
  dilation?: IntOrList;
  ceilMode?: boolean;
}

export interface AvgPoolOptions {
  /** Defaults to kernelSize. */
  stride?: IntOrList | null;
  padding?: IntOrList;
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (PyTorch's default). */
  countIncludePad?: boolean;
}

/** PyTorch's pooling output size; with ceilMode the last window must start inside the input or the left padding. */
function outputSize(size: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  let out = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceilMode ? s - 1 : 0)) / s) + 1;
  if (ceilMode && (out - 1) * s >= size + p) out--;
  return out;
}

/**
 * Checks a pooling call and describes it as 2-d pooling over planes: every leading dim
 * (batch and channels) is a plane, and 1-d pooling has a height of 1.
 */
function poolGeometry(
  op: string, nd: 1 | 2, x: Tensor, kernelSize: IntOrList, strideArg: IntOrList | null | undefined,
  paddingArg: IntOrList, dilationArg: IntOrList, ceilMode: boolean,
): { geo: Pool2dGeometry; outShape: number[] } {
  checkFloat(op, x);
  const spatial = x.shape.slice(-nd);
  if ((x.ndim !== nd + 1 && x.ndim !== nd + 2) || x.shape.slice(x.ndim === nd + 2 ? 1 : 0).some((s) => s === 0)) {
    throw new RangeError(`${op}: input of shape ${fmtShape(x.shape)} must be ${nd + 1}-d or ${nd + 2}-d (${nd === 1 ? "N, C, L" : "N, C, H, W"}) with non-zero channels and size`);
  }
  const k = ntupleMin(kernelSize, nd, 1, op, "kernelSize");
  const s = strideArg === null || strideArg === undefined ? k : ntupleMin(strideArg, nd, 1, op, "stride");
  const p = ntupleMin(paddingArg, nd, 0, op, "padding");
  const d = ntupleMin(dilationArg, nd, 1, op, "dilation");
  if (p.some((v, i) => v > Math.floor(k[i] / 2))) {
    throw new RangeError(`${op}: padding ${fmtShape(p)} must be at most half of kernelSize ${fmtShape(k)}`);
  }
  const out = spatial.map((size, i) => outputSize(size, k[i], s[i], p[i], d[i], ceilMode));
  if (out.some((o) => o < 1)) {
    throw new RangeError(`${op}: input of shape ${fmtShape(x.shape)} is too small for kernelSize ${fmtShape(k)} (output size ${fmtShape(out)})`);
  }
  const two = (v: number[], one: number) => (nd === 1 ? [one, v[0]] : v);
  const [h, w] = two(spatial, 1);
  const [kh, kw] = two(k, 1);
  const [outH, outW] = two(out, 1);
  const [strideH, strideW] = two(s, 1);
  const [padH, padW] = two(p, 0);
  const [dilationH, dilationW] = two(d, 1);
  const lead = x.shape.slice(0, -nd);
  return {
    geo: { planes: numel(lead), h, w, kh, kw, outH, outW, strideH, strideW, padH, padW, dilationH, dilationW },
    outShape: [...lead, ...out],
  };
}

function maxPool(op: string, nd: 1 | 2, x: Tensor, kernelSize: IntOrList, opts: MaxPoolOptions): Tensor {
  const { geo, outShape } = poolGeometry(op, nd, x, kernelSize, opts.stride, opts.padding ?? 0, opts.dilation ?? 1, opts.ceilMode ?? false);
  const out = uninitialized(outShape);
  const indices = allocateUninit("int32", out.numel()) as Int32Array;
  K.maxPool2d(f32(x), out.data as Float32Array, indices, geo);
  return record("MaxPoolBackward", out, [x], (g) => {
    const gx = uninitialized(x.shape);
    K.maxPool2dBackward(f32(g), indices, gx.data as Float32Array, geo);
    return [gx];
  });
}

function avgPool(op: string, nd: 1 | 2, x: Tensor, kernelSize: IntOrList, opts: AvgPoolOptions): Tensor {
  const { geo, outShape } = poolGeometry(op, nd, x, kernelSize, opts.stride, opts.padding ?? 0, 1, opts.ceilMode ?? false);
  const includePad = opts.countIncludePad ?? true;
  const out = uninitialized(outShape);
  K.avgPool2d(f32(x), out.data as Float32Array, geo, includePad);
  return record("AvgPoolBackward", out, [x], (g) => {
    const gx = uninitialized(x.shape);
    K.avgPool2dBackward(f32(g), gx.data as Float32Array, geo, includePad);
    return [gx];
  });
}

/** Max over kernelSize windows of [N, C, H, W] or [C, H, W]; padding never wins the max. */
export function maxPool2d(x: Tensor, kernelSize: IntOrList, opts: MaxPoolOptions = {}): Tensor {
  return maxPool("maxPool2d", 2, x, kernelSize, opts);
}

/** Max over kernelSize windows of [N, C, L] or [C, L]. */
export function maxPool1d(x: Tensor, kernelSize: IntOrList, opts: MaxPoolOptions = {}): Tensor {
  return maxPool("maxPool1d", 1, x, kernelSize, opts);
}

/** Mean over kernelSize windows of [N, C, H, W] or [C, H, W]. */
export function avgPool2d(x: Tensor, kernelSize: IntOrList, opts: AvgPoolOptions = {}): Tensor {
  return avgPool("avgPool2d", 2, x, kernelSize, opts);
}

/** Mean over kernelSize windows of [N, C, L] or [C, L]. */
export function avgPool1d(x: Tensor, kernelSize: IntOrList, opts: AvgPoolOptions = {}): Tensor {
  return avgPool("avgPool1d", 1, x, kernelSize, opts);
}

/**
 * Averages [N, C, H, W] (or [C, H, W]) down to outputSize (null keeps that dim) with
 * PyTorch's windows: output i covers [floor(i*H/out), ceil((i+1)*H/out)). The windows are
 * separable, so this is Ah · X · Awᵀ with Ah [outH, H] holding 1/window-length per window;
 * matmul brings the backward pass and batches over the planes without copying them.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = "adaptiveAvgPool2d";
  checkFloat(op, x);
  if ((x.ndim !== 3 && x.ndim !== 4) || x.shape.slice(-3).some((s) => s === 0)) {
    throw new RangeError(`${op}: input of shape ${fmtShape(x.shape)} must be 3-d or 4-d (N, C, H, W) with non-zero channels and size`);
  }
  const [h, w] = x.shape.slice(-2);
  const req = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
  const [oh, ow] = ntuple(req.map((v, i) => v ?? [h, w][i]), 2, op, "outputSize");
  if (oh < 1 || ow < 1) throw new RangeError(`${op}: outputSize must be positive, got ${JSON.stringify(outputSize)}`);
  let out = x;
  if (oh !== h) out = matmul(windowMatrix(oh, h, false), out);
  if (ow !== w) out = matmul(out, windowMatrix(ow, w, true));
  return out;
}

/** The [out, size] averaging matrix of adaptive pooling ([size, out] when transposed). */
function windowMatrix(out: number, size: number, transposed: boolean): Tensor {
  const m = new Float32Array(out * size);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out);
    const end = Math.ceil(((i + 1) * size) / out);
    for (let j = start; j < end; j++) m[transposed ? j * out + i : i * size + j] = 1 / (end - start);
  }
  return new Tensor(m, transposed ? [size, out] : [out, size]);
}
