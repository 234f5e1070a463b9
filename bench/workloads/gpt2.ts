/**
 * GPT2 on Lathe: GPT-2 small (124M parameters) with random weights, loaded from a Hugging
 * Face directory as a user's checkpoint would be. One call of measureGpt2 is one cold load in
 * a fresh process (bench/workloads/gpt2_child.ts), then the resident memory, prompt
 * processing (prefill) and greedy generation with the KV cache, batch 1.
 * bench/peers/gpt2_torch.py does the same in PyTorch on the same file.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, rename, rm } from "node:fs/promises";
import os from "node:os";
import { dirname, join } from "node:path";
import { Tensor, noGrad } from "../../src/index.js";
import { BpeTokenizer, GPT, type GPTConfigInit, generate, loadPretrained, savePretrained } from "../../src/llm/index.js";
import { REPO } from "../paths.js";
import type { Plan, Sample } from "../plan.js";
import { LATHE } from "../report.js";
import { measure } from "../timing.js";

/** GPT-2 small as Hugging Face's `gpt2`: tied head, tanh GELU ("gelu_new"), its dropout rates (inactive in eval mode). */
export const GPT2_SMALL: GPTConfigInit = {
  vocabSize: 50257, blockSize: 1024, nLayer: 12, nHead: 12, nEmbd: 768, activation: "geluTanh", tiedEmbeddings: true, dropout: 0.1,
};

/** What one round measures; the same numbers go to gpt2_torch.py. */
export interface Gpt2Shape {
  /** Length of the prefill prompt. */
  promptTokens: number;
  /** Greedy tokens generated after a 1-token prompt. */
  newTokens: number;
}
export const GPT2_SHAPE: Gpt2Shape = { promptTokens: 128, newTokens: 64 };

/** Seed of the random weights; part of the cache directory's name, as is the layout version. */
const SEED = 0;
const CACHE_NAME = `gpt2-small-seed${SEED}-v1`;

/** GPT-2's tokenizer files, which the checkpoint directory carries like the hub's (loadPretrained reads them). */
const TOKENIZER_DIR = join(REPO, "test", "fixtures", "gpt2");

/** Where the checkpoint is kept between runs (~500 MB): $LATHE_BENCH_CACHE_DIR or the OS temporary directory. */
export function gpt2CacheDir(): string {
  return join(process.env.LATHE_BENCH_CACHE_DIR ?? join(os.tmpdir(), "lathe-bench"), CACHE_NAME);
}

/**
 * The prompt's token ids: a fixed spread over the vocabulary (no tokenizer needed, so the
 * torch script computes the same), starting at 464, GPT-2's "The". Lathe and torch must agree.
 */
export function promptIds(n: number, vocabSize: number): number[] {
  return Array.from({ length: n }, (_, i) => (464 + 7919 * i) % vocabSize);
}

/**
 * Makes `dir` a Hugging Face GPT-2 directory of `config` with seeded random weights (GPT-2's
 * initialisation), unless it exists. Written into a temporary sibling and renamed, so an
 * interrupted run leaves no half-written checkpoint and two runs racing both end with one.
 * The tokenizer files are added when the vocabulary is GPT-2's.
 */
