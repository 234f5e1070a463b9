import { noGrad } from "../autograd/grad_mode.js";
import { embedding, fill_, select } from "../ops/functional.js";
import { empty } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkInt } from "./args.js";
import { normal_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

export interface EmbeddingOptions {
  /** This row stays zero at initialisation and gets no gradient (negative counts from the end). */
  paddingIdx?: number | null;
}

/** A lookup table: int32 indices of any shape → rows of weight [numEmbeddings, embeddingDim]. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** Normalised to [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    checkInt("Embedding", "numEmbeddings", numEmbeddings);
    checkInt("Embedding", "embeddingDim", embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    const pad = opts.paddingIdx ?? null;
    if (pad !== null && (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings)) {
      throw new RangeError(`Embedding: paddingIdx ${pad} must be within [${-numEmbeddings}, ${numEmbeddings - 1}]`);
    }
    this.paddingIdx = pad !== null && pad < 0 ? pad + numEmbeddings : pad;
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  /** PyTorch's default: N(0, 1), with the padding row zeroed. */
  resetParameters(): void {
    normal_(this.weight);
    const pad = this.paddingIdx;
    if (pad !== null) noGrad(() => fill_(select(this.weight, 0, pad), 0));
  }

  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, paddingIdx=${this.paddingIdx}`;
    return s;
  }
}
