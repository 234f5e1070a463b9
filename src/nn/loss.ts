import {
  type BceWithLogitsOptions, type BinaryCrossEntropyOptions, type CrossEntropyOptions, type KlDivOptions, type NllLossOptions,
  type Reduction, type ReductionOptions,
  binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, klDiv, l1Loss, mseLoss, nllLoss, smoothL1Loss,
} from "../ops/functional.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

/**
 * Loss layers: each holds its functional loss's options and computes forward(input, target).
 * As in PyTorch, class and positive weights are (persistent) buffers, so they appear in
 * stateDict() as `weight` and `pos_weight`.
 */
abstract class Loss<R extends string = Reduction> extends Module {
  readonly reduction: R;

  constructor(reduction: R | undefined, allowed: readonly R[]) {
    super();
    const r = reduction ?? ("mean" as R);
    if (!allowed.includes(r)) {
      throw new TypeError(`${this.constructor.name}: reduction must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(reduction)}`);
    }
    this.reduction = r;
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

const REDUCTIONS: readonly Reduction[] = ["mean", "sum", "none"];

/** Cross-entropy of logits against class indices (int32) or class probabilities (float32). */
export class CrossEntropyLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(opts: CrossEntropyOptions = {}) {
    super(opts.reduction, REDUCTIONS);
    this.registerBuffer("weight", opts.weight ?? null);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing,
    });
  }
}

/** Negative log-likelihood of log-probabilities (e.g. LogSoftmax's output) at int32 class indices. */
export class NLLLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;

  constructor(opts: NllLossOptions = {}) {
    super(opts.reduction, REDUCTIONS);
    this.registerBuffer("weight", opts.weight ?? null);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** Binary cross-entropy of probabilities (e.g. Sigmoid's output). */
export class BCELoss extends Loss {
  declare weight: Tensor | null;

  constructor(opts: BinaryCrossEntropyOptions = {}) {
    super(opts.reduction, REDUCTIONS);
    this.registerBuffer("weight", opts.weight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** Binary cross-entropy of logits: Sigmoid and BCELoss in one numerically stable step. */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;

  constructor(opts: BceWithLogitsOptions = {}) {
    super(opts.reduction, REDUCTIONS);
    this.registerBuffer("weight", opts.weight ?? null);
    this.registerBuffer("pos_weight", opts.posWeight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}

export class MSELoss extends Loss {
  constructor(opts: ReductionOptions = {}) {
    super(opts.reduction, REDUCTIONS);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

export class L1Loss extends Loss {
  constructor(opts: ReductionOptions = {}) {
    super(opts.reduction, REDUCTIONS);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Quadratic below beta, linear above (Fast R-CNN's box loss). */
export class SmoothL1Loss extends Loss {
  readonly beta: number;

  constructor(opts: ReductionOptions & { beta?: number } = {}) {
    super(opts.reduction, REDUCTIONS);
    this.beta = opts.beta ?? 1;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Quadratic below delta, linear with slope delta above: SmoothL1Loss scaled by delta. */
export class HuberLoss extends Loss {
  readonly delta: number;

  constructor(opts: ReductionOptions & { delta?: number } = {}) {
    super(opts.reduction, REDUCTIONS);
    this.delta = opts.delta ?? 1;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** KL divergence of log-probabilities `input` from `target`; reduction "batchmean" gives the true KL. */
export class KLDivLoss extends Loss<Reduction | "batchmean"> {
  readonly logTarget: boolean;

  constructor(opts: KlDivOptions = {}) {
    super(opts.reduction, [...REDUCTIONS, "batchmean"]);
    this.logTarget = opts.logTarget ?? false;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}
