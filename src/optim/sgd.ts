import { K } from "../backend/index.js";
import { zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ParamGroup, type ParamGroupInput, type ParamState, Optimizer, stateData } from "./optimizer.js";
import { checkNonNegative, withDefaults } from "./util.js";

export interface SGDConfig {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/** SGD's options; lr has no default and must be given here or by every param group. */
export type SGDOptions = Partial<SGDConfig>;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2
 * weight decay, as torch.optim.SGD. The momentum buffer starts as the first gradient.
 */
export class SGD extends Optimizer<SGDConfig> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<SGDConfig>>, options: SGDOptions) {
    // lr: undefined makes lr a known option without a default; checkGroup rejects a group left without one.
    const defaults = { lr: undefined as unknown as number, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
    super(params, withDefaults("SGD", options ?? {}, defaults));
  }

  protected override checkGroup(group: ParamGroup<SGDConfig>): void {
    super.checkGroup(group);
    checkNonNegative(this.name, "momentum", group.momentum);
    checkNonNegative(this.name, "weightDecay", group.weightDecay);
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) {
      throw new RangeError(`${this.name}: Nesterov momentum requires a momentum > 0 and zero dampening`);
    }
  }

  protected update(param: Tensor, p: Float32Array, g: Float32Array, group: ParamGroup<SGDConfig>, state: ParamState): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = group;
    let firstStep = false;
    if (momentum !== 0 && !state.momentum_buffer) {
      state.momentum_buffer = zeros(param.shape);
      firstStep = true;
    }
    const buf = momentum !== 0 ? stateData(state, "momentum_buffer") : null;
    K.sgdStep(p, g, buf, lr, momentum, dampening, weightDecay, nesterov, firstStep);
  }
}
