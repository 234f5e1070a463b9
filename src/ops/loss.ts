/**
 * Loss functions with PyTorch's semantics (torch.nn.functional.*_loss). Cross-entropy and
 * NLL with class-index targets are fused (one log-softmax kernel forward, one backward);
 * the others are composed from recorded ops, so every input that can have a gradient gets one.
 */
import { K } from "../backend/index.js";
import { noGrad } from "../autograd/grad_mode.js";
import { record } from "../autograd/node.js";
import { type Shape, broadcastShapes, fmtShape, numel, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { abs, add, div, eq, exp, log, log1p, lt, maximum, mul, neg, softplus, square, sub, where } from "./elementwise.js";
import { logsumexp, mean, sum } from "./reduce.js";
import { permute, reshape } from "./view.js";
import { alloc, checkDtype, checkFloat, contiguousData, f32, i32 } from "./util.js";

export type Reduction = "mean" | "sum" | "none";

export interface ReductionOptions {
  /** "mean" (default) averages the per-element losses, "sum" adds them, "none" returns them. */
  reduction?: Reduction;
}

export interface NllLossOptions extends ReductionOptions {
  /** Per-class rescaling, shape [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute neither loss nor weight to the mean. Default -100. */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution over classes, in [0, 1]. Default 0. */
  labelSmoothing?: number;
}

export interface BinaryCrossEntropyOptions extends ReductionOptions {
  /** Per-element rescaling, broadcast to the input's shape. */
  weight?: Tensor | null;
}

export interface BceWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of the positive term, broadcast to the input's shape (shape [C] weights each class of [N, C]). */
  posWeight?: Tensor | null;
}

export interface KlDivOptions {
  /** As ReductionOptions, plus "batchmean": the sum divided by the batch size (the true KL divergence). */
  reduction?: Reduction | "batchmean";
  /** The target holds log-probabilities. Default false. */
  logTarget?: boolean;
}

// ---------------------------------------------------------------- shared checks

function checkReduction<R extends string>(op: string, r: R | undefined, allowed: readonly R[]): R {
  const v = r ?? ("mean" as R);
  if (!allowed.includes(v)) throw new TypeError(`${op}: reduction must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(r)}`);
  return v;
}

const REDUCTIONS: readonly Reduction[] = ["mean", "sum", "none"];

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === "none" ? loss : reduction === "sum" ? sum(loss) : mean(loss);
}

/** Unlike PyTorch's silent broadcasting of mse_loss and friends, a mismatch is an error. */
function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!shapesEqual(input.shape, target.shape)) {
    throw new RangeError(`${op}: input of shape ${fmtShape(input.shape)} and target of shape ${fmtShape(target.shape)} must have the same shape`);
  }
}

function checkBroadcastsTo(op: string, what: string, t: Tensor, shape: Shape): void {
  checkFloat(op, t);
  let ok = false;
  try {
    ok = shapesEqual(broadcastShapes(t.shape, shape, op), shape);
  } catch {
    // reported below with the loss's own wording
  }
  if (!ok) throw new RangeError(`${op}: ${what} of shape ${fmtShape(t.shape)} does not broadcast to the input's shape ${fmtShape(shape)}`);
}

// ---------------------------------------------------------------- class-index losses (fused)

/** Validated class-index targets, flattened to one row per target. */
interface ClassTargets {
  rows: number;
  classes: number;
  /** The target class of each row, -1 where the target is ignored. */
  cls: Int32Array;
  weight: Float32Array | null;
}

/** Input [C] with a 0-d target, [N, C] with [N], or [N, C, d1, ...] with [N, d1, ...]. */
function classTargets(op: string, input: Tensor, target: Tensor, weight: Tensor | null | undefined, ignoreIndex: number): ClassTargets {
  if (input.ndim === 0) throw new RangeError(`${op}: input of shape [] needs a class dim: [C], [N, C] or [N, C, d1, ...]`);
  checkDtype(op, target, "int32", "class-index target");
  const classes = input.shape[input.ndim === 1 ? 0 : 1];
  const expected = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (!shapesEqual(target.shape, expected)) {
    throw new RangeError(`${op}: target of shape ${fmtShape(target.shape)} does not match input of shape ${fmtShape(input.shape)} (expected target shape ${fmtShape(expected)})`);
  }
  if (weight) {
    checkFloat(op, weight);
    if (!shapesEqual(weight.shape, [classes])) throw new RangeError(`${op}: weight of shape ${fmtShape(weight.shape)} must have shape [${classes}], one entry per class`);
  }
  const t = i32(target);
  const cls = new Int32Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === ignoreIndex) cls[i] = -1;
    else if (c < 0 || c >= classes) throw new RangeError(`${op}: target index ${c} is out of range for C = ${classes} classes (input of shape ${fmtShape(input.shape)})`);
    else cls[i] = c;
  }
  return { rows: t.length, classes, cls, weight: weight ? f32(weight) : null };
}

