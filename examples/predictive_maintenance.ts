/**
 * Failure prediction from machine sensor readings: the AI4I 2020 predictive-maintenance data
 * (10,000 rows, 3.4% failures; synthetic by design, see data/README.md) → identifier and
 * leaking columns dropped → stratified train/validation/test split → preprocessing fitted on
 * the training rows → MLP with a class-weighted loss (posWeight) → early stopping on the
 * validation PR AUC → a decision threshold chosen on the validation rows for a target recall
 * → test metrics and an HTML report.
 *
 *   npm run build && node dist/examples/predictive_maintenance.js [--epochs 60] [--seed 0] [--out report.html]
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Tensor, data, fit, manualSeed, nn, predict, train } from "../src/index.js";
import { binaryCurves, writeReport } from "../src/report/index.js";
import { dataPath } from "./breast_cancer_mlp.js";

const TARGET = "Machine failure";
/**
 * Which failure mode occurred (tool wear, heat dissipation, power, overstrain, random): known
 * only once the machine has failed, and nearly the target itself, so a model must not see them.
 */
const FAILURE_MODES = ["TWF", "HDF", "PWF", "OSF", "RNF"];

export interface MaintenanceOptions {
  /** Most epochs to train; early stopping usually ends sooner. Default 60. */
  epochs?: number;
  /** Epochs without a better validation PR AUC before stopping. Default 10. */
  patience?: number;
  seed?: number;
  /** The recall the decision threshold must reach on the validation rows. Default 0.9. */
  targetRecall?: number;
  /** Where to write the HTML report; null for none. Default "predictive_maintenance.html". */
  reportPath?: string | null;
  log?: (line: string) => void;
}

export interface SplitMetrics {
  prAuc: number;
  rocAuc: number;
  recall: number;
  precision: number;
  f1: number;
  accuracy: number;
  positiveRate: number;
}

export interface MaintenanceResult {
  droppedColumns: string[];
  posWeight: number;
  epochsTrained: number;
  /** The probability at or above which a machine is flagged. */
  threshold: number;
  validation: SplitMetrics;
  test: SplitMetrics;
  /** Test confusion matrix at the threshold: rows true [no failure, failure], columns predicted. */
  confusionMatrix: number[][];
  history: train.History;
  reportPath: string | null;
}

function labels(t: data.Table): Tensor {
  return t.toTensor([TARGET]).reshape([t.numRows]);
}

async function probabilities(model: nn.Module, x: Tensor): Promise<Tensor> {
  return (await predict(model, x, { batchSize: 1024 })).reshape([x.shape[0]]).sigmoid();
}

/** The highest threshold whose recall on (y, p) reaches `target`: flag as few machines as that recall allows. */
function thresholdForRecall(y: Tensor, p: Tensor, target: number): number {
  const roc = train.rocCurve(y, p);
  const i = roc.tpr.findIndex((r) => r >= target);
  return roc.thresholds[i];
}

function splitMetrics(y: Tensor, p: Tensor, threshold: number): SplitMetrics {
  const flagged = p.ge(threshold).float();
  return {
    prAuc: train.prAuc(y, p),
    rocAuc: train.rocAuc(y, p),
    recall: train.recall(y, flagged),
    precision: train.precision(y, flagged),
    f1: train.f1(y, flagged),
    accuracy: train.accuracy(y, flagged),
    positiveRate: y.mean().item(),
  };
}

