import { PairHeap } from "./heap.js";

/** Token ids stay below 2^24, so `left * 2^24 + right` is an exact, unique pair key. */
export const MAX_VOCAB = 1 << 24;

export function pairKey(left: number, right: number): number {
  return left * MAX_VOCAB + right;
}

/** Merge rules by pair: `rank.get(pairKey(a, b))` is the rule's line in merges.txt, `result[rank]` its token id. */
export interface MergeTable {
  readonly rank: ReadonlyMap<number, number>;
  readonly result: Int32Array;
}

/**
 * Applies the merge rules to one pre-token's symbols (initially one id per byte) and returns
 * the final ids. Same result as GPT-2's `bpe()` — repeatedly take the lowest-ranked adjacent
 * pair and merge all its occurrences left to right — but in O(n log n): symbols form a linked
 * list and candidate pairs sit in a heap keyed by (rank, position), checked when popped.
 */
export function applyMerges(symbols: Int32Array, table: MergeTable): Int32Array {
  const n = symbols.length;
  if (n < 2) return symbols;
  const { rank: ranks, result } = table;
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  const heap = new PairHeap();
  for (let i = 0; i + 1 < n; i++) {
    const r = ranks.get(pairKey(symbols[i], symbols[i + 1]));
    if (r !== undefined) heap.push(r, i);
  }
  // GPT-2 merges every occurrence of the current pair before looking again, so a new pair that
  // outranks it waits here until the current pass is over (only odd merge tables produce one).
  const pending: number[] = [];
  let current = -1;
  const consider = (i: number): void => {
    const r = ranks.get(pairKey(symbols[i], symbols[next[i]]));
    if (r === undefined) return;
    if (r < current) pending.push(r, i);
    else heap.push(r, i);
  };
  for (;;) {
    if (pending.length > 0 && heap.peekA() !== current) {
      for (let k = 0; k < pending.length; k += 2) heap.push(pending[k], pending[k + 1]);
      pending.length = 0;
    }
    if (!heap.pop()) break;
    const r = heap.topA;
    const i = heap.topB;
    const j = next[i];
    // Stale entries: the left symbol was merged away, or either symbol has changed since.
    if (symbols[i] < 0 || j < 0 || ranks.get(pairKey(symbols[i], symbols[j])) !== r) continue;
    current = r;
    symbols[i] = result[r];
    symbols[j] = -1;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    if (prev[i] >= 0) consider(prev[i]);
    if (next[i] >= 0) consider(i);
  }
  // Node 0 is never removed (a merge keeps its left node), so walking from it visits all.
  let count = 0;
  for (let i = 0; i >= 0; i = next[i]) count++;
  const out = new Int32Array(count);
  for (let i = 0, k = 0; i >= 0; i = next[i]) out[k++] = symbols[i];
  return out;
}
