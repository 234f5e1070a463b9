/**
 * The layers GPT is built from, where nn's will not do: Hugging Face's Conv1D, and Embedding
 * and Linear without their default initialisation.
 *
 * GPT initialises every weight itself (nanoGPT's scheme) or loads it from a checkpoint, so
 * the layers' own default initialisation would only be thrown away — and for GPT-2's
 * 50257 × 768 embedding, drawing those normals takes seconds.
 */
import { addmm, matmul, reshape } from "../ops/functional.js";
import { checkInt } from "../nn/args.js";
import { Embedding as NNEmbedding, Linear as NNLinear, Module, Parameter } from "../nn/index.js";
import { zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * Hugging Face's Conv1D: y = x·W + b over the last dim with weight [in, out] — the transpose
 * of nn.Linear's [out, in]. GPT uses it so that its state dict is a GPT-2 checkpoint's, key
 * for key and shape for shape, with no transposing on load or save. Weights start at zero;
 * GPT initialises them.
 */
export class Conv1D extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    checkInt("Conv1D", "inFeatures", inFeatures);
    checkInt("Conv1D", "outFeatures", outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(zeros([inFeatures, outFeatures]));
    this.bias = opts.bias ?? true ? new Parameter(zeros([outFeatures])) : null;
  }

  forward(x: Tensor): Tensor {
    // All leading dims as rows of one GEMM: the weight is read in its stored order, never copied.
    const rows = reshape(x, [-1, this.inFeatures]);
    const y = this.bias ? addmm(this.bias, rows, this.weight) : matmul(rows, this.weight);
    return reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** nn.Embedding whose weight starts at zero (see the file comment). */
export class Embedding extends NNEmbedding {
  override resetParameters(): void {}
}

/** nn.Linear whose weight starts at zero (see the file comment). */
export class Linear extends NNLinear {
  override resetParameters(): void {}
}
