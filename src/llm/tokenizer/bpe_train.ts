import { BpeTokenizer } from "./bpe.js";
import { BYTE_CHARS_IN_GPT2_ORDER, BYTE_TO_CHAR } from "./bytes.js";
import { PairHeap } from "./heap.js";
import { MAX_VOCAB, pairKey } from "./merge.js";
import { pretokenize } from "./pretokenize.js";

export interface TrainBpeOptions {
  /** Size of the trained vocabulary: 256 byte tokens + merged tokens + special tokens. */
  vocabSize: number;
  /** A pair must occur at least this often to be merged (default 2). */
  minFrequency?: number;
  /** Whole tokens (e.g. "<|endoftext|>") given the last ids, as in GPT-2; never split or merged. */
  specialTokens?: readonly string[];
}

/**
 * Trains a byte-level BPE tokenizer in GPT-2's format: the 256 byte tokens (ids 0–255, in
 * GPT-2's order), then one token per merge, then the special tokens.
 *
 * Each step merges the most frequent adjacent pair over the corpus's pre-tokens (GPT-2's
 * split, so merges never cross word boundaries). Ties go to the pair with the smaller left id,
 * then the smaller right id — i.e. to older tokens — which makes training deterministic.
 * Training stops early, with a smaller vocabulary, when no pair occurs `minFrequency` times.
 *
 * Work is proportional to the words a merge touches: pair counts are kept over the distinct
 * pre-tokens (weighted by frequency) and updated incrementally, with a lazily checked heap.
 */
export function trainByteLevelBpe(corpus: string | Iterable<string>, options: TrainBpeOptions): BpeTokenizer {
  const { vocabSize, minFrequency = 2, specialTokens = [] } = options;
  const special = new Set(specialTokens);
  if (special.size !== specialTokens.length || specialTokens.some((s) => s.length === 0)) {
    throw new RangeError("trainByteLevelBpe: specialTokens must be distinct, non-empty strings");
  }
  if (!Number.isInteger(vocabSize) || vocabSize < 256 + special.size || vocabSize >= MAX_VOCAB) {
    throw new RangeError(
      `trainByteLevelBpe: vocabSize ${vocabSize} must be an integer from ${256 + special.size} ` +
        `(256 byte tokens + ${special.size} special tokens) to ${MAX_VOCAB - 1}`,
    );
  }
  if (!Number.isInteger(minFrequency) || minFrequency < 1) {
    throw new RangeError(`trainByteLevelBpe: minFrequency ${minFrequency} must be an integer >= 1`);
  }

  const tokens = [...BYTE_CHARS_IN_GPT2_ORDER];
  const ids = new Map(tokens.map((t, id) => [t, id]));
  const { words, freqs } = countWords(corpus, specialTokens, ids);
  const merges: Array<[string, string]> = [];
  const mergedKeys = new Set<number>();

  const counts = new Map<number, number>();
  const where = new Map<number, number[]>(); // pair → words that held it (possibly no longer)
  words.forEach((word, w) => {
    for (let i = 0; i + 1 < word.length; i++) {
      const key = pairKey(word[i], word[i + 1]);
      counts.set(key, (counts.get(key) ?? 0) + freqs[w]);
      addWord(where, key, w);
    }
  });
  const heap = new PairHeap(); // (-count, key): the most frequent pair, then the smallest key
  for (const [key, count] of counts) heap.push(-count, key);

  const target = vocabSize - special.size;
  while (tokens.length < target && heap.pop()) {
    const key = heap.topB;
    const count = counts.get(key);
    if (count !== -heap.topA) continue; // stale: the count changed after this entry was pushed
    if (count < minFrequency) break;
    const left = Math.floor(key / MAX_VOCAB);
    const right = key % MAX_VOCAB;
    const merged = tokens[left] + tokens[right];
    // A pair can come back when a later merge re-creates one of its tokens (see below); the
    // rule it already has covers it, and merges.txt must not list a pair twice.
    if (!mergedKeys.has(key)) merges.push([tokens[left], tokens[right]]);
    mergedKeys.add(key);
    // Rarely, another pair already spelled the same string; both merges then make that token.
    let id = ids.get(merged);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(merged);
      ids.set(merged, id);
    }

    const delta = new Map<number, number>();
    for (const w of where.get(key) ?? []) {
      const word = words[w];
      const next = mergePair(word, left, right, id);
      if (next === word) continue;
      for (let i = 0; i + 1 < word.length; i++) bump(delta, pairKey(word[i], word[i + 1]), -freqs[w]);
      for (let i = 0; i + 1 < next.length; i++) {
        const k = pairKey(next[i], next[i + 1]);
        bump(delta, k, freqs[w]);
        if (next[i] === id || next[i + 1] === id) addWord(where, k, w);
      }
      words[w] = next;
    }
    where.delete(key);
    for (const [k, d] of delta) {
      if (d === 0) continue;
      const c = (counts.get(k) ?? 0) + d;
      if (c > 0) {
        counts.set(k, c);
        heap.push(-c, k);
      } else {
        counts.delete(k);
      }
    }
  }

  const vocab = new Map(ids);
  specialTokens.forEach((s, i) => {
    // Token strings are byte-level, so a special token spelled like one (e.g. "!") would clash.
    if (vocab.has(s)) throw new RangeError(`trainByteLevelBpe: special token ${JSON.stringify(s)} is also an ordinary token`);
    vocab.set(s, tokens.length + i);
  });
  return new BpeTokenizer({ vocab, merges, specialTokens }, "trainByteLevelBpe");
}

/** Distinct pre-tokens of the corpus as byte-token ids, with their counts; special tokens are cut out. */
function countWords(corpus: string | Iterable<string>, specials: readonly string[], ids: Map<string, number>) {
  const wordCounts = new Map<string, number>();
  const docs = typeof corpus === "string" ? [corpus] : corpus;
  for (const doc of docs) {
    let pieces = [doc];
    for (const s of specials) pieces = pieces.flatMap((p) => p.split(s));
    for (const piece of pieces) {
      for (const word of pretokenize(piece)) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
    }
  }
  const words: Int32Array[] = [];
  const freqs: number[] = [];
  for (const [word, count] of wordCounts) {
    const bytes = Buffer.from(word, "utf8");
    words.push(Int32Array.from(bytes, (b) => ids.get(BYTE_TO_CHAR[b])!));
    freqs.push(count);
  }
  return { words, freqs };
}

/** `word` with each non-overlapping (left, right), scanned left to right, replaced by `id`; `word` itself if none. */
function mergePair(word: Int32Array, left: number, right: number, id: number): Int32Array {
  let out: number[] | null = null;
  for (let i = 0; i < word.length; i++) {
    if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
      out ??= Array.from(word.subarray(0, i));
      out.push(id);
      i++;
    } else if (out !== null) {
      out.push(word[i]);
    }
  }
  return out === null ? word : Int32Array.from(out);
}

function bump(delta: Map<number, number>, key: number, by: number): void {
  delta.set(key, (delta.get(key) ?? 0) + by);
}

/** Records that word `w` holds `key`; a word's pairs are added together, so checking the last entry avoids repeats. */
function addWord(where: Map<number, number[]>, key: number, w: number): void {
  const list = where.get(key);
  if (list === undefined) where.set(key, [w]);
  else if (list[list.length - 1] !== w) list.push(w);
}
