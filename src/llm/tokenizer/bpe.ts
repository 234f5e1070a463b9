import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicSync } from "../../io/atomic.js";
import { applyMerges } from "./merge.js";
import { pretokenize } from "./pretokenize.js";
import { checkIds, type Tokenizer } from "./tokenizer.js";
import { type BpeModel, type CompiledBpe, compileBpe, formatMerges, formatVocab, parseMerges, parseVocab } from "./vocab.js";

/** Which special tokens `encode` may emit, following tiktoken's `encode`. */
export interface BpeEncodeOptions {
  /** Special tokens whose text becomes their id. Default none. */
  allowedSpecial?: "all" | Iterable<string>;
  /**
   * Special tokens whose text is an error (so a stray `<|endoftext|>` in user text cannot
   * pose as a document boundary). Default "all" (every special token not allowed); pass `[]`
   * to encode their text as ordinary text instead.
   */
  disallowedSpecial?: "all" | Iterable<string>;
}

/** Options for reading vocab.json + merges.txt. */
export interface BpeLoadOptions {
  /** See BpeModel.specialTokens. */
  specialTokens?: readonly string[];
}

// Pre-tokens repeat (" the", ","), so their ids are cached; the cap bounds memory on huge corpora.
const CACHE_LIMIT = 1 << 17;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * GPT-2's byte-level BPE: text → UTF-8 bytes → one token per byte → merges by rank within each
 * pre-token. Any string round-trips exactly, and GPT-2's vocab.json/merges.txt give GPT-2's ids.
 */
export class BpeTokenizer implements Tokenizer {
  private readonly m: CompiledBpe;
  private readonly cache = new Map<string, Int32Array>();
  private readonly decoder = new TextDecoder("utf-8");

  /** `source` names the model's origin (e.g. its files) in error messages. */
  constructor(model: BpeModel, source?: string) {
    this.m = compileBpe(model, source);
  }

  /** Reads `dir/vocab.json` and `dir/merges.txt` (a Hugging Face GPT-2 directory, or `save`'s output). */
  static load(dir: string, options: BpeLoadOptions = {}): BpeTokenizer {
    return BpeTokenizer.fromFiles(join(dir, "vocab.json"), join(dir, "merges.txt"), options);
  }

  static fromFiles(vocabPath: string, mergesPath: string, options: BpeLoadOptions = {}): BpeTokenizer {
    const vocab = parseVocab(readFileSync(vocabPath, "utf8"), vocabPath);
    const merges = parseMerges(readFileSync(mergesPath, "utf8"), mergesPath);
    return new BpeTokenizer({ vocab, merges, specialTokens: options.specialTokens }, `${vocabPath} + ${mergesPath}`);
  }

  /**
   * Writes `dir/vocab.json` and `dir/merges.txt`, each atomically (temporary file, then rename).
   * The files do not mark special tokens: `load` recognises `<|name|>` ones by shape; pass
   * any others to `load` as `specialTokens`.
   */
  save(dir: string): void {
    mkdirSync(dir, { recursive: true });
    writeFileAtomicSync(join(dir, "vocab.json"), formatVocab(this.m.vocab));
    writeFileAtomicSync(join(dir, "merges.txt"), formatMerges(this.m.merges));
  }

  get vocabSize(): number {
    return this.m.vocabSize;
  }

  /** Token string → id, in byte-level characters (a leading space is "Ġ"). */
  get vocab(): ReadonlyMap<string, number> {
    return this.m.vocab;
  }

  get merges(): ReadonlyArray<readonly [string, string]> {
    return this.m.merges;
  }

  /** Special token → id, e.g. `<|endoftext|>` → 50256 for GPT-2. */
  get specialTokens(): ReadonlyMap<string, number> {
    return this.m.specials;
  }

  tokenToId(token: string): number | undefined {
    return this.m.vocab.get(token);
  }

  encode(text: string, options: BpeEncodeOptions = {}): Int32Array {
    const allowed = this.pickSpecials(options.allowedSpecial ?? [], "allowedSpecial");
    const disallowed =
      options.disallowedSpecial === undefined || options.disallowedSpecial === "all"
        ? [...this.m.specials.keys()].filter((s) => !allowed.includes(s))
        : this.pickSpecials(options.disallowedSpecial, "disallowedSpecial");
    for (const s of disallowed) {
      const at = text.indexOf(s);
      if (at >= 0) {
        throw new Error(
          `BpeTokenizer.encode: the text has the special token ${JSON.stringify(s)} at index ${at}; ` +
            `pass allowedSpecial: [${JSON.stringify(s)}] to encode it as id ${this.m.specials.get(s)}, ` +
            "or disallowedSpecial: [] to encode it as ordinary text",
        );
      }
    }
    const out: number[] = [];
    if (allowed.length === 0) {
      this.encodeOrdinary(text, out);
    } else {
      // Longest first, so a special token that extends another one wins.
      const alternatives = [...allowed].sort((a, b) => b.length - a.length).map(escapeRegExp);
      const split = new RegExp(alternatives.join("|"), "g");
      let start = 0;
      for (const match of text.matchAll(split)) {
        this.encodeOrdinary(text.slice(start, match.index), out);
        out.push(this.m.specials.get(match[0])!);
        start = match.index! + match[0].length;
      }
      this.encodeOrdinary(text.slice(start), out);
    }
    return Int32Array.from(out);
  }

  /** The UTF-8 bytes of `ids`; for streaming, feed them to a `TextDecoder` with `stream: true`. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    const { idBytes } = this.m;
    checkIds("BpeTokenizer.decode", ids, (id) => idBytes[id] !== undefined, this.vocabSize);
    let length = 0;
    for (let i = 0; i < ids.length; i++) length += idBytes[ids[i]]!.length;
    const bytes = new Uint8Array(length);
    for (let i = 0, at = 0; i < ids.length; i++) {
      const b = idBytes[ids[i]]!;
      bytes.set(b, at);
      at += b.length;
    }
    return bytes;
  }

  /** The text of `ids`. A slice that cuts a character's UTF-8 bytes apart shows U+FFFD there. */
  decode(ids: ArrayLike<number>): string {
    return this.decoder.decode(this.decodeBytes(ids));
  }

  private pickSpecials(which: "all" | Iterable<string>, option: string): string[] {
    if (which === "all") return [...this.m.specials.keys()];
    const list = [...which];
    for (const s of list) {
      if (!this.m.specials.has(s)) {
        throw new Error(`BpeTokenizer.encode: ${option} names ${JSON.stringify(s)}, which is not a special token of this tokenizer`);
      }
    }
    return list;
  }

  /** Appends the ids of `text`, with no special-token handling. */
  private encodeOrdinary(text: string, out: number[]): void {
    const { byteIds, table } = this.m;
    for (const piece of pretokenize(text)) {
      let ids = this.cache.get(piece);
      if (ids === undefined) {
        // Lone surrogates have no UTF-8 form; like TextEncoder, Buffer writes U+FFFD for them.
        const bytes = Buffer.from(piece, "utf8");
        const symbols = new Int32Array(bytes.length);
        for (let i = 0; i < bytes.length; i++) symbols[i] = byteIds[bytes[i]];
        ids = applyMerges(symbols, table);
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(piece, ids);
      }
      for (let i = 0; i < ids.length; i++) out.push(ids[i]);
    }
  }
}
