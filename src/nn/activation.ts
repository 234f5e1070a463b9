import { gelu, leakyRelu, logSoftmax, relu, sigmoid, silu, softmax, tanh } from "../ops/functional.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { fmtArg } from "./repr.js";

/** Stateless activation layers: each forwards to the functional op of the same name. */

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

export interface GELUOptions {
  /** "tanh" selects the tanh approximation (GPT-2's); default "none", the exact erf form. */
  approximate?: "none" | "tanh";
}

export class GELU extends Module {
  readonly approximate: "none" | "tanh";

  constructor(opts: GELUOptions = {}) {
    super();
    this.approximate = opts.approximate ?? "none";
    if (this.approximate !== "none" && this.approximate !== "tanh") {
      throw new TypeError(`GELU: approximate must be "none" or "tanh", got ${JSON.stringify(this.approximate)}`);
    }
  }

  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate=${fmtArg(this.approximate)}`;
  }
}

export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Softmax along `dim` (required: PyTorch's implicit-dim guess is deprecated). */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
