import { type Conv2dGeometry, K, type Pool2dGeometry } from "../backend/index.js";
import { needsGrad, record } from "../autograd/node.js";
import { allocateUninit, recycleStorage } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ntupleMin } from "./nn_args.js";
import { alloc, checkFloat, f32, uninitialized } from "./util.js";
import { maxPool2d } from "./pool.js";
import { contiguous, slice, squeeze, unsqueeze } from "./view.js";

export type ConvPadding = number | readonly number[] | "same" | "valid";

/**
 * What a convolution may apply to its output in the same pass (as PyTorch's intrinsic
 * ConvReLU2d or oneDNN's post-ops): the values and gradients are those of the separate
 * ops, the output tensor and the graph fewer.
 */
export interface ConvFusion {
  /** "relu": relu(conv + bias), as `.relu()` after the convolution. */
  activation?: "relu" | null;
  /**
   * conv2d only: then max pooling over windows of maxPool × maxPool with stride maxPool, as
   * `maxPool2d(out, maxPool)` (1: none). Fused into the kernel, which while recording also
   * writes the positions of the maxima for the backward pass (with ReLU; without, the
   * pooling kernel runs on a full-size output that is not kept). Not fused after a
   * "same" padding that crops the output.
   */
  maxPool?: number;
}

export interface ConvOptions extends ConvFusion {
  stride?: number | readonly number[];
  /** Zero padding per side; "valid" is none, "same" keeps the input size (stride 1 only). */
  padding?: ConvPadding;
  dilation?: number | readonly number[];
  groups?: number;
}

/** 1-d convolution over [N, C, L] (or unbatched [C, L]) with a weight of [out, in/groups, k]. */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd("conv1d", 1, x, weight, bias ?? null, opts);
}

/** 2-d convolution over NCHW (or unbatched CHW) with an OIHW weight of [out, in/groups, kh, kw]. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd("conv2d", 2, x, weight, bias ?? null, opts);
}

/**
 * Validates against the caller's shapes, then runs everything as a batched 2-d convolution:
 * conv1d is a conv2d with a height of 1, and unbatched input gets a batch dim of 1.
 */
