import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
// Tensor methods (narrow, float, detach, …) that the network and fit call; the package root attaches them, a direct import of this module must too.
import type { ColumnTransformer } from "../data/preprocess/column_transformer.js";
import { writeFileAtomic } from "../io/atomic.js";
import { type BundleContents, bundleManifest, outputsFor, saveBundle } from "../io/bundle.js";
import { type ArchitectureConfig, buildModel, checkArchitecture } from "../io/bundle_arch.js";
import { featureSchema } from "../io/bundle_schema.js";
import { TabularModel } from "../io/bundle_model.js";
import type { Module } from "../nn/module.js";
import { CosineAnnealingLR, StepLR } from "../optim/lr_scheduler.js";
import type { Optimizer } from "../optim/optimizer.js";
import { ReduceLROnPlateau } from "../optim/plateau.js";
import { writeReport } from "../report/write.js";
import { manualSeed } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import { earlyStopping, jsonlLogger } from "../train/callbacks.js";
import { modelCheckpoint } from "../train/checkpoint.js";
import { type FitOptions, fit } from "../train/fit.js";
import type { History } from "../train/types.js";
import type { RunConfig, TaskName } from "./config.js";
import { type Evaluation, evaluateTable } from "./evaluation.js";
import { describeArchitecture } from "./output.js";
import { runReport } from "./run_report.js";
import { type Splits, type TargetEncoding, type TrainingTable, makePreprocessor, readTrainingTable, splitTable, targetEncoding } from "./tabular_data.js";

/**
 * The training half of `lathe train` (and `lathe demo`): an MLP from the config, trained
 * with fit on the training split with validation, early stopping and a checkpoint every
 * epoch in <out>/checkpoints (so --resume continues a killed run exactly), then scored on
 * the validation and test splits through the bundle's own prediction path and saved as a
 * bundle in <out>.
 */

export interface TrainRequest {
  data: string;
  target: string;
  out: string;
  config: RunConfig;
  /** Continue the run whose checkpoints are in <out>/checkpoints. */
  resume: boolean;
  log: (line: string) => void;
}

export interface TrainResult {
  bundle: string;
  data: string;
  /** The run report next to the bundle. */
  report: string;
  task: TaskName;
  target: string;
  labels: unknown[] | null;
  features: string[];
  dropped: { name: string; reason: string }[];
  rows: { train: number; validation: number; test: number };
  /** Epochs trained in all (a resumed run counts the ones before it), and the epoch whose weights were kept. */
  epochs: number;
  bestEpoch: number;
  parameters: number;
  seconds: number;
  metrics: { test: Record<string, number>; validation: Record<string, number> };
  test: Evaluation;
  history: History;
}

type Loss = Pick<FitOptions, "loss" | "posWeight" | "classWeight">;

/** The loss for the task; with classWeight "balanced", weights inverse to each class's share of the training rows. */
function lossFor(task: TaskName, labels: unknown[] | null, y: Float64Array, config: RunConfig): Loss {
  if (task === "regression") return { loss: "mse" };
  const k = labels!.length;
  const balanced = config.training.classWeight === "balanced";
  const counts = new Array<number>(k).fill(0);
  for (const v of y) counts[v]++;
  if (k === 2) return balanced && counts[1] > 0 ? { loss: "bceWithLogits", posWeight: counts[0] / counts[1] } : { loss: "bceWithLogits" };
  return balanced ? { loss: "crossEntropy", classWeight: counts.map((c) => (c > 0 ? y.length / (k * c) : 1)) } : { loss: "crossEntropy" };
}

function scheduler(config: RunConfig): FitOptions["lrScheduler"] {
  const s = config.schedule;
  switch (s.type) {
    case "none":
      return undefined;
    case "step":
      return (opt: Optimizer) => new StepLR(opt, s.stepSize, { gamma: s.gamma });
    case "cosine":
      return (opt: Optimizer) => new CosineAnnealingLR(opt, config.training.epochs, { etaMin: s.minLr });
    case "plateau": {
      const monitor = config.training.earlyStopping ? config.training.earlyStopping.monitor : "valLoss";
      return { scheduler: (opt: Optimizer) => new ReduceLROnPlateau(opt, { factor: s.factor, patience: s.patience }), monitor };
    }
  }
}

