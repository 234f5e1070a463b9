import { linear } from "../ops/functional.js";
import { empty } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkInt } from "./args.js";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

/** Returns its input unchanged: a placeholder where a layer is optional. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

export interface LinearOptions {
  bias?: boolean;
}

/** y = x·Wᵀ + b over the last dim, with weight [outFeatures, inFeatures] as PyTorch. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkInt("Linear", "inFeatures", inFeatures);
    checkInt("Linear", "outFeatures", outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(empty([outFeatures, inFeatures]));
    this.bias = opts.bias ?? true ? new Parameter(empty([outFeatures])) : null;
    this.resetParameters();
  }

  /** PyTorch's default: weight U(-1/√inFeatures, 1/√inFeatures) via kaiming-uniform with a = √5, bias the same range. */
  resetParameters(): void {
    resetAffine(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** The initialisation Linear and the conv layers share. */
export function resetAffine(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
