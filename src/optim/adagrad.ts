import { full } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ParamGroup, type ParamGroupInput, type ParamState, Optimizer, stateData } from "./optimizer.js";
import { checkNonNegative, withDefaults } from "./util.js";

export interface AdagradConfig {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

export type AdagradOptions = Partial<AdagradConfig>;

/**
 * Adagrad as torch.optim.Adagrad: divides the gradient by the root of the running sum of its
 * squares (started at initialAccumulatorValue), with lr decayed as lr / (1 + (step-1)·lrDecay).
 */
export class Adagrad extends Optimizer<AdagradConfig> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdagradConfig>>, options: AdagradOptions = {}) {
    const defaults = { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false };
    super(params, withDefaults("Adagrad", options, defaults));
  }

  protected override checkGroup(group: ParamGroup<AdagradConfig>): void {
    super.checkGroup(group);
    for (const key of ["lrDecay", "weightDecay", "initialAccumulatorValue", "eps"] as const) {
      checkNonNegative(this.name, key, group[key]);
    }
  }

  protected update(param: Tensor, p: Float32Array, g: Float32Array, group: ParamGroup<AdagradConfig>, state: ParamState): void {
    const { lr, lrDecay, weightDecay, eps } = group;
    if (state.step === undefined) {
      state.step = 0;
      state.sum = full(param.shape, group.initialAccumulatorValue);
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const clr = lr / (1 + (step - 1) * lrDecay);
    const sum = stateData(state, "sum");
    for (let i = 0; i < p.length; i++) {
      const gi = weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i];
      sum[i] += gi * gi;
      p[i] -= (clr * gi) / (Math.sqrt(sum[i]) + eps);
    }
  }
}