/**
 * What a resumed run must share with the run it continues (all but the epoch count, which
 * may grow), written beside the checkpoints; a resume with other settings would not give
 * the run that was asked for.
 */
function runIdentity(req: TrainRequest): string {
  const { epochs: _epochs, ...training } = req.config.training;
  const data = createHash("sha256").update(readFileSync(req.data)).digest("hex");
  return `${JSON.stringify({ data, target: req.target, config: { ...req.config, training } }, null, 1)}\n`;
}

async function prepareCheckpoints(req: TrainRequest, dir: string): Promise<string | undefined> {
  const runFile = join(dir, "run.json");
  const last = join(dir, "last.json");
  const identity = runIdentity(req);
  if (req.resume) {
    if (!existsSync(last)) throw new Error(`nothing to resume: ${last} does not exist (run without --resume to start)`);
    if (!existsSync(runFile) || readFileSync(runFile, "utf8") !== identity) {
      throw new Error(`cannot resume: the run in ${dir} was started with other data, target or settings; resume with the same ones (--epochs may grow)`);
    }
    req.log(`resuming from ${last}`);
    return last;
  }
  if (existsSync(last)) req.log(`starting afresh: the checkpoints in ${dir} are replaced (--resume would continue them)`);
  rmSync(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(runFile, identity);
  return undefined;
}

/** Everything a run trains on: the data's decisions, the split, the fitted preprocessing, the tensors and the fresh network. */
interface Prepared {
  t: TrainingTable;
  split: Splits;
  preprocess: ColumnTransformer;
  target: TargetEncoding;
  train: [Tensor, Tensor];
  val: [Tensor, Tensor];
  architecture: ArchitectureConfig;
  model: Module;
}

async function prepare(req: TrainRequest, log: (line: string) => void): Promise<Prepared> {
  const { config } = req;
  const t = await readTrainingTable(req.data, req.target, config, log);
  const split = splitTable(t, config);
  const stratified = t.task === "classification" && config.split.stratify ? ", stratified by class" : "";
  log(`split (seed ${config.training.seed}${stratified}): train ${split.train.numRows}, validation ${split.val.numRows}, test ${split.test.numRows} rows`);

  const preprocess = makePreprocessor(t, config);
  const xTrain = preprocess.fitTransform(split.train.select(t.features), { log });
  const target = targetEncoding(t, split.train);
  log(`features: ${t.features.length} columns → ${preprocess.featureNames.length} model inputs`);

  const m = config.model;
  const architecture = checkArchitecture({
    type: "mlp", inputs: preprocess.featureNames.length, hidden: m.hidden, outputs: outputsFor(t.task, target.labels),
    dropout: m.dropout, batchNorm: m.batchNorm, activation: m.activation,
  });
  // The seed fixes the initial weights as well as the shuffles and dropout that fit seeds.
  manualSeed(config.training.seed);
  const model = buildModel(architecture);
  log(`model: ${describeArchitecture(architecture)}, ${model.numParameters()} parameters`);
  return {
    t, split, preprocess, target, architecture, model,
    train: [xTrain, target.encode(split.train)],
    val: [preprocess.transform(split.val), target.encode(split.val)],
  };
}

/** Trains with fit; returns the history and the epoch whose weights the model ends with. */
async function trainModel(p: Prepared, req: TrainRequest, log: (line: string) => void): Promise<{ history: History; bestEpoch: number; resumed: boolean }> {
  const { config } = req;
  const ckptDir = join(req.out, "checkpoints");
  const resume = await prepareCheckpoints(req, ckptDir);
  const { name, ...settings } = config.optimizer;
  const es = config.training.earlyStopping;
  const stopper = es ? earlyStopping({ monitor: es.monitor, patience: es.patience, minDelta: es.minDelta, restoreBest: true }) : null;
  const binary = p.t.task === "classification" && p.target.labels!.length === 2;
  const history = await fit(p.model, p.train, {
    ...lossFor(p.t.task, p.target.labels, Float64Array.from(p.train[1].toArray()), config),
    optimizer: { name, ...settings },
    epochs: config.training.epochs,
    batchSize: config.training.batchSize,
    validation: p.val,
    metrics: p.t.task === "regression" ? [] : binary ? ["accuracy", "rocAuc"] : ["accuracy"],
    seed: config.training.seed,
    ...(config.training.gradClipNorm !== null ? { gradClipNorm: config.training.gradClipNorm } : {}),
    lrScheduler: scheduler(config),
    callbacks: [...(stopper ? [stopper] : []), modelCheckpoint({ path: ckptDir }), jsonlLogger(join(req.out, "history.jsonl"))],
    resume,
  });
  const epochs = history.epochs.length;
  if (!es || !stopper || stopper.bestEpoch === 0) return { history, bestEpoch: epochs, resumed: resume !== undefined };
  const best = stopper.bestEpoch;
  if (stopper.stoppedEpoch) log(`early stopping at epoch ${stopper.stoppedEpoch}: no better ${es.monitor} for ${es.patience} epochs; keeping the weights of epoch ${best}`);
  else if (best !== epochs) log(`keeping the weights of epoch ${best}, the best ${es.monitor}`);
  return { history, bestEpoch: best, resumed: resume !== undefined };
}

/**
 * Trains a model on a CSV as the request says, scores it on the held-out splits, and
 * writes the bundle and its report into `req.out`.
 */
export async function trainTabular(req: TrainRequest): Promise<TrainResult> {
  const started = new Date();
  // What the tool decided about the data goes to the log and, as notes, into the report.
  const notes: string[] = [];
  const log = (line: string): void => {
    notes.push(line);
    req.log(line);
  };
  const p = await prepare(req, log);
  const { history, bestEpoch, resumed } = await trainModel(p, req, log);

  const { t, split, model, preprocess, architecture, target } = p;
  const contents: BundleContents = {
    model, architecture, task: t.task, preprocess,
    target: { name: t.target, type: t.table.column(t.target).type, scale: target.scale },
    labels: target.labels,
    features: featureSchema(split.train, t.features, t.dropped, req.config.data.missing ?? undefined),
  };
  // Scored through the bundle's own prediction path (the weights' checksum is not needed for that).
  const predictor = new TabularModel(bundleManifest(contents, ""), model, preprocess);
  const validation = evaluateTable(predictor, split.val);
  const test = evaluateTable(predictor, split.test);
  const seconds = (Date.now() - started.getTime()) / 1000;
  const rows = { train: split.train.numRows, validation: split.val.numRows, test: split.test.numRows };
  const metrics = { test: test.metrics, validation: validation.metrics };
  const epochs = history.epochs.length;
  const { config } = req;
  await saveBundle(req.out, {
    ...contents,
    training: {
      data: req.data, rows, seed: config.training.seed, epochs, bestEpoch, epochsRequested: config.training.epochs,
      resumed, startedAt: started.toISOString(), finishedAt: new Date().toISOString(), seconds, config,
      ...(test.confusionMatrix ? { testConfusionMatrix: test.confusionMatrix } : {}),
    },
    metrics,
  });
  const result: TrainResult = {
    bundle: req.out, data: req.data, report: join(req.out, "report.html"), task: t.task, target: t.target, labels: target.labels,
    features: t.features, dropped: t.dropped, rows, epochs, bestEpoch, parameters: model.numParameters(), seconds, metrics, test, history,
  };
  await writeReport(result.report, runReport(result, test, config, architecture, notes));
  return result;
}
