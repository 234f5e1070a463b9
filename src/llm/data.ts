/**
 * Language-model training data: a corpus tokenized once into one Int32Array, split into a
 * training head and a validation tail, and batches of random context windows drawn from it.
 */
import type { Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";

export interface TokenSplits {
  train: Int32Array;
  val: Int32Array;
}

/**
 * The first (1 - valFraction) of the tokens for training, the rest for validation (as
 * nanoGPT's char-level Shakespeare). The two are views on `tokens`: nothing is copied.
 * Each split must hold at least one window of `context` + 1 tokens.
 */
export function splitTokens(tokens: Int32Array, valFraction: number, context: number): TokenSplits {
  if (!(valFraction > 0 && valFraction < 1)) throw new RangeError(`splitTokens: valFraction must be in (0, 1), got ${valFraction}`);
  const cut = Math.floor(tokens.length * (1 - valFraction));
  const splits = { train: tokens.subarray(0, cut), val: tokens.subarray(cut) };
  for (const [name, part] of [["training", splits.train], ["validation", splits.val]] as const) {
    if (part.length < context + 1) {
      throw new RangeError(
        `the corpus is too small: its ${name} split has ${part.length} tokens (of ${tokens.length}), ` +
          `and a context of ${context} needs at least ${context + 1}`,
      );
    }
  }
  return splits;
}

/**
 * `batchSize` windows at random starts: inputs x = tokens[i, i+T) and next-token targets
 * y = tokens[i+1, i+T+1), both int32 [batchSize, T]. Starts are drawn from `generator` in
 * row order, so the same generator state gives the same batch.
 */
export function sampleWindows(tokens: Int32Array, batchSize: number, context: number, generator: Generator): { x: Tensor; y: Tensor } {
  const x = new Int32Array(batchSize * context);
  const y = new Int32Array(batchSize * context);
  for (let b = 0; b < batchSize; b++) {
    const start = generator.integer(0, tokens.length - context);
    x.set(tokens.subarray(start, start + context), b * context);
    y.set(tokens.subarray(start + 1, start + context + 1), b * context);
  }
  return { x: new Tensor(x, [batchSize, context]), y: new Tensor(y, [batchSize, context]) };
}
