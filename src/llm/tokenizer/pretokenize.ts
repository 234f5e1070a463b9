/**
 * GPT-2's pre-tokenization: text is split into contractions, words, numbers, punctuation
 * runs and whitespace before BPE, and merges never cross these boundaries. A space sticks to
 * the front of the word that follows it; a run of spaces before a word leaves its last space
 * to that word (the `(?!\S)` look-ahead).
 *
 * GPT-2 wrote `\s` for Python's `regex` module, where it means Unicode White_Space. In a
 * JavaScript regex `\s` differs in two characters (it lacks U+0085 and adds U+FEFF), so the
 * pattern spells out `\p{White_Space}` to give GPT-2's (and tiktoken's) splits exactly.
 */
const WS = "\\p{White_Space}";
export const GPT2_SPLIT_PATTERN =
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|${WS}+(?![^${WS}])|${WS}+`;

const SPLIT = new RegExp(GPT2_SPLIT_PATTERN, "gu");

/** The pre-tokens of `text`, in order; joined they give `text` back exactly. */
export function pretokenize(text: string): string[] {
  // `match` with a global regex restarts from index 0, so sharing SPLIT is safe.
  return text.match(SPLIT) ?? [];
}
