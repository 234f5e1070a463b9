/**
 * `lathe lm`: language models. train (and fine-tune with --from, LoRA, freezing; resume),
 * generate (streaming), tokenizer (train a byte-level BPE) and demo (Tiny Shakespeare).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { CharTokenizer, type LMTokenizer, type LoRAOptions, BpeTokenizer, type TrainLMOptions, type TrainSettings, checkpointDir, encodePrompt, generateText,
  loadPretrained, modelDir, readTrainConfig, trainByteLevelBpe, trainLM } from "../../llm/index.js";
import { integer } from "../args.js";
import { guarded, nonNegativeNumber, positiveInt, positiveNumber, readText } from "./lm_common.js";
import { registerLmDemo } from "./lm_demo.js";

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `o` without its undefined values, so flags not given leave the config file's settings alone. */
const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

interface TrainFlags {
  text: string;
  config?: string;
  out: string;
  steps?: number;
  minutes?: number;
  resume?: boolean;
  seed?: number;
  tokenizer?: string;
  from?: string;
  batchSize?: number;
  gradAccum?: number;
  lr?: number;
  evalInterval?: number;
  freezeEmbeddings?: boolean;
  freezeLayers?: number;
  loraRank?: number;
  loraAlpha?: number;
  loraDropout?: number;
}

/** The flags that shape a run, which a resumed run takes from its checkpoint instead. */
const SHAPING = ["config", "seed", "tokenizer", "from", "batchSize", "gradAccum", "lr", "evalInterval", "freezeEmbeddings", "freezeLayers", "loraRank", "loraAlpha", "loraDropout"] as const;

function tokenizerFrom(spec: string, text: string): LMTokenizer {
  if (spec === "char") return CharTokenizer.fromText(text);
  if (!existsSync(join(spec, "vocab.json"))) throw new Error(`--tokenizer ${spec}: expected "char" or a directory with vocab.json and merges.txt (see lathe lm tokenizer)`);
  return BpeTokenizer.load(spec);
}

/** The budget flags as settings: one replaces the other (and the config file's). */
function budget(f: TrainFlags): Partial<TrainSettings> {
  if (f.steps !== undefined && f.minutes !== undefined) throw new Error("give --steps or --minutes, not both");
  if (f.steps !== undefined) return { steps: f.steps, minutes: null };
  if (f.minutes !== undefined) return { minutes: f.minutes, steps: null };
  return {};
}

/** The trainLM options the flags (and the config file they name) describe. */
function trainOptions(f: TrainFlags, text: string): TrainLMOptions {
  if (f.resume) {
    const given = SHAPING.filter((k) => f[k] !== undefined).map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    if (given.length) throw new Error(`--resume continues with the checkpoint's settings; drop ${given.join(", ")} (only --steps or --minutes may change)`);
    return { text, outDir: f.out, resume: true, train: budget(f) };
  }
  if (existsSync(f.out) && checkpointDir(f.out)) throw new Error(`${f.out} already holds a run; pass --resume to continue it, or choose another --out`);
  const cfg = f.config ? readTrainConfig(f.config) : {};
  const train: Partial<TrainSettings> = {
    ...cfg.train,
    ...budget(f),
    ...defined({ seed: f.seed, batchSize: f.batchSize, gradAccum: f.gradAccum, lr: f.lr, evalInterval: f.evalInterval, freezeEmbeddings: f.freezeEmbeddings, freezeLayers: f.freezeLayers }),
  };
  const lora = defined({ rank: f.loraRank, alpha: f.loraAlpha, dropout: f.loraDropout });
  if (Object.keys(lora).length) {
    if (!train.lora && lora.rank === undefined) throw new Error("--lora-alpha and --lora-dropout need --lora-rank");
    train.lora = { ...train.lora, ...lora } as LoRAOptions;
  }
  const tokenizerSpec = f.tokenizer ?? cfg.tokenizer;
  if (f.from !== undefined) {
    if (cfg.model || tokenizerSpec) throw new Error("fine-tuning (--from) keeps the model's shape and tokenizer; drop the config's model section and --tokenizer");
    return { text, outDir: f.out, from: f.from, train };
  }
  return { text, outDir: f.out, model: cfg.model, tokenizer: tokenizerFrom(tokenizerSpec ?? "char", text), train };
}

async function runTrain(f: TrainFlags): Promise<void> {
  const text = readText(f.text);
  const options = trainOptions(f, text);
  // Ctrl-C ends the session after the current step, with a checkpoint; a second Ctrl-C quits at once.
  const stop = new AbortController();
  const onInterrupt = (): void => {
    process.stdout.write("\nstopping after this step (Ctrl-C again to quit without a checkpoint)\n");
    stop.abort();
    process.once("SIGINT", () => process.exit(130));
  };
  process.once("SIGINT", onInterrupt);
  try {
    const r = await trainLM({ ...options, signal: stop.signal, log: process.stdout });
    const last = r.state.history.at(-1);
    process.stdout.write(`${r.finished ? "done" : "stopped"} at step ${r.state.step}` +
      `${last ? `, validation loss ${last.valLoss.toFixed(4)}` : ""}, ${Math.round(r.tokensPerSecond).toLocaleString("en-US")} tokens/s; ` +
      `checkpoint in ${join(f.out, "checkpoint")} (lathe lm generate ${f.out}${r.finished ? "" : `; lathe lm train --text ${f.text} --out ${f.out} --resume`})\n`);
  } finally {
    process.removeListener("SIGINT", onInterrupt);
  }
}

