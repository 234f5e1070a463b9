/** What every Lathe tokenizer offers; language models and generation depend only on this. */
export interface Tokenizer {
  /** One more than the largest id, i.e. the number of rows an embedding table needs. */
  readonly vocabSize: number;
  /** Token ids for `text`. */
  encode(text: string): Int32Array;
  /** The text for `ids`; `decode(encode(s)) === s` for every well-formed string `s`. */
  decode(ids: ArrayLike<number>): string;
}

/** Describes a character for an error message: `"é" (U+00E9)`. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `${JSON.stringify(ch)} (U+${cp.toString(16).toUpperCase().padStart(4, "0")})`;
}

/** Throws a RangeError naming `where` and the position unless every id is an integer the vocabulary knows. */
export function checkIds(where: string, ids: ArrayLike<number>, isKnown: (id: number) => boolean, size: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || !isKnown(id)) {
      throw new RangeError(`${where}: id ${id} at position ${i} is not in the vocabulary (vocabSize ${size})`);
    }
  }
}