export async function main(options: MaintenanceOptions = {}): Promise<MaintenanceResult> {
  const { epochs = 60, patience = 10, seed = 0, targetRecall = 0.9, log = console.log } = options;
  const reportPath = options.reportPath === undefined ? "predictive_maintenance.html" : options.reportPath;
  manualSeed(seed);
  const table = data.readCsvSync(dataPath("ai4i2020.csv"));
  const ids = data.detectIdentifierColumns(table, { exclude: [TARGET] });
  for (const id of ids) log(`dropping identifier column "${id.name}": ${id.reason}`);
  log(`dropping failure-mode columns ${FAILURE_MODES.join(", ")}: they record how a machine failed, known only after the fact`);
  const dropped = [...ids.map((c) => c.name), ...FAILURE_MODES];

  // Stratified, so the rare failures keep their 3.4% share in every part.
  const parts = data.trainValTestSplit(table, { valSize: 0.15, testSize: 0.15, stratify: TARGET, seed });
  const features = new data.ColumnTransformer({ drop: [TARGET, ...dropped] });
  const xTrain = features.fitTransform(parts.train);
  const [xVal, xTest] = [features.transform(parts.val), features.transform(parts.test)];
  const [yTrain, yVal, yTest] = [labels(parts.train), labels(parts.val), labels(parts.test)];
  const positives = yTrain.sum().item();
  // Weighting each failure as much as all the healthy rows per failure evens out the classes in the loss.
  const posWeight = (yTrain.shape[0] - positives) / positives;
  log(`${table.numRows} rows: ${yTrain.shape[0]} train (${positives} failures), ${yVal.shape[0]} validation, ${yTest.shape[0]} test; ` +
    `features ${features.featureNames.join(", ")}; posWeight ${posWeight.toFixed(1)}`);

  const f = xTrain.shape[1];
  const model = new nn.Sequential(new nn.Linear(f, 32), new nn.ReLU(), new nn.Linear(32, 16), new nn.ReLU(), new nn.Linear(16, 1));
  const stopper = train.earlyStopping({ monitor: "valPrAuc", patience, restoreBest: true });
  const history = await fit(model, [xTrain, yTrain], {
    loss: "bceWithLogits", posWeight, optimizer: { name: "adam", lr: 3e-3 }, epochs, batchSize: 64, seed,
    validation: [xVal, yVal], metrics: ["prAuc", "rocAuc"], verbose: false,
    callbacks: [stopper, { onEpochEnd: (e, l) => log(`epoch ${e}  loss ${l.loss.toFixed(4)}  val loss ${l.valLoss.toFixed(4)}  val PR AUC ${l.valPrAuc.toFixed(4)}`) }],
  });
  log(`best validation PR AUC ${stopper.best?.toFixed(4)} at epoch ${stopper.bestEpoch} (weights restored)`);

  const pVal = await probabilities(model, xVal);
  const threshold = thresholdForRecall(yVal, pVal, targetRecall);
  const pTest = await probabilities(model, xTest);
  const validation = splitMetrics(yVal, pVal, threshold);
  const test = splitMetrics(yTest, pTest, threshold);
  const cm = train.confusionMatrix(yTest, pTest.ge(threshold).float(), { labels: [0, 1] });
  log(`threshold ${threshold.toFixed(3)} (validation recall ≥ ${targetRecall}); test: PR AUC ${test.prAuc.toFixed(4)} (positive rate ${test.positiveRate.toFixed(4)}), ` +
    `ROC AUC ${test.rocAuc.toFixed(4)}, recall ${test.recall.toFixed(3)}, precision ${test.precision.toFixed(3)}`);
  log(`test confusion matrix (rows true, columns predicted; no failure, failure): ${JSON.stringify(cm.matrix)}`);

  if (reportPath !== null) {
    const { rocCurve, prCurve } = binaryCurves(yTest, pTest);
    const at = `threshold ${threshold.toFixed(2)}`;
    const fpr = cm.matrix[0][1] / (cm.matrix[0][0] + cm.matrix[0][1]);
    await writeReport(reportPath, {
      title: "Predictive maintenance: machine failure (AI4I 2020)",
      task: "classification",
      history,
      monitor: "valPrAuc",
      headline: ["prAuc", "rocAuc", "recall", "precision"],
      metrics: { validation: { ...validation, threshold }, test: { ...test, threshold } },
      confusionMatrix: { labels: ["no failure", "failure"], matrix: cm.matrix },
      rocCurve: rocCurve && { ...rocCurve, point: { fpr, tpr: test.recall, label: at } },
      prCurve: prCurve && { ...prCurve, point: { recall: test.recall, precision: test.precision, label: at } },
      notes: [
        "AI4I 2020 is synthetic by design: generated by its author's model of a milling process, not measured on real machines.",
        `Dropped before training: identifiers ${ids.map((c) => c.name).join(", ")}, and the failure-mode columns ${FAILURE_MODES.join(", ")}, which describe a failure after it happened (target leakage).`,
        `Failures are ${(100 * positives / yTrain.shape[0]).toFixed(1)}% of the training rows; the loss weighs each by posWeight = ${posWeight.toFixed(1)} (healthy rows per failure).`,
        `Training stopped after ${history.epochs.length} epochs; the weights are those of epoch ${stopper.bestEpoch}, the best validation PR AUC.`,
        `The threshold ${threshold.toFixed(3)} is the highest probability that still flags ${targetRecall * 100}% of the validation failures; recall, precision, F1, accuracy and the confusion matrix use it on the test rows.`,
      ],
      meta: {
        data: "data/ai4i2020.csv (10,000 rows)",
        split: "70% train / 15% validation / 15% test, stratified",
        features: features.featureNames.join(", "),
        model: `MLP ${f} → 32 → 16 → 1, ReLU; ${model.numParameters()} parameters`,
        training: `Adam lr 0.003, batch 64, BCE with logits, posWeight ${posWeight.toFixed(2)}, early stopping on valPrAuc (patience ${patience})`,
        seed: String(seed),
      },
    });
    log(`report written to ${resolve(reportPath)}`);
  }
  return { droppedColumns: dropped, posWeight, epochsTrained: history.epochs.length, threshold, validation, test, confusionMatrix: cm.matrix, history, reportPath };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { epochs: { type: "string" }, seed: { type: "string" }, out: { type: "string" } } });
  await main({ epochs: Number(values.epochs ?? 60), seed: Number(values.seed ?? 0), reportPath: values.out ?? "predictive_maintenance.html" });
}
