import { K } from "../backend/index.js";
import { zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ParamGroup, type ParamGroupInput, type ParamState, Optimizer, stateData } from "./optimizer.js";
import { checkNonNegative, withDefaults } from "./util.js";

export interface AdamConfig {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export type AdamOptions = Partial<AdamConfig>;

/**
 * Adam (Kingma & Ba, 2015) exactly as torch.optim.Adam: bias-corrected first and second
 * moment estimates, eps added to the corrected root, optional AMSGrad, and weight decay
 * as an L2 term added to the gradient.
 */
export class Adam extends Optimizer<AdamConfig> {
  /** AdamW's decoupled weight decay: shrink the parameter instead of adding to the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamConfig>>, options: AdamOptions = {}) {
    const defaults: AdamConfig = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };
    super(params, withDefaults(new.target.name, options, defaults));
  }

  protected override checkGroup(group: ParamGroup<AdamConfig>): void {
    super.checkGroup(group);
    checkNonNegative(this.name, "eps", group.eps);
    checkNonNegative(this.name, "weightDecay", group.weightDecay);
    const b = group.betas;
    if (!Array.isArray(b) || b.length !== 2 || !b.every((x) => typeof x === "number" && x >= 0 && x < 1)) {
      throw new RangeError(`${this.name}: betas must be two numbers in [0, 1), got ${JSON.stringify(b)}`);
    }
  }

  protected update(param: Tensor, p: Float32Array, g: Float32Array, group: ParamGroup<AdamConfig>, state: ParamState): void {
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = zeros(param.shape);
      state.exp_avg_sq = zeros(param.shape);
    }
    // Created on first use, so a group switched to AMSGrad later (or by loadStateDict) still works.
    if (group.amsgrad && !state.max_exp_avg_sq) state.max_exp_avg_sq = zeros(param.shape);
    const step = (state.step as number) + 1;
    state.step = step;
    const vMax = group.amsgrad ? stateData(state, "max_exp_avg_sq") : null;
    K.adamStep(p, g, stateData(state, "exp_avg"), stateData(state, "exp_avg_sq"), vMax, group.lr,
      group.betas[0], group.betas[1], group.eps, group.weightDecay, this.decoupled, step);
  }
}

/**
 * AdamW (Loshchilov & Hutter, 2019) as torch.optim.AdamW: Adam whose weight decay (default
 * 1e-2) multiplies the parameter by (1 - lr·weightDecay) instead of entering the gradient.
 */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamConfig>>, options: AdamOptions = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 1e-2 });
  }
}
