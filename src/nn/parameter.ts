import { Tensor } from "../tensor/tensor.js";

/**
 * A tensor that is part of a module's learnable state. Assigning one to a Module field
 * registers it, so it appears in parameters() and stateDict(). Like torch.nn.Parameter it
 * shares the given tensor's storage (no copy) and is always a leaf.
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data.data, data.shape, data.strides, data.offset);
    this.requiresGrad = requiresGrad;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