/** [N, C, d1, ...] as a contiguous [N·d1·..., C] array (class dim last), for the row-wise kernels. */
function classLast(x: Tensor): Float32Array {
  if (x.ndim <= 2) return f32(x);
  const n = x.ndim;
  return f32(noGrad(() => permute(x, [0, ...Array.from({ length: n - 2 }, (_, i) => i + 2), 1])));
}

/** The inverse of classLast: a [rows, C] array back to `shape`. */
function fromClassLast(d: Float32Array, shape: Shape): Tensor {
  if (shape.length <= 2) return new Tensor(d, shape);
  const n = shape.length;
  const last = new Tensor(d, [shape[0], ...shape.slice(2), shape[1]]);
  return contiguousData(noGrad(() => permute(last, [0, n - 1, ...Array.from({ length: n - 2 }, (_, i) => i + 1)])));
}

/**
 * NLL over rows of log-probabilities, optionally with log-softmax applied first and label
 * smoothing. Row i's loss is -Σ_j q_ij logp_ij with q_i = (1-ε)·w[t_i]·onehot(t_i) + (ε/C)·w,
 * zero for ignored rows; "mean" divides by Σ w[t_i] over non-ignored rows, as PyTorch.
 */
function classIndexLoss(op: string, input: Tensor, target: Tensor, opts: CrossEntropyOptions, fromLogits: boolean): Tensor {
  checkFloat(op, input);
  const reduction = checkReduction(op, opts.reduction, REDUCTIONS);
  const eps = opts.labelSmoothing ?? 0;
  const { rows, classes: C, cls, weight: w } = classTargets(op, input, target, opts.weight, opts.ignoreIndex ?? -100);

  const x = classLast(input);
  let logp = x;
  if (fromLogits) {
    logp = new Float32Array(rows * C);
    K.softmax(x, logp, rows, C, true);
  }
  // Smoothing needs Σ_j w_j·logp_ij per row: a matrix-vector product, or a row sum without weights.
  let smooth: Float32Array | null = null;
  if (eps > 0) {
    smooth = new Float32Array(rows);
    if (w) K.gemm(1, rows, 1, C, logp, 0, 0, false, w, 0, 0, false, smooth, 0, 0, false);
    else K.reduce("sum", logp, 0, rows, C, 1, smooth);
  }
  const losses = new Float32Array(rows);
  let totalWeight = 0;
  for (let i = 0; i < rows; i++) {
    const c = cls[i];
    if (c < 0) continue;
    const wc = w ? w[c] : 1;
    totalWeight += wc;
    const nll = -wc * logp[i * C + c];
    losses[i] = smooth ? (1 - eps) * nll - (eps / C) * smooth[i] : nll;
  }

  let out: Tensor;
  if (reduction === "none") {
    out = new Tensor(losses, target.shape);
  } else {
    out = alloc([]);
    K.reduce("sum", losses, 0, 1, rows, 1, out.data);
    if (reduction === "mean") out.data[0] /= totalWeight; // 0/0 = NaN when every target is ignored, as PyTorch
  }

  return record(fromLogits ? "CrossEntropyBackward" : "NllLossBackward", out, [input], (g) => {
    const gd = f32(g);
    const scale = (i: number) => (reduction === "none" ? gd[i] : reduction === "mean" ? gd[0] / totalWeight : gd[0]);
    // Gradient with respect to logp: -scale_i·q_ij. The smoothing part is an outer product.
    const gLogp = new Float32Array(rows * C);
    if (eps > 0) {
      const a = new Float32Array(rows);
      for (let i = 0; i < rows; i++) if (cls[i] >= 0) a[i] = (-scale(i) * eps) / C;
      K.gemm(1, rows, C, 1, a, 0, 0, false, w ?? new Float32Array(C).fill(1), 0, 0, false, gLogp, 0, 0, false);
    }
    for (let i = 0; i < rows; i++) {
      const c = cls[i];
      if (c >= 0) gLogp[i * C + c] -= scale(i) * (1 - eps) * (w ? w[c] : 1);
    }
    if (!fromLogits) return [fromClassLast(gLogp, input.shape)];
    const gx = new Float32Array(rows * C);
    K.softmaxBackward(logp, gLogp, gx, rows, C, true);
    return [fromClassLast(gx, input.shape)];
  });
}