export async function ensureGpt2Dir(dir: string, config: GPTConfigInit): Promise<{ created: boolean }> {
  if (existsSync(dir)) {
    for (const f of ["config.json", "model.safetensors"]) {
      if (!existsSync(join(dir, f))) throw new Error(`GPT2 bench: ${dir} exists but has no ${f}; delete the directory to have it recreated`);
    }
    return { created: false };
  }
  await mkdir(dirname(dir), { recursive: true });
  const tmp = `${dir}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await savePretrained(new GPT(config, { seed: SEED }), tmp);
    if (config.vocabSize === GPT2_SMALL.vocabSize) {
      for (const f of ["vocab.json", "merges.txt"]) await copyFile(join(TOKENIZER_DIR, f), join(tmp, f));
    }
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    // Another run finished the same directory first: use theirs.
    if (existsSync(join(dir, "model.safetensors"))) return { created: false };
    throw err;
  }
  return { created: true };
}

const MB = 2 ** 20;

/**
 * Process memory in MB once garbage is collected, where the process allows it (the child runs
 * with --expose-gc). V8 frees ArrayBuffer backing stores on a background task after a
 * collection, so collect and yield until arrayBuffers stops falling.
 */
async function memoryMB(): Promise<{ rss: number; arrayBuffers: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let last = Infinity;
  for (let i = 0; gc && i < 10 && process.memoryUsage().arrayBuffers < last; i++) {
    last = process.memoryUsage().arrayBuffers;
    gc();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const m = process.memoryUsage();
  return { rss: m.rss / MB, arrayBuffers: m.arrayBuffers / MB };
}

/**
 * One round of GPT2 on Lathe, in the calling process: the first loadPretrained of `dir` here
 * (cold: nothing of Lathe's has run on it yet), memory, then prefill and generation timed by
 * the bench's method. The generation sample's `extra.ids` are the greedy tokens, for the
 * comparison with torch.
 */
export async function measureGpt2(dir: string, plan: Plan, shape: Gpt2Shape): Promise<Sample[]> {
  const sample = (config: string, metric: string, rest: Partial<Sample>): Sample =>
    ({ workload: "GPT2", peer: LATHE, config, variant: "", metric, work: 1, seconds: [], ...rest });
  const before = await memoryMB();
  const t0 = performance.now();
  const { model } = await loadPretrained(dir);
  const loadSeconds = (performance.now() - t0) / 1e3;
  const after = await memoryMB();
  const peakRss = (process.resourceUsage().maxRSS * 1024) / MB;
  const out: Sample[] = [
    sample("load (cold)", "s, lower is better", { values: [loadSeconds], extra: { tokenizerSeconds: tokenizerSeconds(dir) } }),
    sample("RSS after load", "MB, lower is better", { values: [after.rss], extra: { rssBeforeLoad: before.rss } }),
    sample("RSS added by load", "MB, lower is better", { values: [after.rss - before.rss] }),
    sample("peak RSS through load", "MB, lower is better", { values: [peakRss] }),
    sample("ArrayBuffers after load", "MB, lower is better", { values: [after.arrayBuffers] }),
  ];

  out.push(sample(`prefill, ${shape.promptTokens} tokens`, "tokens/s", {
    work: shape.promptTokens, seconds: await measure(gpt2Prefill(model, shape.promptTokens), { reps: plan.reps, minTime: plan.longTime }),
  }));

  let ids: ArrayLike<number> = [];
  const generateOnce = gpt2Generate(model, shape.newTokens);
  const gen = () => (ids = generateOnce());
  out.push(sample(`generate, KV cache, ${shape.newTokens} tokens`, "tokens/s", {
    work: shape.newTokens, seconds: await measure(gen, { reps: plan.reps, minTime: plan.longTime }), extra: { ids: Array.from(ids) },
  }));
  return out;
}

/**
 * Seconds to read the tokenizer files again (a second time, so warmer than inside the cold
 * load): how much of loadPretrained's time is the tokenizer, which the torch script does not load.
 */
function tokenizerSeconds(dir: string): number | null {
  if (!existsSync(join(dir, "vocab.json"))) return null;
  const t = performance.now();
  BpeTokenizer.load(dir);
  return (performance.now() - t) / 1e3;
}

/** Prompt processing: the logits of a `tokens`-long prompt into a fresh KV cache, last position only (what generation needs). */
export function gpt2Prefill(model: GPT, tokens: number): () => Tensor {
  const prompt = new Tensor(Int32Array.from(promptIds(tokens, model.config.vocabSize)), [1, tokens]);
  return () => noGrad(() => model.logits(prompt, { cache: model.createCache(), lastOnly: true }));
}

/** Greedy generation of `tokens` tokens with the KV cache after a 1-token prompt. */
export function gpt2Generate(model: GPT, tokens: number): () => Int32Array {
  return () => generate(model, promptIds(1, model.config.vocabSize), { maxNewTokens: tokens, temperature: 0 });
}

/** How many leading generated ids two peers share, from their generation samples' `extra.ids`. */
export function idsAgreement(a: Sample | undefined, b: Sample | undefined): { agree: number; of: number } | null {
  const x = a?.extra?.ids as number[] | undefined;
  const y = b?.extra?.ids as number[] | undefined;
  if (!x || !y) return null;
  let agree = 0;
  while (agree < x.length && agree < y.length && x[agree] === y[agree]) agree++;
  return { agree, of: Math.max(x.length, y.length) };
}
