/**
 * Training and fine-tuning GPT language models on a text corpus: random context windows,
 * AdamW with a warm-up + cosine schedule, gradient clipping and accumulation, periodic
 * validation with samples, and checkpoints that resume exactly.
 */
import { backward } from "../autograd/engine.js";
import { noGrad } from "../autograd/grad_mode.js";
import { mul, narrow } from "../ops/functional.js";
import { clipGradNorm } from "../optim/index.js";
import { defaultGenerator, Generator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import type { LMTokenizer } from "./bundle.js";
import { type EvalRecord, type TrainState, saveCheckpoint } from "./checkpoint.js";
import { type TokenSplits, sampleWindows, splitTokens } from "./data.js";
import { generate } from "./generate.js";
import { encodePrompt } from "./generate_text.js";
import type { GPT } from "./gpt.js";
import { TrainProgress, formatDuration } from "./progress.js";
import { decayProgress, scheduledLr } from "./schedule.js";
import { CharTokenizer } from "./tokenizer/index.js";
import type { TrainSettings } from "./train_config.js";
import { type Run, type TrainLMOptions, makeOptimizer, setupRun, sha256 } from "./train_setup.js";

export interface TrainLMResult {
  /** The trained model (LoRA adapters still attached when LoRA was on: mergeLoRA folds them in). */
  model: GPT;
  tokenizer: LMTokenizer;
  settings: TrainSettings;
  state: TrainState;
  /** The budget is spent (rather than the session stopped by stopAtStep or the signal). */
  finished: boolean;
  tokensPerSecond: number;
}

/**
 * Each source of randomness gets its own stream, seeded from the run's seed: the model's
 * initial weights (the seed itself), the training windows, dropout, and the validation
 * windows (reseeded at every evaluation, so all evaluations see the same windows).
 */
const BATCH_SEED_OFFSET = 1;
const DROPOUT_SEED_OFFSET = 2;
const EVAL_SEED_OFFSET = 3;
const SAMPLE_TEMPERATURE = 0.8;
const SAMPLE_TOP_K = 200;

/**
 * Forward and backward over a batch [B, T] in `parts` equal micro-batches, accumulating into
 * the parameters' .grad; returns the batch's mean loss. Each part's mean loss is scaled by
 * 1/parts, so the gradients add up to those of the whole batch taken at once, while only one
 * part's activations are held at a time.
 */
export function backwardBatch(model: GPT, x: Tensor, y: Tensor, parts: number): number {
  const micro = x.shape[0] / parts;
  let total = 0;
  for (let m = 0; m < parts; m++) {
    const { loss } = model.forward(narrow(x, 0, m * micro, micro), narrow(y, 0, m * micro, micro));
    backward(parts > 1 ? mul(loss, 1 / parts) : loss);
    total += loss.item();
  }
  return total / parts;
}

/** Mean loss over the validation windows, in eval mode and without gradients. */
function evaluate(model: GPT, val: Int32Array, s: TrainSettings, context: number): number {
  const gen = new Generator(s.seed + EVAL_SEED_OFFSET);
  const micro = s.batchSize / s.gradAccum;
  const batches = s.evalBatches * s.gradAccum;
  model.eval();
  let total = 0;
  noGrad(() => {
    for (let i = 0; i < batches; i++) {
      const { x, y } = sampleWindows(val, micro, context, gen);
      total += model.forward(x, y).loss.item();
    }
  });
  model.train();
  return total / batches;
}

function sampleText(model: GPT, tokenizer: LMTokenizer, prompt: Int32Array, s: TrainSettings, step: number): string {
  const ids = generate(model, prompt, { maxNewTokens: s.sampleTokens, temperature: SAMPLE_TEMPERATURE, topK: SAMPLE_TOP_K, seed: s.seed + step });
  return tokenizer.decode([...prompt, ...ids]);
}

/** The learning rate for the coming step. */
function currentLr(s: TrainSettings, st: TrainState): number {
  const progress = s.steps !== null
    ? decayProgress(st.step, s.warmupSteps, s.steps)
    : decayProgress(st.trainSeconds, st.warmupSeconds ?? 0, (s.minutes as number) * 60);
  return scheduledLr(s, st.step, progress);
}

function budgetSpent(s: TrainSettings, st: TrainState): boolean {
  return s.steps !== null ? st.step >= s.steps : st.trainSeconds >= (s.minutes as number) * 60;
}

function freshState(s: TrainSettings): TrainState {
  // Dropout draws from the default generator, so a run seeds it for reproducibility.
  defaultGenerator.manualSeed(s.seed + DROPOUT_SEED_OFFSET);
  return {
    step: 0,
    tokensSeen: 0,
    trainSeconds: 0,
    warmupSeconds: s.warmupSteps === 0 ? 0 : null,
    rng: { batches: new Generator(s.seed + BATCH_SEED_OFFSET).getState(), dropout: defaultGenerator.getState() },
    history: [],
  };
}

function tokenize(run: Run, text: string, context: number): { splits: TokenSplits; corpus: { sha256: string; tokens: number } } {
  const corpus = { sha256: sha256(text), tokens: 0 };
  if (run.resumed && run.resumed.corpusSha256 !== corpus.sha256) {
    throw new Error("train: the corpus is not the one this checkpoint was trained on (its SHA-256 differs)");
  }
  const tokens = run.tokenizer.encode(text);
  corpus.tokens = tokens.length;
  return { splits: splitTokens(tokens, run.settings.valFraction, context), corpus };
}

const count = (n: number): string => n.toLocaleString("en-US");

/** The line a session starts with: what is trained on what, and from where. */
function describeRun(run: Run, splits: TokenSplits, st: TrainState): string {
  const { model, tokenizer, settings: s } = run;
  const c = model.config;
  const kind = tokenizer instanceof CharTokenizer ? "character" : "BPE";
  const start = run.resumed ? `resuming at step ${st.step}` : run.from ? `fine-tuning ${run.from}${s.lora ? ` with LoRA rank ${s.lora.rank}` : ""}` : "training a new model";
  const budget = s.steps !== null ? `${count(s.steps)} steps` : `${s.minutes} minutes`;
  return `${start}: GPT ${c.nLayer} layers, ${c.nHead} heads, ${c.nEmbd} wide, context ${s.contextLength ?? c.blockSize}, ` +
    `${count(model.numParameters())} parameters (${count(model.numParameters({ trainableOnly: true }))} trainable); ` +
    `${kind} tokenizer of ${count(tokenizer.vocabSize)} tokens; ${count(splits.train.length)} training tokens, ` +
    `${count(splits.val.length)} validation; batch ${s.batchSize}${s.gradAccum > 1 ? ` (${s.gradAccum} × ${s.batchSize / s.gradAccum})` : ""}; budget ${budget}`;
}

/**
 * Trains (or fine-tunes, or resumes) a GPT on `opts.text`; see TrainLMOptions. The loop runs
 * until the budget is spent, evaluating every evalInterval steps and at the end, and writes a
 * checkpoint at each evaluation when outDir is set. It yields to the event loop between
 * steps, so a signal (Ctrl-C) can stop it cleanly.
 */
export async function trainLM(opts: TrainLMOptions): Promise<TrainLMResult> {
  const run = await setupRun(opts);
  const { model, tokenizer, settings: s } = run;
  const context = s.contextLength ?? model.config.blockSize;
  if (context > model.config.blockSize) throw new RangeError(`train: contextLength ${context} exceeds the model's blockSize ${model.config.blockSize}`);
  const { splits, corpus } = tokenize(run, opts.text, context);
  const prompt = s.samplePrompt !== null ? encodePrompt(tokenizer, s.samplePrompt) : splits.val.slice(0, 1);

  const optimizer = makeOptimizer(model, s);
  const st = run.resumed ? structuredClone(run.resumed.state) : freshState(s);
  if (run.resumed) {
    optimizer.loadStateDict(run.resumed.optimizer);
    defaultGenerator.setState(st.rng.dropout);
  }
  const batches = new Generator();
  batches.setState(st.rng.batches);
  const params = optimizer.paramGroups.flatMap((g) => g.params);
  const progress = new TrainProgress(opts.log ?? { write: () => true }, s.logInterval);
  const recent: number[] = [];
  let sinceEval: number[] = [];
  let lastLr = currentLr(s, st);
  let sessionTokens = 0;
  let sessionSeconds = 0;
  progress.line(describeRun(run, splits, st));

  const evaluateAndSave = async (): Promise<void> => {
    const trainLoss = sinceEval.length ? sinceEval.reduce((a, b) => a + b, 0) / sinceEval.length : NaN;
    const valLoss = evaluate(model, splits.val, s, context);
    sinceEval = [];
    const rec: EvalRecord = { step: st.step, tokens: st.tokensSeen, seconds: st.trainSeconds, lr: lastLr, trainLoss, valLoss };
    st.history.push(rec);
    progress.line(`step ${st.step}: train loss ${trainLoss.toFixed(4)}, val loss ${valLoss.toFixed(4)} (${formatDuration(st.trainSeconds)} of training)`);
    if (s.sampleTokens > 0) progress.line(`--- sample at step ${st.step} ---\n${sampleText(model, tokenizer, prompt, s, st.step)}\n---`);
    if (opts.outDir === undefined) return;
    st.rng = { batches: batches.getState(), dropout: defaultGenerator.getState() };
    await saveCheckpoint(opts.outDir, {
      model,
      tokenizer,
      optimizer: optimizer.stateDict(),
      meta: { settings: s, from: run.from, corpus, state: st },
      training: { step: st.step, tokens: st.tokensSeen, seconds: st.trainSeconds, valLoss, corpusSha256: corpus.sha256, from: run.from },
    });
  };

  model.train();
  let evaluated = true;
  while (!budgetSpent(s, st) && st.step < (opts.stopAtStep ?? Infinity) && !opts.signal?.aborted) {
    const t0 = performance.now();
    lastLr = currentLr(s, st);
    for (const g of optimizer.paramGroups) g.lr = lastLr;
    optimizer.zeroGrad();
    const { x, y } = sampleWindows(splits.train, s.batchSize, context, batches);
    const stepLoss = backwardBatch(model, x, y, s.gradAccum);
    if (!Number.isFinite(stepLoss)) {
      throw new Error(`train: the loss is ${stepLoss} at step ${st.step + 1}; training diverged (a lower lr or gradClip may help)${opts.outDir ? "; the last checkpoint is intact" : ""}`);
    }
    if (s.gradClip > 0) clipGradNorm(params, s.gradClip);
    optimizer.step();
    const seconds = (performance.now() - t0) / 1000;
    st.step++;
    st.tokensSeen += s.batchSize * context;
    st.trainSeconds += seconds;
    if (st.step === s.warmupSteps) st.warmupSeconds = st.trainSeconds;
    sessionTokens += s.batchSize * context;
    sessionSeconds += seconds;
    sinceEval.push(stepLoss);
    recent.push(stepLoss);
    if (recent.length > s.logInterval) recent.shift();
    progress.step({
      step: st.step,
      totalSteps: s.steps,
      totalSeconds: s.minutes !== null ? s.minutes * 60 : null,
      loss: recent.reduce((a, b) => a + b, 0) / recent.length,
      lr: lastLr,
      tokensPerSecond: sessionTokens / sessionSeconds,
      seconds: st.trainSeconds,
    });
    evaluated = st.step % s.evalInterval === 0;
    if (evaluated) await evaluateAndSave();
    await new Promise((r) => setImmediate(r));
  }
  if (!evaluated) await evaluateAndSave();
  const finished = budgetSpent(s, st);
  return { model, tokenizer, settings: s, state: st, finished, tokensPerSecond: sessionSeconds > 0 ? sessionTokens / sessionSeconds : 0 };
}
