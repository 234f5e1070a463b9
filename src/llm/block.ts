import { Dropout, LayerNorm, Module } from "../nn/index.js";
import { add, gelu, narrow } from "../ops/functional.js";
import type { Tensor } from "../tensor/tensor.js";
import { CausalSelfAttention } from "./attention.js";
import type { GPTConfig } from "./config.js";
import type { LayerKV } from "./kv_cache.js";
import { Conv1D } from "./layers.js";

/** The feed-forward half of a block: c_fc [C → mlpRatio·C], GELU, c_proj back to C. */
export class MLP extends Module {
  readonly approximate: "none" | "tanh";
  c_fc: Conv1D;
  c_proj: Conv1D;
  dropout: Dropout;

  constructor(config: GPTConfig) {
    super();
    const hidden = config.mlpRatio * config.nEmbd;
    this.approximate = config.activation === "geluTanh" ? "tanh" : "none";
    this.c_fc = new Conv1D(config.nEmbd, hidden, { bias: config.bias });
    this.c_proj = new Conv1D(hidden, config.nEmbd, { bias: config.bias });
    this.dropout = new Dropout(config.dropout);
  }

  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(gelu(this.c_fc.forward(x), { approximate: this.approximate })));
  }
}

/** A pre-LayerNorm transformer block: x += attn(ln_1(x)); x += mlp(ln_2(x)). */
export class Block extends Module {
  ln_1: LayerNorm;
  attn: CausalSelfAttention;
  ln_2: LayerNorm;
  mlp: MLP;

  constructor(config: GPTConfig) {
    super();
    const ln = { eps: config.layerNormEps, bias: config.bias };
    this.ln_1 = new LayerNorm(config.nEmbd, ln);
    this.attn = new CausalSelfAttention(config);
    this.ln_2 = new LayerNorm(config.nEmbd, ln);
    this.mlp = new MLP(config);
  }

  /** With `lastOnly`, the output is the last position's only ([B, 1, C]): the rest of a last block is dead work. */
  forward(x: Tensor, cache?: LayerKV, lastOnly = false): Tensor {
    const attended = this.attn.forward(this.ln_1.forward(x), cache, lastOnly);
    if (lastOnly) x = narrow(x, 1, x.shape[1] - 1, 1);
    x = add(x, attended);
    return add(x, this.mlp.forward(this.ln_2.forward(x)));
  }
}
