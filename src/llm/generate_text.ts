/**
 * Text in, text out: generation through a tokenizer, streamed as text pieces that never cut a
 * character apart, with stop strings matched on the text rather than on token ids (a BPE
 * model can spell the same stop string with different tokens).
 */
import type { LMTokenizer } from "./bundle.js";
import { type GenerateOptions, generate } from "./generate.js";
import type { GPT } from "./gpt.js";
import { BpeTokenizer } from "./tokenizer/index.js";

/**
 * Decodes token ids one at a time into text. A byte-level BPE token can end in the middle of
 * a character's UTF-8 bytes; those bytes are held back until the character is complete.
 */
export class TokenTextStream {
  private readonly decoder = new TextDecoder("utf-8");

  constructor(private readonly tokenizer: LMTokenizer) {}

  /** The text that token `id` completes (possibly ""). */
  push(id: number): string {
    const t = this.tokenizer;
    return t instanceof BpeTokenizer ? this.decoder.decode(t.decodeBytes([id]), { stream: true }) : t.decode([id]);
  }

  /** Whatever is held back, as U+FFFD for an unfinished character. */
  flush(): string {
    return this.tokenizer instanceof BpeTokenizer ? this.decoder.decode() : "";
  }
}

/** The prompt's ids; a BPE prompt may contain the tokenizer's special tokens (such as <|endoftext|>). */
export function encodePrompt(tokenizer: LMTokenizer, prompt: string): Int32Array {
  return tokenizer instanceof BpeTokenizer ? tokenizer.encode(prompt, { allowedSpecial: "all" }) : tokenizer.encode(prompt);
}

export interface GenerateTextOptions extends Omit<GenerateOptions, "onToken"> {
  /** Generation ends once the new text contains one of these; the text ends with it. */
  stop?: readonly string[];
  /** Called with each piece of new text as it is produced, for streaming. */
  onText?: (piece: string) => void;
}

/** Thrown from onToken to end generation at a stop string: generate restores the model's modes on the way out. */
const STOP = Symbol("stop");

/**
 * The stop string in `text` that ends first, looking only at matches that end past `from`
 * (of those ending together, the one that starts first); null if none.
 */
export function findStop(text: string, from: number, stops: readonly string[]): { start: number; end: number } | null {
  let hit: { start: number; end: number } | null = null;
  for (const s of stops) {
    const at = text.indexOf(s, Math.max(0, from - s.length + 1));
    if (at >= 0 && (!hit || at + s.length < hit.end || (at + s.length === hit.end && at < hit.start))) hit = { start: at, end: at + s.length };
  }
  return hit;
}

/** Continues `prompt` and returns the new text (without the prompt). */
export function generateText(model: GPT, tokenizer: LMTokenizer, prompt: string, opts: GenerateTextOptions): string {
  const ids = encodePrompt(tokenizer, prompt);
  if (ids.length === 0) throw new RangeError("generate: the prompt is empty; give at least one character");
  const stops = (opts.stop ?? []).filter((s) => s.length > 0);
  const stream = new TokenTextStream(tokenizer);
  let text = "";
  const emit = (piece: string): void => {
    text += piece;
    if (piece) opts.onText?.(piece);
  };
  try {
    generate(model, ids, {
      ...opts,
      onToken: (id) => {
        const piece = stream.push(id);
        const hit = findStop(text + piece, text.length, stops);
        if (!hit) return emit(piece);
        emit((text + piece).slice(text.length, hit.end));
        throw STOP;
      },
    });
  } catch (err) {
    if (err !== STOP) throw err;
    return text;
  }
  emit(stream.flush());
  return text;
}
