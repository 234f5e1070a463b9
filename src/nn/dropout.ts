import { dropout } from "../ops/functional.js";
import type { Generator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkProbability } from "./args.js";
import { Module } from "./module.js";

export interface DropoutOptions {
  /** Source of the masks; the default generator (manualSeed) when omitted. */
  generator?: Generator;
}

/**
 * Zeroes each element with probability p in train mode and scales the rest by 1/(1-p);
 * the identity in eval mode.
 */
export class Dropout extends Module {
  readonly p: number;
  readonly generator: Generator | undefined;

  constructor(p = 0.5, opts: DropoutOptions = {}) {
    super();
    checkProbability("Dropout", "p", p);
    this.p = p;
    this.generator = opts.generator;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training, generator: this.generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
