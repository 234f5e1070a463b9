import { Dropout, Module } from "../nn/index.js";
import { narrow, reshape, scaledDotProductAttention, select, transpose } from "../ops/functional.js";
import { Tensor } from "../tensor/tensor.js";
import type { GPTConfig } from "./config.js";
import type { LayerKV } from "./kv_cache.js";
import { Conv1D } from "./layers.js";

/**
 * Causal multi-head self-attention with GPT-2's parameter names: c_attn projects to the
 * queries, keys and values at once ([C] → [3C]), c_proj projects the heads' output back.
 */
export class CausalSelfAttention extends Module {
  readonly nHead: number;
  /** Dropout probability on the attention weights (train mode only). */
  readonly attnDropout: number;
  c_attn: Conv1D;
  c_proj: Conv1D;
  resid_dropout: Dropout;

  constructor(config: GPTConfig) {
    super();
    this.nHead = config.nHead;
    this.attnDropout = config.dropout;
    this.c_attn = new Conv1D(config.nEmbd, 3 * config.nEmbd, { bias: config.bias });
    this.c_proj = new Conv1D(config.nEmbd, config.nEmbd, { bias: config.bias });
    this.resid_dropout = new Dropout(config.dropout);
  }

  /**
   * x [B, T, C] → [B, T, C]. With `cache`, x holds the positions after the cached ones: its
   * keys and values are appended to the cache and its queries attend to all of them. With
   * `lastOnly`, only the last position's output is computed ([B, 1, C]); every position
   * still contributes its key and value.
   */
  forward(x: Tensor, cache?: LayerKV, lastOnly = false): Tensor {
    const [B, T, C] = x.shape;
    // [B, T, 3C] read as [B, T, 3, nHead, headDim]: q, k and v per head are views, not copies.
    const qkv = reshape(this.c_attn.forward(x), [B, T, 3, this.nHead, C / this.nHead]);
    let [q, k, v] = [0, 1, 2].map((i) => transpose(select(qkv, 2, i), 1, 2));
    const past = cache ? cache.length : 0;
    const [keys, values] = cache ? cache.append(k, v) : [k, v];
    const rows = lastOnly ? 1 : T;
    if (lastOnly) q = narrow(q, 2, T - 1, 1);
    const dropoutP = this.training ? this.attnDropout : 0;
    // Query i sits at position past + T - rows + i: the causal mask is aligned to the bottom right.
    const y = scaledDotProductAttention(q, keys, values, { isCausal: true, causalOffset: past + T - rows, dropoutP });
    // y is stored as [B, rows, nHead, headDim] (see scaledDotProductAttention), so this reshape is free.
    return this.resid_dropout.forward(this.c_proj.forward(reshape(transpose(y, 1, 2), [B, rows, C])));
  }
}