function convNd(op: string, nd: 1 | 2, x: Tensor, weight: Tensor, bias: Tensor | null, opts: ConvOptions): Tensor {
  checkFloat(op, x, weight, ...(bias ? [bias] : []));
  const layout = nd === 1 ? "(N, C, L)" : "(N, C, H, W)";
  const batched = x.ndim === nd + 2;
  if (!batched && x.ndim !== nd + 1) {
    throw new RangeError(`${op}: input of shape ${fmtShape(x.shape)} must be ${nd + 2}-d ${layout} or ${nd + 1}-d unbatched`);
  }
  if (weight.ndim !== nd + 2) {
    throw new RangeError(`${op}: weight of shape ${fmtShape(weight.shape)} must be ${nd + 2}-d (out_channels, in_channels/groups, ${nd === 1 ? "k" : "kh, kw"})`);
  }
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  const cIn = x.shape[batched ? 1 : 0];
  const [cOut, cInG] = weight.shape;
  if (cOut % groups !== 0) {
    throw new RangeError(`${op}: weight of shape ${fmtShape(weight.shape)} has ${cOut} output channels, not divisible by groups=${groups}`);
  }
  if (cInG * groups !== cIn) {
    throw new RangeError(`${op}: input of shape ${fmtShape(x.shape)} has ${cIn} channels, but weight of shape ${fmtShape(weight.shape)} with groups=${groups} expects ${cInG * groups}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== cOut)) {
    throw new RangeError(`${op}: bias of shape ${fmtShape(bias.shape)} does not match weight of shape ${fmtShape(weight.shape)} (expected [${cOut}])`);
  }

  const relu = opts.activation === "relu";
  if (!relu && opts.activation != null) throw new TypeError(`${op}: activation must be "relu" or null, got ${JSON.stringify(opts.activation)}`);
  const pool = opts.maxPool ?? 1;
  if (!Number.isInteger(pool) || pool < 1) throw new RangeError(`${op}: maxPool must be a positive integer, got ${pool}`);
  if (pool > 1 && nd !== 2) throw new RangeError(`${op}: maxPool is only supported by conv2d`);

  const stride = ntupleMin(opts.stride ?? 1, nd, 1, op, "stride");
  const dilation = ntupleMin(opts.dilation ?? 1, nd, 1, op, "dilation");
  const size = x.shape.slice(-nd);
  const kernel = weight.shape.slice(2);
  const reach = kernel.map((k, i) => dilation[i] * (k - 1)); // effective kernel size - 1
  const padArg = opts.padding ?? 0;
  let pad: number[];
  let crop = new Array<number>(nd).fill(0);
  if (padArg === "valid") {
    pad = new Array<number>(nd).fill(0);
  } else if (padArg === "same") {
    if (stride.some((s) => s !== 1)) throw new RangeError(`${op}: padding="same" is not supported for strided convolutions (stride ${fmtShape(stride)})`);
    // PyTorch puts an odd extra pad on the right/bottom. The kernel pads symmetrically, so
    // pad both sides by the larger half and drop the one extra leading output instead.
    pad = reach.map((r) => Math.ceil(r / 2));
    crop = reach.map((r) => r % 2);
  } else if (typeof padArg === "string") {
    throw new TypeError(`${op}: padding must be an int, a list of ints, "same" or "valid", got ${JSON.stringify(padArg)}`);
  } else {
    pad = ntupleMin(padArg, nd, 0, op, "padding");
  }
  const outSize = size.map((s, i) => Math.floor((s + 2 * pad[i] - reach[i] - 1) / stride[i]) + 1);
  if (outSize.some((s) => s < 1)) {
    const padded = size.map((s, i) => s + 2 * pad[i]);
    throw new RangeError(
      `${op}: input of shape ${fmtShape(x.shape)} is too small for weight of shape ${fmtShape(weight.shape)} ` +
        `(padded size ${fmtShape(padded)}, effective kernel size ${fmtShape(reach.map((r) => r + 1))})`,
    );
  }

  // Lift to [N, C, H, W]: the height of a 1-d convolution is 1 with a kernel height of 1.
  let x4 = batched ? x : unsqueeze(x, 0);
  let w4 = weight;
  const lift = (v: number[], one: number) => (nd === 1 ? [one, v[0]] : v);
  if (nd === 1) {
    x4 = unsqueeze(x4, 2);
    w4 = unsqueeze(weight, 2);
  }
  const [h, w] = x4.shape.slice(2);
  const [kh, kw] = w4.shape.slice(2);
  const [strideH, strideW] = lift(stride, 1);
  const [padH, padW] = lift(pad, 0);
  const [dilationH, dilationW] = lift(dilation, 1);
  const [outH, outW] = lift(outSize, 1);
  const geo: Conv2dGeometry = {
    n: x4.shape[0], cIn, h, w, cOut, kh, kw, outH, outW, strideH, strideW, padH, padW, dilationH, dilationW, groups,
  };
  const [cropH, cropW] = lift(crop, 0);
  if (outH - cropH < pool || outW - cropW < pool) {
    throw new RangeError(`${op}: output of size ${fmtShape([outH - cropH, outW - cropW])} is smaller than maxPool=${pool}`);
  }
  const fusable = pool > 1 && !cropH && !cropW;
  const recording = needsGrad(x, weight, bias);
  const fusePool = fusable && !recording;
  let out = fusable && recording ? conv2dPooledTrain(x4, w4, bias, geo, relu, pool) : conv2dRaw(x4, w4, bias, geo, relu, fusePool ? pool : 1);

  if (cropH || cropW) out = contiguous(slice(slice(out, 2, cropH), 3, cropW));
  if (nd === 1) out = squeeze(out, 2);
  if (!batched) out = squeeze(out, 0);
  return pool > 1 && !fusable ? maxPool2d(out, pool) : out;
}

/**
 * The convolution kernel call and its backward rule; x is [N, C, H, W], w is OIHW. With
 * `relu` the output is relu(conv + bias); with `pool` > 1 (never while recording: see
 * conv2dPooledTrain) it is then max-pooled over pool × pool windows of stride pool.
 */
function conv2dRaw(x: Tensor, w: Tensor, bias: Tensor | null, geo: Conv2dGeometry, relu: boolean, pool: number): Tensor {
  const xd = f32(x);
  const wd = f32(w);
  const out = uninitialized([geo.n, geo.cOut, Math.floor(geo.outH / pool), Math.floor(geo.outW / pool)]);
  const od = out.data as Float32Array;
  K.conv2d(xd, wd, bias ? f32(bias) : null, od, geo, relu || pool > 1 ? { relu, pool } : undefined);
  const inputs = bias ? [x, w, bias] : [x, w];
  return record(relu ? "ConvolutionReluBackward" : "ConvolutionBackward", out, inputs, (g) => {
    let gd = f32(g);
    if (relu) {
      // relu's gradient from its output: g where out > 0.
      const masked = allocateUninit("float32", od.length) as Float32Array;
      K.unaryBackward("relu", od, od, gd, masked, od.length, 0, 0);
      gd = masked;
    }
    return convGrads(x, w, bias, xd, wd, gd, geo);
  }, { freshGrads: true });
}

/** The input, weight and bias gradients of a convolution, given its output gradient gd. */
function convGrads(x: Tensor, w: Tensor, bias: Tensor | null, xd: Float32Array, wd: Float32Array, gd: Float32Array, geo: Conv2dGeometry): (Tensor | null)[] {
  let gx: Tensor | null = null;
  let gw: Tensor | null = null;
  if (x.requiresGrad) {
    gx = uninitialized(x.shape);
    K.conv2dBackwardInput(gd, wd, gx.data as Float32Array, geo);
  }
  if (w.requiresGrad) {
    gw = uninitialized(w.shape);
    K.conv2dBackwardWeight(gd, xd, gw.data as Float32Array, geo);
  }
  if (!bias) return [gx, gw];
  return [gx, gw, bias.requiresGrad ? biasGrad(gd, geo) : null];
}

/** The bias gradient: gOut summed over each output plane, then over the batch. */
function biasGrad(gd: Float32Array, geo: Conv2dGeometry): Tensor {
  const planes = new Float32Array(geo.n * geo.cOut);
  K.reduce("sum", gd, 0, geo.n * geo.cOut, geo.outH * geo.outW, 1, planes);
  const gb = alloc([geo.cOut]);
  K.reduce("sum", planes, 0, 1, geo.n, geo.cOut, gb.data);
  return gb;
}

/**
 * Buffers for what lives within one call of conv2dPooledTrain or its backward rule: slot 0
 * the full-size convolution output, then its gradient; slot 1 the ReLU-masked pooled
 * gradient. Kept between calls, so a training step allocates none of them; only what fits
 * in kScratchMax floats is kept.
 */
const scratch: (Float32Array | null)[] = [null, null];
const kScratchMax = 1 << 22; // 16 MB

function scratchOf(slot: number, n: number): Float32Array {
  if (n > kScratchMax) return allocateUninit("float32", n) as Float32Array;
  let s = scratch[slot];
  if (!s || s.length < n) s = scratch[slot] = new Float32Array(n);
  return s.subarray(0, n);
}

/**
 * maxPool2d(relu?(conv(x)), pool) while recording, as one op with the values and gradients
 * of the three. With ReLU the convolution kernel pools as it goes and writes the maxima's
 * positions (maxPool2d's indices: the first maximum of relu(conv + bias) in window order),
 * so no full-size output is written; without, the convolution writes a full-size output
 * into a kept buffer, dead once maxPool2d has taken its maxima and their positions. The
 * backward pass masks the pooled gradient by ReLU's rule (the pooled value is the
 * full-size value at the maximum's position, so `out > 0` is the same test), scatters it
 * to the maxima's positions (into the kept buffer), then runs the convolution's backward
 * kernels on that. No full-size tensor is kept from forward to backward or allocated per
 * call; the ReLU mask is a quarter of the size (2×2 pooling).
 */
function conv2dPooledTrain(x: Tensor, w: Tensor, bias: Tensor | null, geo: Conv2dGeometry, relu: boolean, pool: number): Tensor {
  const xd = f32(x);
  const wd = f32(w);
  const fullSize = geo.n * geo.cOut * geo.outH * geo.outW;
  const pgeo: Pool2dGeometry = {
    planes: geo.n * geo.cOut, h: geo.outH, w: geo.outW, kh: pool, kw: pool,
    outH: Math.floor(geo.outH / pool), outW: Math.floor(geo.outW / pool),
    strideH: pool, strideW: pool, padH: 0, padW: 0, dilationH: 1, dilationW: 1,
  };
  const out = uninitialized([geo.n, geo.cOut, pgeo.outH, pgeo.outW]);
  const od = out.data as Float32Array;
  const indices = allocateUninit("int32", od.length) as Int32Array;
  if (relu) {
    // The kernel pools as it goes and writes the maxima's positions.
    K.conv2d(xd, wd, bias ? f32(bias) : null, od, geo, { relu, pool, indices });
  } else {
    const full = scratchOf(0, fullSize);
    K.conv2d(xd, wd, bias ? f32(bias) : null, full, geo);
    K.maxPool2d(full, od, indices, pgeo);
    if (fullSize > kScratchMax) recycleStorage(full);
  }
  const inputs = bias ? [x, w, bias] : [x, w];
  return record(relu ? "ConvolutionReluMaxPoolBackward" : "ConvolutionMaxPoolBackward", out, inputs, (g) => {
    let gp = f32(g);
    let masked: Float32Array | null = null;
    if (relu) {
      // relu's gradient from its output, on the pooled values: g where out > 0.
      masked = scratchOf(1, od.length);
      K.unaryBackward("relu", od, od, gp, masked, od.length, 0, 0);
      gp = masked;
    }
    const gd = scratchOf(0, fullSize);
    K.maxPool2dBackward(gp, indices, gd, pgeo);
    if (masked && od.length > kScratchMax) recycleStorage(masked);
    const grads = convGrads(x, w, bias, xd, wd, gd, geo);
    if (fullSize > kScratchMax) recycleStorage(gd);
    return grads;
  }, { freshGrads: true });
}
