import { Dropout, LayerNorm, Module, ModuleList } from "../nn/index.js";
import { normal_, zeros_ } from "../nn/init.js";
import { add, crossEntropy, reshape } from "../ops/functional.js";
import { arange } from "../tensor/creation.js";
import { defaultGenerator, Generator } from "../tensor/random.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Block } from "./block.js";
import { type GPTConfig, type GPTConfigInit, gptConfig } from "./config.js";
import { canInfer, inferLogits } from "./infer.js";
import { KVCache } from "./kv_cache.js";
import { Conv1D, Embedding, Linear } from "./layers.js";

export interface GPTOptions {
  /** Seed for the initial weights; without it (and without `generator`) the default generator (manualSeed) is used. */
  seed?: number;
  generator?: Generator;
  /** Leave the weights at zero (LayerNorm scales at one), for a loader that overwrites every one of them. */
  skipInit?: boolean;
}

export interface LogitsOptions {
  /** Continue the sequences this cache holds: positions start at cache.length, and the new keys and values are appended. */
  cache?: KVCache | null;
  /**
   * Logits for the last position only ([B, 1, vocab]), which is all sampling needs: the last
   * block and the head then skip the other positions (their keys and values are still cached).
   */
  lastOnly?: boolean;
}

/** The body, under GPT-2's module names: embeddings, blocks h.0 … h.{n-1}, final LayerNorm. */
export class GPTTransformer extends Module {
  wte: Embedding;
  wpe: Embedding;
  drop: Dropout;
  h: ModuleList;
  ln_f: LayerNorm;

  constructor(config: GPTConfig) {
    super();
    this.wte = new Embedding(config.vocabSize, config.nEmbd);
    this.wpe = new Embedding(config.blockSize, config.nEmbd);
    this.drop = new Dropout(config.dropout);
    this.h = new ModuleList(Array.from({ length: config.nLayer }, () => new Block(config)));
    this.ln_f = new LayerNorm(config.nEmbd, { eps: config.layerNormEps, bias: config.bias });
  }

  /**
   * ids [B, T] at positions past … past+T-1 → hidden states [B, T, C] after ln_f, or with
   * `lastOnly` the last position's [B, 1, C] (the last block then skips the other rows).
   */
  forward(ids: Tensor, cache?: KVCache | null, lastOnly = false): Tensor {
    const past = cache ? cache.length : 0;
    const pos = arange(past, past + ids.shape[1], 1, { dtype: "int32" });
    let x = this.drop.forward(add(this.wte.forward(ids), this.wpe.forward(pos)));
    const n = this.h.length;
    for (let i = 0; i < n; i++) x = (this.h.get(i) as Block).forward(x, cache?.layers[i], lastOnly && i === n - 1);
    return this.ln_f.forward(x);
  }
}

/**
 * A GPT-2-style decoder-only transformer: token + learned position embeddings, pre-LayerNorm
 * blocks of causal self-attention and a GELU MLP, a final LayerNorm and an LM head without
 * bias, tied to the token embedding or not.
 *
 * Parameter names and shapes are Hugging Face GPT-2's (transformer.h.0.attn.c_attn.weight in
 * its Conv1D [in, out] layout, …; see layers.ts), so stateDict() is a GPT-2 checkpoint as is.
 * A tied head appears in stateDict() as lm_head.weight too, sharing wte's storage, as in
 * PyTorch. New weights follow nanoGPT: N(0, 0.02), the residual projections (c_proj)
 * N(0, 0.02/√(2·nLayer)), biases zero, LayerNorms one and zero.
 */
export class GPT extends Module {
  readonly config: GPTConfig;
  transformer: GPTTransformer;
  lm_head: Linear;

