/**
 * The language-model adapter: the one file that knows how an LM bundle (a Lathe LM bundle,
 * a `lathe lm train` run directory, or a Hugging Face GPT-2 directory) loads and generates.
 * It runs in a worker thread and generates with the public llm API — `llm.generate` with
 * the request's seed, so the tokens are those of `llm.generate` and `lathe lm generate` —
 * turning tokens into text pieces that never split a character and never show a stop string.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BpeTokenizer, type GPT, type LMTokenizer, TokenTextStream, encodePrompt, findStop, generate, loadPretrained, modelDir } from "../llm/index.js";
import { type GenerateParams, type Generated, InputError, type ModelInfo } from "./types.js";

/** Whether `dir` holds a language model rather than a tabular bundle (both may have a lathe.json). */
export function isLanguageModelDir(dir: string): boolean {
  const d = modelDir(dir);
  const manifest = join(d, "lathe.json");
  if (!existsSync(manifest)) return existsSync(join(d, "config.json"));
  try {
    return (JSON.parse(readFileSync(manifest, "utf8")) as { format?: unknown })?.format === "lathe-lm";
  } catch {
    return false; // the tabular loader reports what is wrong with the file
  }
}

/**
 * Releases decoded text as it becomes final. Text that could be the start of a stop string
 * is held back until the next tokens show whether it is one, so a streamed piece is never
 * taken back; on a stop, the text ends just before the stop string.
 */
export class StopText {
  private text = "";
  private sent = 0;
  constructor(private readonly stops: readonly string[]) {}

  /** Adds a decoded piece; returns the text it releases, and whether a stop string is now complete. */
  push(piece: string): { text: string; stopped: boolean } {
    const from = this.text.length;
    this.text += piece;
    const hit = findStop(this.text, from, this.stops);
    if (hit) return { text: this.release(hit.start), stopped: true };
    return { text: this.release(this.text.length - this.heldBack()), stopped: false };
  }

  /** Everything not yet released, once generation ended without a stop. */
  finish(piece: string): string {
    this.text += piece;
    return this.release(this.text.length);
  }

  private release(upTo: number): string {
    const out = this.text.slice(this.sent, upTo);
    this.sent = upTo;
    return out;
  }

  /** The length of the longest end of the text that begins some stop string. */
  private heldBack(): number {
    let best = 0;
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, this.text.length); k > best; k--) {
        if (this.text.endsWith(s.slice(0, k))) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}

export interface GenerationEvents {
  started(promptTokens: number): void;
  token(id: number, text: string): void;
  /** Read before each token is reported; true ends generation there. */
  cancelled(): boolean;
}

export interface ServedLM {
  readonly info: ModelInfo;
  generate(params: GenerateParams, events: GenerationEvents): Generated;
}

/** Thrown from onToken to end generation: llm.generate restores the model's modes on the way out. */
const STOP = Symbol("stop");
const CANCEL = Symbol("cancel");

function languageModelInfo(model: GPT, tokenizer: LMTokenizer, training: Record<string, unknown> | undefined): ModelInfo {
  const { config } = model;
  const parameters = model.parameters().reduce((n, p) => n + p.numel(), 0);
  const kind = tokenizer instanceof BpeTokenizer ? "bpe" : "char";
  return {
    task: "text-generation",
    labels: null,
    features: [],
    metrics: {},
    metadata: { architecture: config, parameters, tokenizer: { type: kind, vocabSize: tokenizer.vocabSize }, ...(training ? { training } : {}) },
    languageModel: { contextLength: config.blockSize, vocabSize: config.vocabSize, tokenizer: kind },
  };
}

export async function loadServedLM(dir: string): Promise<ServedLM> {
  const { model, tokenizer, training } = await loadPretrained(modelDir(dir));
  if (!tokenizer) throw new Error(`${dir} has no tokenizer (vocab.json + merges.txt, or a Lathe LM bundle's lathe.json); the server generates text, so it needs one`);
  const info = languageModelInfo(model, tokenizer, training);
  const context = model.config.blockSize;

  function promptIds(p: GenerateParams): Int32Array {
    if (p.ids) return Int32Array.from(p.ids);
    let ids: Int32Array;
    try {
      ids = encodePrompt(tokenizer!, p.prompt ?? "");
    } catch (e) {
      throw new InputError(`prompt: ${(e as Error).message}`, null, "prompt");
    }
    if (ids.length === 0) throw new InputError("prompt: the prompt is empty; give at least one character", null, "prompt");
    if (ids.length > context) throw new InputError(`prompt: ${ids.length} tokens, longer than the model's context of ${context} tokens`, null, "prompt");
    return ids;
  }

  return {
    info,
    generate(p, events) {
      const ids = promptIds(p);
      events.started(ids.length);
      const decoder = new TokenTextStream(tokenizer);
      const text = new StopText(p.stop);
      try {
        generate(model, ids, {
          maxNewTokens: p.maxNewTokens,
          temperature: p.temperature,
          topK: p.topK,
          topP: p.topP,
          seed: p.seed,
          onToken: (id) => {
            if (events.cancelled()) throw CANCEL;
            const piece = text.push(decoder.push(id));
            events.token(id, piece.text);
            if (piece.stopped) throw STOP;
          },
        });
      } catch (e) {
        if (e === STOP) return { finish: "stop", tail: "" };
        if (e === CANCEL) return { finish: "cancelled", tail: "" };
        throw e;
      }
      return { finish: "length", tail: text.finish(decoder.flush()) };
    },
  };
}