/** PyTorch 1.13's cross-entropy with class probabilities, composed so the target gets a gradient too. */
function probTargetCrossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions): Tensor {
  const op = "crossEntropy";
  const reduction = checkReduction(op, opts.reduction, REDUCTIONS);
  if (input.ndim === 0) throw new RangeError(`${op}: input of shape [] needs a class dim: [C], [N, C] or [N, C, d1, ...]`);
  if (!shapesEqual(input.shape, target.shape)) {
    throw new RangeError(`${op}: float target of shape ${fmtShape(target.shape)} must have the input's shape ${fmtShape(input.shape)} (class probabilities); class-index targets must be int32`);
  }
  if ((opts.ignoreIndex ?? -100) >= 0) throw new RangeError(`${op}: ignoreIndex is not supported with class-probability targets`);
  const dim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[dim];
  const logp = sub(input, logsumexp(input, dim, true));
  const eps = opts.labelSmoothing ?? 0;
  let q = eps > 0 ? add(mul(target, 1 - eps), eps / C) : target;
  if (opts.weight) {
    checkFloat(op, opts.weight);
    if (!shapesEqual(opts.weight.shape, [C])) throw new RangeError(`${op}: weight of shape ${fmtShape(opts.weight.shape)} must have shape [${C}], one entry per class`);
    q = mul(q, reshape(opts.weight, input.shape.map((s, i) => (i === dim ? s : 1))));
  }
  const perRow = neg(sum(mul(logp, q), dim));
  if (reduction === "none") return perRow;
  const total = sum(perRow);
  // Every position counts once in the mean, whatever its weights.
  return reduction === "sum" ? total : div(total, numel(input.shape) / C);
}

/**
 * Cross-entropy of logits `input` ([C], [N, C] or [N, C, d1, ...]) against int32 class
 * indices of the input's shape without the class dim, or float class probabilities of the
 * input's own shape. Computed through log-softmax, so logits of any size are safe.
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  checkFloat("crossEntropy", input);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  if (target.dtype === "float32") return probTargetCrossEntropy(input, target, opts);
  return classIndexLoss("crossEntropy", input, target, opts, true);
}

/** Negative log-likelihood of log-probabilities `input` at the int32 class indices `target`. */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  return classIndexLoss("nllLoss", input, target, { ...opts, labelSmoothing: 0 }, false);
}

// ---------------------------------------------------------------- binary losses

