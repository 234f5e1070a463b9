import { noGrad } from "../autograd/grad_mode.js";
import { batchNorm, fill_, groupNorm, layerNorm } from "../ops/functional.js";
import { ones, zeros } from "../tensor/creation.js";
import { fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ntupleMin } from "../ops/nn_args.js";
import { checkInt } from "./args.js";
import { ones_, zeros_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { fmtArg } from "./repr.js";

export interface BatchNormOptions {
  eps?: number;
  /** Weight of each new batch in the running statistics (default 0.1); null = cumulative average over all batches. */
  momentum?: number | null;
  /** Learnable per-channel weight and bias (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without them eval uses batch statistics too. */
  trackRunningStats?: boolean;
}

/** What BatchNorm1d and BatchNorm2d share; they differ only in the input ranks they accept. */
abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  // Buffers keep PyTorch's names, which are their stateDict keys.
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, opts: BatchNormOptions) {
    super();
    checkInt(this.constructor.name, "numFeatures", numFeatures);
    this.numFeatures = numFeatures;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures])) : null;
    const track = this.trackRunningStats;
    this.registerBuffer("running_mean", track ? zeros([numFeatures]) : null);
    this.registerBuffer("running_var", track ? ones([numFeatures]) : null);
    this.registerBuffer("num_batches_tracked", track ? zeros([], { dtype: "int32" }) : null);
  }

  /** Throws unless x has a rank this layer accepts. */
  protected abstract checkInput(x: Tensor): void;

  resetRunningStats(): void {
    noGrad(() => {
      if (this.running_mean) fill_(this.running_mean, 0);
      if (this.running_var) fill_(this.running_var, 1);
      if (this.num_batches_tracked) fill_(this.num_batches_tracked, 0);
    });
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    // The update weight for this batch: momentum, or 1/n for the cumulative average over n batches.
    let factor = this.momentum ?? 0;
    if (this.training && this.num_batches_tracked) {
      const n = this.num_batches_tracked.item() + 1;
      noGrad(() => fill_(this.num_batches_tracked!, n));
      if (this.momentum === null) factor = 1 / n;
    }
    // Batch statistics in training, and in eval too when no running statistics are kept.
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    return batchNorm(x, this.running_mean, this.running_var, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch normalisation over [N, C] or [N, C, L], per channel C. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`BatchNorm1d: expected 2-d or 3-d input, got input of shape ${fmtShape(x.shape)}`);
  }
}

/** Batch normalisation over [N, C, H, W], per channel C. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4-d input, got input of shape ${fmtShape(x.shape)}`);
  }
}

export interface LayerNormOptions {
  eps?: number;
  /** Learnable weight (and bias) of normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also learn a bias (default true). */
  bias?: boolean;
}

/** Normalises over the trailing dims normalizedShape of each sample, as transformers use. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : Array.from(normalizedShape);
    this.normalizedShape = ntupleMin(shape, shape.length, 0, "LayerNorm", "normalizedShape");
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? new Parameter(ones(this.normalizedShape)) : null;
    this.bias = this.elementwiseAffine && (opts.bias ?? true) ? new Parameter(zeros(this.normalizedShape)) : null;
  }

  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${fmtArg(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

export interface GroupNormOptions {
  eps?: number;
  /** Learnable per-channel weight and bias (default true). */
  affine?: boolean;
}

/** Normalises [N, C, ...] over groups of numChannels / numGroups channels (and all spatial dims). */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, opts: GroupNormOptions = {}) {
    super();
    checkInt("GroupNorm", "numGroups", numGroups, 1);
    checkInt("GroupNorm", "numChannels", numChannels);
    if (numChannels % numGroups !== 0) throw new RangeError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    this.weight = this.affine ? new Parameter(ones([numChannels])) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels])) : null;
  }

  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
