/**
 * Picking the next token from one row of logits: greedy, or sampled with temperature, top-k
 * and top-p (nucleus) filtering. Plain loops over the vocabulary in double precision; a
 * tensor op per step would cost more than it saves for one row.
 */
import type { Generator } from "../tensor/random.js";

export interface SamplingOptions {
  /** Divides the logits; 0 picks the most likely token (greedy). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (ties with the k-th kept too, as nanoGPT). */
  topK?: number | null;
  /** Keep the most likely tokens until their probabilities add up to at least p, in (0, 1]. */
  topP?: number | null;
}

/** Throws a RangeError naming `op` unless the options are valid. */
export function checkSamplingOptions(op: string, o: SamplingOptions): void {
  const t = o.temperature ?? 1;
  if (!(t >= 0 && Number.isFinite(t))) throw new RangeError(`${op}: temperature must be a finite number >= 0, got ${t}`);
  if (o.topK != null && !(Number.isInteger(o.topK) && o.topK >= 1)) throw new RangeError(`${op}: topK must be a positive integer, got ${o.topK}`);
  if (o.topP != null && !(o.topP > 0 && o.topP <= 1)) throw new RangeError(`${op}: topP must be in (0, 1], got ${o.topP}`);
}

/** The index of the largest logit (the first of equals, as torch.argmax). */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** The next token for one row of logits [vocab]. */
export function sampleToken(logits: ArrayLike<number>, o: SamplingOptions, generator: Generator): number {
  for (let i = 0; i < logits.length; i++) {
    if (Number.isNaN(logits[i])) throw new Error("generate: the model produced NaN logits");
  }
  const t = o.temperature ?? 1;
  if (t === 0) return argmax(logits);
  const V = logits.length;
  const max = logits[argmax(logits)];
  // Unnormalised probabilities; filtered-out tokens get 0.
  const p = new Float64Array(V);
  for (let i = 0; i < V; i++) p[i] = Math.exp((logits[i] - max) / t);
  if (o.topK != null && o.topK < V) {
    const kth = Float64Array.from(p).sort()[V - o.topK];
    for (let i = 0; i < V; i++) if (p[i] < kth) p[i] = 0;
  }
  if (o.topP != null && o.topP < 1) keepNucleus(p, o.topP);
  let total = 0;
  for (let i = 0; i < V; i++) total += p[i];
  let r = generator.random() * total;
  let last = 0;
  for (let i = 0; i < V; i++) {
    if (p[i] === 0) continue;
    last = i;
    r -= p[i];
    if (r < 0) return i;
  }
  return last; // r stayed >= 0 only through rounding: the last candidate
}

/** Zeroes all but the most likely tokens whose probabilities first reach `topP` of the total. */
function keepNucleus(p: Float64Array, topP: number): void {
  const order: number[] = [];
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0) order.push(i);
    total += p[i];
  }
  order.sort((a, b) => p[b] - p[a] || a - b);
  let kept = 0;
  let n = 0;
  while (n < order.length && kept < topP * total) kept += p[order[n++]];
  for (let j = n; j < order.length; j++) p[order[j]] = 0;
}
