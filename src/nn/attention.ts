import {
  dropout, linear, maskedFill, matmul, mean, mul, add, narrow, permute, reshape, softmax, squeeze, transpose, unsqueeze,
} from "../ops/functional.js";
import { empty, zeros } from "../tensor/creation.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { checkInt, checkProbability } from "./args.js";
import { constant_, xavierUniform_ } from "./init.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in train mode (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Inputs and outputs are [N, L, E] instead of the default [L, N, E]. */
  batchFirst?: boolean;
}

export interface MultiheadAttentionForwardOptions {
  /** Bool [N, S]: true marks key positions (padding) that no query may attend to. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights as well (default true). */
  needWeights?: boolean;
  /**
   * [L, S] or [N·numHeads, L, S]: bool with true where attention is NOT allowed (this
   * module's convention, unlike scaledDotProductAttention's), or float added to the scores.
   */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads ([N, L, S]) rather than per head ([N, H, L, S]); default true. */
  averageAttnWeights?: boolean;
  /**
   * Mask future positions (query i sees keys j ≤ i) without building attnMask. When attnMask
   * is given it is used instead: PyTorch treats isCausal as a hint that attnMask is causal.
   */
  isCausal?: boolean;
}

/**
 * Multi-head attention as torch.nn.MultiheadAttention (query, key and value of size
 * embedDim): the inputs are projected by one packed in_proj_weight [3E, E], attended per
 * head with scaled dot products, and projected back by out_proj. Its parameters have
 * PyTorch's names and initialisation, so its stateDict loads both ways.
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  in_proj_weight: Parameter;
  in_proj_bias: Parameter | null;
  out_proj: Linear;

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    checkInt("MultiheadAttention", "embedDim", embedDim, 1);
    checkInt("MultiheadAttention", "numHeads", numHeads, 1);
    if (embedDim % numHeads !== 0) throw new RangeError(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.dropout = opts.dropout ?? 0;
    checkProbability("MultiheadAttention", "dropout", this.dropout);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.batchFirst = opts.batchFirst ?? false;
    const bias = opts.bias ?? true;
    this.in_proj_weight = new Parameter(empty([3 * embedDim, embedDim]));
    this.in_proj_bias = bias ? new Parameter(zeros([3 * embedDim])) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias });
    this.resetParameters();
  }

  /** PyTorch's default: xavier-uniform packed projection, zero biases; out_proj keeps Linear's weight init. */
  resetParameters(): void {
    xavierUniform_(this.in_proj_weight);
    if (this.in_proj_bias) constant_(this.in_proj_bias, 0);
    if (this.out_proj.bias) constant_(this.out_proj.bias, 0);
  }

  /**
   * Attends query [L, N, E] to key and value [S, N, E] ([N, L, E] with batchFirst, or
   * unbatched [L, E]). Returns the output, shaped as query, and the attention weights (null
   * unless needWeights).
   */
  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const op = "MultiheadAttention";
    const E = this.embedDim;
    const H = this.numHeads;
    const unbatched = query.ndim === 2;
    const rank = unbatched ? 2 : 3;
    if (query.ndim !== rank || key.ndim !== rank || value.ndim !== rank) {
      throw new RangeError(`${op}: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must all be 3-d (or all 2-d, unbatched)`);
    }
    // Work batch-first: [N, L, E].
    const toBatchFirst = (t: Tensor) => (unbatched ? unsqueeze(t, 0) : this.batchFirst ? t : transpose(t, 0, 1));
    const q = toBatchFirst(query);
    const k = toBatchFirst(key);
    const v = toBatchFirst(value);
    const [N, L] = q.shape;
    const S = k.shape[1];
    if (q.shape[2] !== E || k.shape[2] !== E || v.shape[2] !== E || k.shape[0] !== N || v.shape[0] !== N || v.shape[1] !== S) {
      throw new RangeError(`${op}: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} do not fit embedDim ${E} with matching batch and key/value lengths`);
    }

    // Project with the three [E, E] blocks of the packed weight, then split the heads: [N, H, len, headDim].
    const project = (x: Tensor, i: number, len: number) => {
      const w = narrow(this.in_proj_weight, 0, i * E, E);
      const b = this.in_proj_bias ? narrow(this.in_proj_bias, 0, i * E, E) : null;
      return permute(reshape(linear(x, w, b), [N, len, H, this.headDim]), [0, 2, 1, 3]);
    };
    const qh = project(q, 0, L);
    const kh = project(k, 1, S);
    const vh = project(v, 2, S);

    let scores = matmul(mul(qh, 1 / Math.sqrt(this.headDim)), transpose(kh, -2, -1)); // [N, H, L, S]
    const attnMask = opts.isCausal && !opts.attnMask ? causalMask(L, S) : opts.attnMask ?? null;
    if (attnMask) {
      const m = this.#checkAttnMask(attnMask, N, L, S);
      scores = m.dtype === "bool" ? maskedFill(scores, m, -Infinity) : add(scores, m);
    }
    if (opts.keyPaddingMask) {
      const kpm = opts.keyPaddingMask;
      const expected = unbatched ? [S] : [N, S];
      if (kpm.dtype !== "bool" || !shapesEqual(kpm.shape, expected)) {
        throw new RangeError(`${op}: keyPaddingMask must be bool of shape ${fmtShape(expected)}, got ${kpm.dtype} of shape ${fmtShape(kpm.shape)}`);
      }
      scores = maskedFill(scores, reshape(kpm, [N, 1, 1, S]), -Infinity);
    }
    let attn = softmax(scores, -1);
    if (this.training && this.dropout > 0) attn = dropout(attn, { p: this.dropout });

    const merged = reshape(permute(matmul(attn, vh), [0, 2, 1, 3]), [N, L, E]);
    const out = this.out_proj.forward(merged);
    const output = unbatched ? squeeze(out, 0) : this.batchFirst ? out : transpose(out, 0, 1);
    if (!(opts.needWeights ?? true)) return [output, null];
    const weights = opts.averageAttnWeights ?? true ? mean(attn, 1) : attn;
    return [output, unbatched ? squeeze(weights, 0) : weights];
  }

  /** The attention mask as something that broadcasts to the scores [N, H, L, S]. */
  #checkAttnMask(m: Tensor, N: number, L: number, S: number): Tensor {
    if (m.dtype !== "bool" && m.dtype !== "float32") throw new TypeError(`MultiheadAttention: attnMask must be bool or float32, got ${m.dtype}`);
    if (m.ndim === 2 && shapesEqual(m.shape, [L, S])) return m;
    if (m.ndim === 3 && shapesEqual(m.shape, [N * this.numHeads, L, S])) return reshape(m, [N, this.numHeads, L, S]);
    throw new RangeError(`MultiheadAttention: attnMask of shape ${fmtShape(m.shape)} must be ${fmtShape([L, S])} or ${fmtShape([N * this.numHeads, L, S])}`);
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, dropout=${this.dropout}, batchFirst=${this.batchFirst}`;
  }
}

/** [L, S] bool, true above the diagonal: the positions a causal query may not see. */
function causalMask(L: number, S: number): Tensor {
  const m = new Uint8Array(L * S);
  for (let i = 0; i < L; i++) m.fill(1, i * S + Math.min(i + 1, S), (i + 1) * S);
  return new Tensor(m, [L, S]);
}
