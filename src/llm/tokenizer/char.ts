import { checkIds, describeChar, type Tokenizer } from "./tokenizer.js";

/** CharTokenizer's JSON form: the characters in id order. */
export interface CharTokenizerJSON {
  type: "char";
  chars: string[];
}

/**
 * One token per character (Unicode code point), as in nanoGPT's character-level setup: the
 * vocabulary is the corpus's distinct characters sorted by code point, so Tiny Shakespeare
 * gives 65 ids with "\n" = 0 and " " = 1.
 */
export class CharTokenizer implements Tokenizer {
  /** The character of each id. */
  readonly chars: readonly string[];
  private readonly ids = new Map<number, number>();

  /** Characters in id order; each must be one code point and appear once. */
  constructor(chars: Iterable<string>) {
    this.chars = [...chars];
    this.chars.forEach((ch, id) => {
      const cp = ch.codePointAt(0);
      if (cp === undefined || String.fromCodePoint(cp) !== ch) {
        throw new RangeError(`CharTokenizer: entry ${id} (${JSON.stringify(ch)}) must be exactly one character`);
      }
      if (this.ids.has(cp)) throw new RangeError(`CharTokenizer: the character ${describeChar(ch)} appears twice`);
      this.ids.set(cp, id);
    });
  }

  /** The tokenizer of `corpus`'s distinct characters, sorted by code point. */
  static fromText(corpus: string): CharTokenizer {
    const seen = new Set<number>();
    for (let i = 0; i < corpus.length; i++) {
      const cp = corpus.codePointAt(i)!;
      seen.add(cp);
      if (cp > 0xffff) i++;
    }
    return new CharTokenizer([...seen].sort((a, b) => a - b).map((cp) => String.fromCodePoint(cp)));
  }

  static fromJSON(json: unknown): CharTokenizer {
    const j = json as Partial<CharTokenizerJSON> | null;
    if (j === null || typeof j !== "object" || j.type !== "char" || !Array.isArray(j.chars) || !j.chars.every((c) => typeof c === "string")) {
      throw new TypeError('CharTokenizer.fromJSON: expected { type: "char", chars: string[] }');
    }
    return new CharTokenizer(j.chars);
  }

  get vocabSize(): number {
    return this.chars.length;
  }

  encode(text: string): Int32Array {
    const out = new Int32Array(text.length);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i)!;
      const id = this.ids.get(cp);
      if (id === undefined) {
        throw new RangeError(
          `CharTokenizer.encode: the character ${describeChar(String.fromCodePoint(cp))} at index ${i} ` +
            `is not in the vocabulary (${this.vocabSize} characters)`,
        );
      }
      out[n++] = id;
      if (cp > 0xffff) i++;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  decode(ids: ArrayLike<number>): string {
    checkIds("CharTokenizer.decode", ids, (id) => id >= 0 && id < this.chars.length, this.vocabSize);
    const parts = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) parts[i] = this.chars[ids[i]];
    return parts.join("");
  }

  toJSON(): CharTokenizerJSON {
    return { type: "char", chars: [...this.chars] };
  }
}