/** Binary cross-entropy of probabilities in [0, 1]; each log is clamped to >= -100 as PyTorch, so 0 and 1 give finite losses. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BinaryCrossEntropyOptions = {}): Tensor {
  const op = "binaryCrossEntropy";
  const reduction = checkReduction(op, opts.reduction, REDUCTIONS);
  checkFloat(op, input, target);
  checkSameShape(op, input, target);
  const weight = opts.weight ?? null;
  if (weight) checkBroadcastsTo(op, "weight", weight, input.shape);
  const xs = f32(input);
  for (let i = 0; i < xs.length; i++) {
    if (!(xs[i] >= 0 && xs[i] <= 1)) throw new RangeError(`${op}: input must hold probabilities in [0, 1], got ${xs[i]} at flat index ${i}; use binaryCrossEntropyWithLogits for logits`);
  }
  // A fused rule: the clamped logs have no useful derivative at 0 and 1, so PyTorch's own formula is used.
  const { loss, logX, log1mX } = noGrad(() => {
    const logX = maximum(log(input), -100);
    const log1mX = maximum(log1p(neg(input)), -100);
    const l = sub(mul(sub(target, 1), log1mX), mul(target, logX));
    return { loss: weight ? mul(l, weight) : l, logX, log1mX };
  });
  const out = record("BinaryCrossEntropyBackward", loss, [input, target], (g) => {
    const gw = weight ? mul(g, weight) : g;
    return [
      input.requiresGrad ? div(mul(gw, sub(input, target)), maximum(mul(input, sub(1, input)), 1e-12)) : null,
      target.requiresGrad ? mul(gw, sub(log1mX, logX)) : null,
    ];
  });
  return reduce(out, reduction);
}

/**
 * Binary cross-entropy of logits, as (1 - t)·x + (1 + (p - 1)·t)·log(1 + e^-x) with the
 * softplus evaluated without overflow, so logits like ±1e4 give exact finite losses.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  const reduction = checkReduction(op, opts.reduction, REDUCTIONS);
  checkFloat(op, input, target);
  checkSameShape(op, input, target);
  if (opts.weight) checkBroadcastsTo(op, "weight", opts.weight, input.shape);
  if (opts.posWeight) checkBroadcastsTo(op, "posWeight", opts.posWeight, input.shape);
  const sp = softplus(neg(input));
  const positive = opts.posWeight ? mul(add(mul(sub(opts.posWeight, 1), target), 1), sp) : sp;
  const loss = add(mul(sub(1, target), input), positive);
  return reduce(opts.weight ? mul(loss, opts.weight) : loss, reduction);
}

// ---------------------------------------------------------------- regression losses

export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const reduction = checkReduction("mseLoss", opts.reduction, REDUCTIONS);
  checkFloat("mseLoss", input, target);
  checkSameShape("mseLoss", input, target);
  return reduce(square(sub(input, target)), reduction);
}

export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const reduction = checkReduction("l1Loss", opts.reduction, REDUCTIONS);
  checkFloat("l1Loss", input, target);
  checkSameShape("l1Loss", input, target);
  return reduce(abs(sub(input, target)), reduction);
}

/** 0.5·d²/beta where |d| < beta, |d| - 0.5·beta elsewhere; beta = 0 is the L1 loss. */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: ReductionOptions & { beta?: number } = {}): Tensor {
  const op = "smoothL1Loss";
  const reduction = checkReduction(op, opts.reduction, REDUCTIONS);
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new RangeError(`${op}: beta must be >= 0, got ${beta}`);
  checkFloat(op, input, target);
  checkSameShape(op, input, target);
  const d = abs(sub(input, target));
  // beta = 0 would divide by zero in the quadratic branch, which poisons its gradient even where unused.
  if (beta === 0) return reduce(d, reduction);
  return reduce(where(lt(d, beta), mul(square(d), 0.5 / beta), sub(d, 0.5 * beta)), reduction);
}

/** 0.5·d² where |d| < delta, delta·(|d| - 0.5·delta) elsewhere. */
export function huberLoss(input: Tensor, target: Tensor, opts: ReductionOptions & { delta?: number } = {}): Tensor {
  const op = "huberLoss";
  const reduction = checkReduction(op, opts.reduction, REDUCTIONS);
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new RangeError(`${op}: delta must be > 0, got ${delta}`);
  checkFloat(op, input, target);
  checkSameShape(op, input, target);
  const d = abs(sub(input, target));
  return reduce(where(lt(d, delta), mul(square(d), 0.5), mul(sub(d, 0.5 * delta), delta)), reduction);
}

/**
 * KL divergence with `input` as log-probabilities: target·(log target - input) pointwise
 * (0 where target is 0), or exp(target)·(target - input) with logTarget.
 */
export function klDiv(input: Tensor, target: Tensor, opts: KlDivOptions = {}): Tensor {
  const op = "klDiv";
  const reduction = checkReduction(op, opts.reduction, [...REDUCTIONS, "batchmean"]);
  checkFloat(op, input, target);
  checkSameShape(op, input, target);
  let pointwise: Tensor;
  if (opts.logTarget) {
    pointwise = mul(exp(target), sub(target, input));
  } else {
    // xlogy(t, t): log(1) stands in at t = 0 so neither the value nor the gradient is NaN there.
    const xlogx = mul(target, log(where(eq(target, 0), 1, target)));
    pointwise = sub(xlogx, mul(target, input));
  }
  if (reduction !== "batchmean") return reduce(pointwise, reduction);
  return input.ndim === 0 ? sum(pointwise) : div(sum(pointwise), input.shape[0]);
}