  constructor(config: GPTConfigInit, opts: GPTOptions = {}) {
    super();
    this.config = gptConfig(config);
    this.transformer = new GPTTransformer(this.config);
    this.lm_head = new Linear(this.config.nEmbd, this.config.vocabSize, { bias: false });
    if (this.config.tiedEmbeddings) this.lm_head.weight = this.transformer.wte.weight;
    if (!opts.skipInit) this.initWeights(opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : defaultGenerator));
  }

  /** nanoGPT's initialisation (see the class comment), drawn from `generator`. */
  initWeights(generator: Generator = defaultGenerator): void {
    const std = 0.02;
    const residualStd = std / Math.sqrt(2 * this.config.nLayer);
    const done = new Set<Tensor>();
    for (const [name, m] of this.namedModules()) {
      if (m instanceof LayerNorm) m.resetParameters();
      if (!(m instanceof Conv1D || m instanceof Linear || m instanceof Embedding) || done.has(m.weight)) continue;
      done.add(m.weight);
      normal_(m.weight, 0, name.endsWith("c_proj") ? residualStd : std, { generator });
      if ("bias" in m && m.bias) zeros_(m.bias);
    }
  }

  /** ids int32 [B, T] (T <= blockSize) → logits [B, T, vocab]. */
  forward(ids: Tensor): Tensor;
  /** With next-token targets int32 [B, T]: also the mean cross-entropy (targets of -100 are ignored). */
  forward(ids: Tensor, targets: Tensor): { logits: Tensor; loss: Tensor };
  forward(ids: Tensor, targets?: Tensor | null): Tensor | { logits: Tensor; loss: Tensor } {
    const logits = this.logits(ids);
    if (targets === undefined || targets === null) return logits;
    if (!(targets instanceof Tensor) || targets.dtype !== "int32" || !shapesEqual(targets.shape, ids.shape)) {
      const got = targets instanceof Tensor ? `${targets.dtype} of shape ${fmtShape(targets.shape)}` : typeof targets;
      throw new TypeError(`GPT: targets must be int32 of the ids' shape ${fmtShape(ids.shape)}, got ${got}`);
    }
    const V = this.config.vocabSize;
    return { logits, loss: crossEntropy(reshape(logits, [-1, V]), reshape(targets, [-1])) };
  }

  /**
   * The inference path: logits for `ids`, optionally continuing a KV cache and for the last
   * position only. Without gradients and with dropout off it runs infer.ts's kernel-level
   * forward pass (the same numbers, without the per-op overhead).
   */
  logits(ids: Tensor, opts: LogitsOptions = {}): Tensor {
    const cache = opts.cache ?? null;
    this.#checkIds(ids, cache);
    if (canInfer(this)) return inferLogits(this, ids, cache, opts.lastOnly ?? false);
    return this.lm_head.forward(this.transformer.forward(ids, cache, opts.lastOnly));
  }

  /** An empty KV cache for this model's layers and context length. */
  createCache(): KVCache {
    return new KVCache(this.config.nLayer, this.config.blockSize);
  }

  #checkIds(ids: Tensor, cache: KVCache | null): void {
    if (!(ids instanceof Tensor)) throw new TypeError(`GPT: ids must be an int32 Tensor [B, T], got ${typeof ids}`);
    if (ids.dtype !== "int32") throw new TypeError(`GPT: ids must be int32 token ids, got ${ids.dtype} of shape ${fmtShape(ids.shape)}`);
    if (ids.ndim !== 2 || ids.shape[0] === 0 || ids.shape[1] === 0) {
      throw new RangeError(`GPT: ids of shape ${fmtShape(ids.shape)} must be [B, T] with B, T >= 1`);
    }
    const { blockSize, vocabSize, nLayer } = this.config;
    const [B, T] = ids.shape;
    const past = cache ? cache.length : 0;
    if (cache) {
      if (cache.layers.length !== nLayer || cache.maxLength !== blockSize) {
        throw new RangeError(`GPT: the KV cache was made for ${cache.layers.length} layers and ${cache.maxLength} positions, the model has ${nLayer} and ${blockSize}`);
      }
      if (cache.batchSize !== null && cache.batchSize !== B) throw new RangeError(`GPT: ids of shape ${fmtShape(ids.shape)} do not continue the KV cache's ${cache.batchSize} rows`);
    }
    if (past + T > blockSize) {
      const what = past ? `${T} positions after the ${past} cached ones` : `a sequence of length ${T}`;
      throw new RangeError(`GPT: ${what} exceed${past ? "" : "s"} the context length (blockSize ${blockSize})`);
    }
    const data = ids.toArray();
    for (let i = 0; i < data.length; i++) {
      const id = data[i];
      if (id < 0 || id >= vocabSize) {
        throw new RangeError(`GPT: token id ${id} at [${Math.floor(i / T)}, ${i % T}] is outside the vocabulary (vocabSize ${vocabSize})`);
      }
    }
  }
}