interface GenerateFlags {
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed: number;
  stop?: string[];
}

async function runGenerate(dir: string, f: GenerateFlags): Promise<void> {
  if (!existsSync(dir)) throw new Error(`${dir} does not exist`);
  const { model, tokenizer } = await loadPretrained(modelDir(dir));
  if (!tokenizer) throw new Error(`${dir} has no tokenizer (vocab.json + merges.txt, or a Lathe bundle's lathe.json)`);
  if (f.topP !== undefined && !(f.topP > 0 && f.topP <= 1)) throw new Error(`--top-p must be in (0, 1], got ${f.topP}`);
  encodePrompt(tokenizer, f.prompt); // fails on characters the vocabulary lacks before anything is printed
  process.stdout.write(f.prompt);
  generateText(model, tokenizer, f.prompt, {
    maxNewTokens: f.maxNewTokens,
    temperature: f.temperature,
    topK: f.topK,
    topP: f.topP,
    seed: f.seed,
    stop: f.stop,
    onText: (piece) => process.stdout.write(piece),
  });
  process.stdout.write("\n");
}

async function runTokenizer(f: { text: string; vocabSize: number; out: string; special?: string[] }): Promise<void> {
  const text = readText(f.text);
  const tok = trainByteLevelBpe(text, { vocabSize: f.vocabSize, specialTokens: f.special ?? ["<|endoftext|>"] });
  tok.save(f.out);
  const n = tok.encode(text, { disallowedSpecial: [] }).length;
  process.stdout.write(`byte-level BPE of ${tok.vocabSize} tokens (${tok.merges.length} merges): ${text.length.toLocaleString("en-US")} characters ` +
    `→ ${n.toLocaleString("en-US")} tokens (${(text.length / n).toFixed(2)} characters per token); wrote ${join(f.out, "vocab.json")} and ${join(f.out, "merges.txt")}\n`);
}

export function registerLm(program: Command): void {
  const lm = program.command("lm").description("GPT language models: train, fine-tune, generate, tokenizers");

  lm.command("train")
    .description("train a GPT on a text file, fine-tune one (--from), or resume a run (--resume)")
    .requiredOption("--text <file>", "the corpus (first 90% train, last 10% validation)")
    .option("--config <file>", "JSON or YAML: { model: {...}, tokenizer: \"char\" | dir, train: {...} }")
    .option("--out <dir>", "run directory; the checkpoint goes to <dir>/checkpoint", "runs/lm")
    .option("--steps <n>", "budget: optimizer steps (default 2000)", positiveInt)
    .option("--minutes <m>", "budget: minutes of training", positiveNumber)
    .option("--resume", "continue the run in --out exactly where its checkpoint left it")
    .option("--seed <n>", "random seed", integer)
    .option("--tokenizer <spec>", "\"char\" (default) or a directory from lathe lm tokenizer")
    .option("--from <dir>", "fine-tune this Lathe LM bundle, Hugging Face GPT-2 directory or run")
    .option("--batch-size <n>", "sequences per step", positiveInt)
    .option("--grad-accum <n>", "micro-batches per step", positiveInt)
    .option("--lr <x>", "peak learning rate", positiveNumber)
    .option("--eval-interval <n>", "steps between validation, samples and checkpoints", positiveInt)
    .option("--freeze-embeddings", "fine-tuning: freeze the token and position embeddings")
    .option("--freeze-layers <k>", "fine-tuning: freeze the first k blocks", integer)
    .option("--lora-rank <r>", "fine-tuning: train LoRA adapters of this rank instead of the weights", positiveInt)
    .option("--lora-alpha <a>", "LoRA scale numerator (default: the rank)", positiveNumber)
    .option("--lora-dropout <p>", "dropout on the LoRA adapters' input", nonNegativeNumber)
    .action(guarded("train", runTrain));

  lm.command("generate")
    .description("continue a prompt with a trained model, streaming the text as it is produced")
    .argument("<dir>", "a Lathe LM bundle, a run directory (its checkpoint) or a Hugging Face GPT-2 directory")
    .option("--prompt <text>", "the text to continue", "\n")
    .option("--max-new-tokens <n>", "tokens to generate", integer, 200)
    .option("--temperature <t>", "sampling temperature; 0 is greedy", nonNegativeNumber, 0.8)
    .option("--top-k <k>", "sample from the k most likely tokens", positiveInt)
    .option("--top-p <p>", "sample from the most likely tokens that make up probability p", positiveNumber)
    .option("--seed <n>", "random seed", integer, 0)
    .option("--stop <text>", "stop once the output contains this (repeatable)", collect)
    .action(guarded("generate", runGenerate));

  lm.command("tokenizer")
    .description("train a byte-level BPE tokenizer (GPT-2's format) on a text file")
    .requiredOption("--text <file>", "the corpus")
    .requiredOption("--vocab-size <n>", "tokens in the vocabulary: 256 bytes + merges + special tokens", positiveInt)
    .requiredOption("--out <dir>", "where vocab.json and merges.txt go")
    .option("--special <token>", "a special token (repeatable; default <|endoftext|>)", collect)
    .action(guarded("tokenizer", runTokenizer));

  registerLmDemo(lm);
}
