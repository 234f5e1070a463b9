import { cat } from "../ops/functional.js";
import { fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

/** One attention layer's cached keys and values, each [B, nHead, S, headDim] for the S positions seen so far. */
export class LayerKV {
  keys: Tensor | null = null;
  values: Tensor | null = null;

  get length(): number {
    return this.keys ? this.keys.shape[2] : 0;
  }

  /**
   * Appends the new positions' keys and values ([B, nHead, T, headDim]) and returns all of
   * them. Concatenation copies the past each step, which costs about as much as attending to
   * it; a preallocated buffer would not save that, since the GEMM wants contiguous operands.
   */
  append(k: Tensor, v: Tensor): [Tensor, Tensor] {
    if (this.keys && this.values) {
      if (k.shape[0] !== this.keys.shape[0]) {
        throw new RangeError(`KVCache: keys of shape ${fmtShape(k.shape)} do not continue the cached ${fmtShape(this.keys.shape)} (batch size differs)`);
      }
      this.keys = cat([this.keys, k], 2);
      this.values = cat([this.values, v], 2);
    } else {
      this.keys = k;
      this.values = v;
    }
    return [this.keys, this.values];
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
    this.layers = Array.from({ length: nLayer }, () => new LayerKV());
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
    for (const l of this.layers) l.keys = l.values = null;
  }
}
