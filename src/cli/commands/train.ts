import { type Command, Option } from "commander";
import { integer } from "../args.js";
import { type RunConfig, loadConfig } from "../config.js";
import { action, confusionLines, metricsLine, note, print, printJson, withCommonOptions } from "../output.js";
import { type TrainResult, trainTabular } from "../tabular_train.js";

export interface TrainFlags {
  data: string;
  target: string;
  task?: "classification" | "regression";
  config?: string;
  out: string;
  seed?: number;
  epochs?: number;
  resume?: boolean;
  json?: boolean;
}

/** The config file's settings with the flags laid over them. */
export function runConfig(flags: Pick<TrainFlags, "config" | "task" | "seed" | "epochs">): RunConfig {
  const config = loadConfig(flags.config);
  if (flags.task !== undefined) config.task = flags.task;
  if (flags.seed !== undefined) config.training.seed = flags.seed;
  if (flags.epochs !== undefined) {
    if (flags.epochs < 1) throw new RangeError("--epochs must be at least 1");
    config.training.epochs = flags.epochs;
  }
  return config;
}

/** What --json prints for a training run (train and demo). */
export function trainJson(r: TrainResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    bundle: r.bundle,
    report: r.report,
    task: r.task,
    target: r.target,
    labels: r.labels,
    metrics: r.metrics,
    ...(r.test.confusionMatrix ? { confusionMatrix: r.test.confusionMatrix } : {}),
    rows: r.rows,
    features: r.features,
    dropped: r.dropped,
    epochs: r.epochs,
    bestEpoch: r.bestEpoch,
    parameters: r.parameters,
    seconds: r.seconds,
    ...extra,
  };
}

/** The human summary of a training run: metrics per split, the confusion matrix, where the bundle went. */
export function printTrainSummary(r: TrainResult): void {
  print(`validation (${r.rows.validation} rows): ${metricsLine(r.metrics.validation)}`);
  print(`test (${r.rows.test} rows): ${metricsLine(r.metrics.test)}`);
  if (r.test.confusionMatrix) {
    print("confusion matrix on the test rows:");
    for (const line of confusionLines(r.test.confusionMatrix)) print(`  ${line}`);
  }
  print(`saved the model bundle to ${r.bundle} (lathe.json, model.safetensors); report: ${r.report}`);
}

const CONFIG_HELP = `
A run config gives only the settings it changes (defaults shown):
  task: classification | regression              # default: detected from the target
  data: { schema: {}, missing: [NA, "?", …], drop: [], identifiers: drop }
  split: { validation: 0.15, test: 0.15, stratify: true }
  model: { hidden: [128, 64], dropout: 0, batchNorm: false, activation: relu }
  optimizer: { name: adam, lr: 0.001 }           # + weightDecay, momentum, betas, …
  schedule: { type: none }                       # step (stepSize, gamma), cosine (minLr), plateau (factor, patience)
  training: { epochs: 50, batchSize: 32, seed: 0, earlyStopping: { patience: 10, monitor: valLoss, minDelta: 0 },
              classWeight: none }      # earlyStopping: false turns it off; classWeight: balanced; gradClipNorm: <max norm>
  preprocessing: { numeric: { impute: median, scale: standard }, categorical: { impute: mostFrequent, encode: onehot },
                   columns: { <column>: { impute, scale, encode } | drop } }

Writes <out>/lathe.json and model.safetensors (the bundle), report.html, history.jsonl and checkpoints/.`;

export function registerTrain(program: Command): void {
  const cmd = program
    .command("train")
    .description("train an MLP on a CSV file and save it as a model bundle")
    .requiredOption("--data <file>", "the CSV file to learn from")
    .requiredOption("--target <column>", "the column to predict")
    .addOption(new Option("--task <task>", "what to predict (default: detected from the target)").choices(["classification", "regression"]))
    .option("--config <file>", "a YAML or JSON run config (model, optimizer, schedule, training, split, preprocessing)")
    .option("--out <dir>", "the bundle directory to write", "lathe-model")
    .option("--seed <n>", "random seed (split, initial weights, shuffles)", integer)
    .option("--epochs <n>", "epochs to train (early stopping may stop sooner)", integer)
    .option("--resume", "continue the run whose checkpoints are in <out>/checkpoints")
    .addHelpText("after", CONFIG_HELP);
  withCommonOptions(cmd).action(
    action(async (flags: TrainFlags) => {
      const result = await trainTabular({
        data: flags.data, target: flags.target, out: flags.out, config: runConfig(flags), resume: flags.resume === true, log: note,
      });
      if (flags.json) printJson(trainJson(result));
      else printTrainSummary(result);
    }),
  );
}
