import { zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ParamGroup, type ParamGroupInput, type ParamState, Optimizer, stateData } from "./optimizer.js";
import { checkNonNegative, withDefaults } from "./util.js";

export interface RMSpropConfig {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export type RMSpropOptions = Partial<RMSpropConfig>;

/**
 * RMSprop as torch.optim.RMSprop: divides the gradient by the root of a running mean of its
 * square (minus the squared running mean of the gradient when centered), eps added after
 * the root, with optional momentum and L2 weight decay.
 */
export class RMSprop extends Optimizer<RMSpropConfig> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<RMSpropConfig>>, options: RMSpropOptions = {}) {
    const defaults = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };
    super(params, withDefaults("RMSprop", options, defaults));
  }

  protected override checkGroup(group: ParamGroup<RMSpropConfig>): void {
    super.checkGroup(group);
    for (const key of ["alpha", "eps", "weightDecay", "momentum"] as const) checkNonNegative(this.name, key, group[key]);
  }

  protected update(param: Tensor, p: Float32Array, g: Float32Array, group: ParamGroup<RMSpropConfig>, state: ParamState): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = group;
    if (state.step === undefined) {
      state.step = 0;
      state.square_avg = zeros(param.shape);
    }
    // Created on first use, so a momentum switched on later (e.g. by OneCycleLR) still works.
    if (momentum > 0 && !state.momentum_buffer) state.momentum_buffer = zeros(param.shape);
    if (centered && !state.grad_avg) state.grad_avg = zeros(param.shape);
    state.step = (state.step as number) + 1;
    const sq = stateData(state, "square_avg");
    const gAvg = centered ? stateData(state, "grad_avg") : null;
    const buf = momentum > 0 ? stateData(state, "momentum_buffer") : null;
    for (let i = 0; i < p.length; i++) {
      const gi = weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
      let avg: number;
      if (gAvg) {
        gAvg[i] = alpha * gAvg[i] + (1 - alpha) * gi;
        avg = Math.sqrt(sq[i] - gAvg[i] * gAvg[i]) + eps;
      } else {
        avg = Math.sqrt(sq[i]) + eps;
      }
      if (buf) {
        buf[i] = momentum * buf[i] + gi / avg;
        p[i] -= lr * buf[i];
      } else {
        p[i] -= (lr * gi) / avg;
      }
    }
  }
}
