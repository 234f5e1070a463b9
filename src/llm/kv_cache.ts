import { K } from "../backend/index.js";
import { narrow } from "../ops/functional.js";
import { zeros } from "../tensor/creation.js";
import { fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * One attention layer's cached keys and values: [B, nHead, maxLength, headDim] buffers,
 * allocated on the first append and written in place, of which the first `length`
 * positions are filled. The cache is for decoding: what it stores is detached from autograd.
 */
export class LayerKV {
  keys: Tensor | null = null;
  values: Tensor | null = null;
  #length = 0;

  constructor(readonly maxLength: number) {}

  get length(): number {
    return this.#length;
  }

  /**
   * Writes the new positions' keys and values ([B, nHead, T, headDim]) after the cached
   * ones and returns views of all of them (strided views of the buffers, no copy of the past).
   */
  append(k: Tensor, v: Tensor): [Tensor, Tensor] {
    const [B, H, T] = k.shape;
    const keys = (this.keys ??= zeros([B, H, this.maxLength, k.shape[3]]));
    const values = (this.values ??= zeros([B, H, this.maxLength, v.shape[3]]));
    if (B !== keys.shape[0]) {
      throw new RangeError(`KVCache: keys of shape ${fmtShape(k.shape)} do not continue the cached ${fmtShape(keys.shape)} (batch size differs)`);
    }
    const past = this.#length;
    if (past + T > this.maxLength) {
      throw new RangeError(`KVCache: ${T} positions after the ${past} cached ones exceed its ${this.maxLength} positions`);
    }
    K.copy(k, narrow(keys, 2, past, T));
    K.copy(v, narrow(values, 2, past, T));
    this.#length = past + T;
    return [narrow(keys, 2, 0, this.#length), narrow(values, 2, 0, this.#length)];
  }

  /** Forgets the cached positions and drops the buffers. */
  reset(): void {
    this.keys = this.values = null;
    this.#length = 0;
  }
}

/**
 * The keys and values of every layer for the positions a model has seen, so that decoding
 * one more token attends to them instead of recomputing them (GPT.logits with `cache`).
 * Positions are absolute: the cache holds positions 0 … length-1, and the next tokens get
 * positions from `length` on. It can hold at most `maxLength` (the model's blockSize)
 * positions; a longer sequence needs its window to slide, which shifts every position, so
 * the cache is then useless and generation recomputes the window (see generate).
 */
export class KVCache {
  readonly layers: LayerKV[];
  readonly maxLength: number;

  constructor(nLayer: number, maxLength: number) {
    this.layers = Array.from({ length: nLayer }, () => new LayerKV(maxLength));
    this.maxLength = maxLength;
  }

  /** Positions held (0 when empty). */
  get length(): number {
    return this.layers.length ? this.layers[0].length : 0;
  }

  /** Rows held, or null when empty. */
  get batchSize(): number | null {
    const k = this.layers.length ? this.layers[0].keys : null;
    return k ? k.shape[0] : null;
  }

  /** Forgets everything, to start new sequences. */
  reset(): void {
    for (const l of this.layers) l.reset();
  }
}
