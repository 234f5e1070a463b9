import { noGrad } from "../autograd/grad_mode.js";
import { defaultGenerator, Generator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { GPT } from "./gpt.js";
import type { KVCache } from "./kv_cache.js";
import { checkSamplingOptions, type SamplingOptions, sampleToken } from "./sampling.js";

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Seed for sampling; without it (and without `generator`) the default generator (manualSeed) is used. */
  seed?: number;
  generator?: Generator;
  /**
   * A row stops once its new tokens end with one of these token sequences. The sequence is
   * part of the output, as Hugging Face keeps the EOS token, so streamed and returned tokens agree.
   */
  stopSequences?: readonly ArrayLike<number>[];
  /** Called with each new token as it is chosen (row by row within a step), for streaming. */
  onToken?: (token: number, row: number) => void;
  /** Decode incrementally with a KV cache (default true); false recomputes the whole window every step. */
  useCache?: boolean;
}

/**
 * Continues prompts with `model`, returning only the new ids. A plain array (or Int32Array)
 * is one prompt and gives one Int32Array; a Tensor is a batch of same-length prompts [B, T]
 * (1-d counts as one row) and gives an Int32Array per row, shorter where a stop sequence
 * ended it early.
 *
 * Each step conditions on the last blockSize tokens, exactly as nanoGPT's generate. While the
 * sequence fits in the context, the KV cache makes a step cost one position; once it is
 * longer, the window slides and every absolute position shifts, so each later step
 * recomputes the whole window (the W4 benchmark's kvcache variant). Either way the tokens are
 * those of full recomputation. The model runs without gradients and in eval mode (its modes
 * are restored afterwards).
 */
export function generate(model: GPT, prompt: ArrayLike<number>, opts: GenerateOptions): Int32Array;
export function generate(model: GPT, prompts: Tensor, opts: GenerateOptions): Int32Array[];
export function generate(model: GPT, ids: Tensor | ArrayLike<number>, opts: GenerateOptions): Int32Array | Int32Array[] {
  const rows = promptRows(ids);
  const out = generateRows(model, rows, opts);
  return ids instanceof Tensor ? out : out[0];
}

function promptRows(ids: Tensor | ArrayLike<number>): number[][] {
  if (ids instanceof Tensor) {
    if (ids.dtype !== "int32") throw new TypeError(`generate: prompts must be int32 token ids, got ${ids.dtype} of shape ${fmtShape(ids.shape)}`);
    if (ids.ndim !== 1 && ids.ndim !== 2) throw new RangeError(`generate: prompts of shape ${fmtShape(ids.shape)} must be [B, T] or [T]`);
    const [B, T] = ids.ndim === 1 ? [1, ids.shape[0]] : ids.shape;
    const data = ids.toArray();
    return Array.from({ length: B }, (_, b) => Array.from(data.subarray(b * T, (b + 1) * T)));
  }
  if (ids === null || typeof ids !== "object" || typeof ids.length !== "number") {
    throw new TypeError("generate: the prompt must be an array of token ids or an int32 Tensor");
  }
  const row = Array.from(ids);
  const bad = row.findIndex((v) => !Number.isInteger(v));
  if (bad >= 0) {
    const hint = Array.isArray(row[bad]) ? " (a batch of prompts is an int32 Tensor [B, T])" : "";
    throw new TypeError(`generate: prompt token ${bad} is ${JSON.stringify(row[bad])}, not an integer id${hint}`);
  }
  return [row];
}

function checkOptions(o: GenerateOptions): number[][] {
  if (o === null || typeof o !== "object") throw new TypeError("generate: options { maxNewTokens, ... } are required");
  if (!(Number.isInteger(o.maxNewTokens) && o.maxNewTokens >= 0)) {
    throw new RangeError(`generate: maxNewTokens must be a non-negative integer, got ${o.maxNewTokens}`);
  }
  checkSamplingOptions("generate", o);
  const stops = (o.stopSequences ?? []).map((s) => Array.from(s));
  stops.forEach((s, i) => {
    if (s.length === 0 || s.some((v) => !Number.isInteger(v))) {
      throw new TypeError(`generate: stop sequence ${i} must be a non-empty array of token ids, got [${s.join(", ")}]`);
    }
  });
  return stops;
}

function endsWith(seq: readonly number[], tail: readonly number[]): boolean {
  if (tail.length > seq.length) return false;
  const off = seq.length - tail.length;
  return tail.every((v, i) => seq[off + i] === v);
}

/** The new tokens for each row; `seqs` (prompts of one length) grow in place. */
function generateRows(model: GPT, seqs: number[][], opts: GenerateOptions): Int32Array[] {
  const stops = checkOptions(opts);
  if (seqs[0].length === 0) throw new RangeError("generate: the prompt is empty; give at least one token");
  const generator = opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : defaultGenerator);
  const B = seqs.length;
  const V = model.config.vocabSize;
  const news: number[][] = seqs.map(() => []);
  const done = new Array<boolean>(B).fill(false);
  const cache = opts.useCache ?? true ? model.createCache() : null;

  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  try {
    noGrad(() => {
      for (let step = 0; step < opts.maxNewTokens && done.includes(false); step++) {
        const logits = nextLogits(model, seqs, cache);
        for (let b = 0; b < B; b++) {
          // A finished row keeps the batch rectangular with a filler token nobody reads.
          const token = done[b] ? seqs[b][seqs[b].length - 1] : sampleToken(logits.subarray(b * V, (b + 1) * V), opts, generator);
          seqs[b].push(token);
          if (done[b]) continue;
          news[b].push(token);
          opts.onToken?.(token, b);
          if (stops.some((s) => endsWith(news[b], s))) done[b] = true;
        }
      }
    });
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
  return news.map((r) => Int32Array.from(r));
}

/** Last-position logits [B · vocab] given the sequences so far, from the cache while the sequence fits in the context. */
function nextLogits(model: GPT, seqs: number[][], cache: KVCache | null): Float32Array {
  const len = seqs[0].length;
  const block = model.config.blockSize;
  let from: number;
  if (cache && len <= block) {
    from = cache.length; // feed what the cache has not seen
  } else {
    cache = null;
    from = Math.max(0, len - block);
  }
  const T = len - from;
  const ids = new Int32Array(seqs.length * T);
  seqs.forEach((s, b) => ids.set(s.slice(from), b * T));
  const logits = model.logits(new Tensor(ids, [seqs.length, T]), { cache, lastOnly: true });
  return logits.toArray() as Float32Array;
}
