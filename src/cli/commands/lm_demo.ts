/**
 * `lathe lm demo`: a small character-level GPT trained on the bundled Tiny Shakespeare for a
 * time budget (1.5 minutes by default), showing the validation loss fall and the samples
 * improve, then writing a longer sample.
 */
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { generateText, trainLM } from "../../llm/index.js";
import { integer } from "../args.js";
import { guarded, positiveNumber, readText } from "./lm_common.js";

const CORPUS = new URL("../../../../data/tinyshakespeare.txt", import.meta.url);

/**
 * Small enough to take thousands of steps in a minute or two on a CPU: a 64-token context is
 * about a line of verse, long enough to learn words, names and the speaker format.
 */
const DEMO_MODEL = { blockSize: 64, nLayer: 2, nHead: 4, nEmbd: 64, tiedEmbeddings: false };
const DEMO_TRAIN = { batchSize: 16, lr: 2e-3, warmupSteps: 100, evalInterval: 250, evalBatches: 20, sampleTokens: 120 };

async function runDemo(f: { minutes: number; seed: number; out?: string }): Promise<void> {
  const text = readText(fileURLToPath(CORPUS));
  process.stdout.write(`Training a character-level GPT on Tiny Shakespeare (data/tinyshakespeare.txt) for ${f.minutes} minutes.\n`);
  const r = await trainLM({ text, model: DEMO_MODEL, outDir: f.out, train: { ...DEMO_TRAIN, minutes: f.minutes, seed: f.seed }, log: process.stdout });
  const curve = r.state.history.map((h) => `${h.step}: ${h.valLoss.toFixed(3)}`).join(", ");
  process.stdout.write(`\nvalidation loss by step: ${curve}\n` +
    `${r.state.step} steps at ${Math.round(r.tokensPerSecond).toLocaleString("en-US")} tokens/s\n\n--- 400 characters from the trained model ---\n`);
  generateText(r.model, r.tokenizer, "\n", { maxNewTokens: 400, temperature: 0.8, seed: f.seed, onText: (s) => process.stdout.write(s) });
  process.stdout.write(`\n---\n${f.out ? `The model is in ${f.out}/checkpoint: lathe lm generate ${f.out} --prompt "ROMEO:"\n` : ""}`);
}

export function registerLmDemo(lm: Command): void {
  lm.command("demo")
    .description("train a small character-level GPT on Tiny Shakespeare and generate text (about 1.5 minutes)")
    .option("--minutes <m>", "training time", positiveNumber, 1.5)
    .option("--seed <n>", "random seed", integer, 0)
    .option("--out <dir>", "keep the model: write its checkpoint to this run directory")
    .action(guarded("demo", runDemo));
}
