import { BYTE_TO_CHAR, tokenStringToBytes } from "./bytes.js";
import { MAX_VOCAB, type MergeTable, pairKey } from "./merge.js";
import { describeChar } from "./tokenizer.js";

/** A byte-level BPE model as Hugging Face stores it: vocab.json's map and merges.txt's rules. */
export interface BpeModel {
  /** Token string (byte-level characters, see bytes.ts) → id. */
  vocab: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /** Merge rules, highest priority first: `[left, right]` makes the token `left + right`. */
  merges: ReadonlyArray<readonly [string, string]>;
  /**
   * Vocabulary entries that are whole special tokens rather than bytes. Default: every entry
   * shaped like `<|name|>` (e.g. GPT-2's `<|endoftext|>`); no merge can produce such a string,
   * because pre-tokenization never joins punctuation and letters.
   */
  specialTokens?: readonly string[];
}

/** A checked model, in the form encoding and decoding use. */
export interface CompiledBpe {
  vocab: Map<string, number>;
  merges: Array<readonly [string, string]>;
  specials: Map<string, number>;
  /** id → the bytes it decodes to (undefined for ids the vocabulary skips). */
  idBytes: Array<Uint8Array | undefined>;
  /** byte → the id of its single-byte token. */
  byteIds: Int32Array;
  table: MergeTable;
  vocabSize: number;
}

const SPECIAL_SHAPE = /^<\|[A-Za-z0-9_.-]*[A-Za-z][A-Za-z0-9_.-]*\|>$/;

/** Checks a model and builds its lookup tables; errors name `source` (e.g. a file path). */
export function compileBpe(model: BpeModel, source = "BpeTokenizer"): CompiledBpe {
  const vocab = toMap(model.vocab, source);
  const specialList = model.specialTokens ?? [...vocab.keys()].filter((t) => SPECIAL_SHAPE.test(t));
  const specials = new Map<string, number>();
  for (const s of specialList) {
    const id = vocab.get(s);
    if (id === undefined) throw new Error(`${source}: special token ${JSON.stringify(s)} is not in the vocabulary`);
    specials.set(s, id);
  }

  let vocabSize = 0;
  const idBytes: Array<Uint8Array | undefined> = [];
  for (const [token, id] of vocab) {
    const bytes = specials.has(token) ? Buffer.from(token, "utf8") : tokenStringToBytes(token);
    if (bytes === null) {
      const bad = [...token].find((c) => tokenStringToBytes(c) === null) ?? token;
      throw new Error(
        `${source}: token ${JSON.stringify(token)} (id ${id}) has the character ${describeChar(bad)}, ` +
          "which is not a byte-level character; list it in specialTokens if it is a special token",
      );
    }
    idBytes[id] = bytes;
    vocabSize = Math.max(vocabSize, id + 1);
  }

  const byteIds = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    const id = vocab.get(BYTE_TO_CHAR[b]);
    if (id === undefined) {
      throw new Error(`${source}: the vocabulary lacks the token ${describeChar(BYTE_TO_CHAR[b])} for byte ${b}`);
    }
    byteIds[b] = id;
  }

  const merges = model.merges.map((m) => [m[0], m[1]] as const);
  const rank = new Map<number, number>();
  const result = new Int32Array(merges.length);
  merges.forEach(([left, right], r) => {
    // Built only for an error message: formatting 50,000 of them was a third of GPT-2's tokenizer load.
    const where = () => `${source}: merge ${r + 1} (${JSON.stringify(left)} ${JSON.stringify(right)})`;
    const a = vocab.get(left);
    const b = vocab.get(right);
    const ab = vocab.get(left + right);
    if (a === undefined || b === undefined || ab === undefined) {
      const missing = a === undefined ? left : b === undefined ? right : left + right;
      throw new Error(`${where()}: the token ${JSON.stringify(missing)} is not in the vocabulary`);
    }
    if (specials.has(left) || specials.has(right) || specials.has(left + right)) {
      throw new Error(`${where()}: special tokens cannot take part in merges`);
    }
    const key = pairKey(a, b);
    if (rank.has(key)) throw new Error(`${where()}: duplicates merge ${rank.get(key)! + 1}`);
    rank.set(key, r);
    result[r] = ab;
  });

  return { vocab, merges, specials, idBytes, byteIds, table: { rank, result }, vocabSize };
}

function toMap(vocab: BpeModel["vocab"], source: string): Map<string, number> {
  if (vocab === null || typeof vocab !== "object" || Array.isArray(vocab)) {
    throw new TypeError(`${source}: the vocabulary must be an object mapping token strings to ids`);
  }
  const entries = vocab instanceof Map ? [...vocab] : Object.entries(vocab);
  const map = new Map<string, number>();
  const owner = new Map<number, string>();
  for (const [token, id] of entries) {
    if (token.length === 0) throw new Error(`${source}: the vocabulary has an empty token`);
    if (!Number.isInteger(id) || id < 0 || id >= MAX_VOCAB) {
      throw new RangeError(`${source}: token ${JSON.stringify(token)} has id ${id}; ids must be integers in [0, ${MAX_VOCAB})`);
    }
    const other = owner.get(id);
    if (other !== undefined) {
      throw new Error(`${source}: tokens ${JSON.stringify(other)} and ${JSON.stringify(token)} share id ${id}`);
    }
    owner.set(id, token);
    map.set(token, id);
  }
  return map;
}

/** Parses merges.txt: an optional `#version` line, then one `left right` rule per line. */
export function parseMerges(text: string, source = "merges.txt"): Array<[string, string]> {
  const merges: Array<[string, string]> = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || (i === 0 && line.startsWith("#version"))) return;
    const parts = line.split(" ");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      throw new Error(`${source} line ${i + 1}: expected two tokens separated by one space, got ${JSON.stringify(line)}`);
    }
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}

/** Parses vocab.json into a token → id map (checked later by compileBpe). */
export function parseVocab(text: string, source = "vocab.json"): Record<string, number> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`${source}: expected a JSON object mapping token strings to ids`);
  }
  return value as Record<string, number>;
}

/** vocab.json text, entries in id order (built by hand: JS objects reorder integer-like keys). */
export function formatVocab(vocab: ReadonlyMap<string, number>): string {
  const entries = [...vocab].sort((a, b) => a[1] - b[1]);
  return `{${entries.map(([t, id]) => `${JSON.stringify(t)}: ${id}`).join(", ")}}\n`;
}

/** merges.txt text; the final newline matters, since GPT-2's own reader drops the last line. */
export function formatMerges(merges: ReadonlyArray<readonly [string, string]>): string {
  return `#version: 0.2\n${merges.map(([a, b]) => `${a} ${b}\n`).join("")}`;
}
