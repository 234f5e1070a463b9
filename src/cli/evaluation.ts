import type { TransformContext } from "../data/preprocess/base.js";
import type { Label } from "../data/preprocess/label.js";
import type { Table } from "../data/table.js";
import type { TabularModel } from "../io/bundle_model.js";
import { binaryCurves } from "../report/binary_curves.js";
import type { PrCurveInput, RocCurveInput } from "../report/types.js";
import {
  UndefinedMetricError, accuracy, confusionMatrix, f1, logLoss, mae, mse, prAuc, precision, r2, recall, rmse, rocAuc,
} from "../train/metrics.js";

/**
 * Scores a bundle's model on a table that has the target column, the same way for `train`
 * (validation and test splits), `demo` and `evaluate`: through the model's own prediction
 * path, so what is reported is what `predict` would give.
 */

export interface Evaluation {
  rows: number;
  /** accuracy, precision, recall, f1, logLoss (+ rocAuc, prAuc for two classes), or mse, rmse, mae, r2. */
  metrics: Record<string, number>;
  /** Rows: true labels, columns: predicted labels (classification). */
  confusionMatrix?: { labels: Label[]; matrix: number[][] };
  /** ROC and precision-recall curves for two classes, the second being the positive one. */
  rocCurve?: RocCurveInput;
  prCurve?: PrCurveInput;
}

/** A metric that is undefined for this data (ROC AUC when one class is absent) is NaN. */
function orNaN(f: () => number): number {
  try {
    return f();
  } catch (err) {
    if (err instanceof UndefinedMetricError) return NaN;
    throw err;
  }
}

export function evaluateTable(model: TabularModel, table: Table, ctx: TransformContext = {}): Evaluation {
  const yTrue = model.targets(table);
  const p = model.predictTable(table, ctx);
  if (p.task === "regression") {
    const yPred = Float64Array.from(p.values);
    return { rows: table.numRows, metrics: { mse: mse(yTrue, yPred), rmse: rmse(yTrue, yPred), mae: mae(yTrue, yPred), r2: orNaN(() => r2(yTrue, yPred)) } };
  }
  const classes = p.classes.map((_, i) => i);
  const yPred = p.probabilities.map((row) => row.indexOf(Math.max(...row)));
  const binary = classes.length === 2;
  const average = binary ? "binary" : "macro";
  const metrics: Record<string, number> = {
    accuracy: accuracy(yTrue, yPred),
    precision: precision(yTrue, yPred, { average }),
    recall: recall(yTrue, yPred, { average }),
    f1: f1(yTrue, yPred, { average }),
    logLoss: logLoss(yTrue, p.probabilities, { labels: classes }),
  };
  const cm = confusionMatrix(yTrue, yPred, { labels: classes });
  const evaluation: Evaluation = { rows: table.numRows, metrics, confusionMatrix: { labels: p.classes, matrix: cm.matrix } };
  if (binary) {
    const scores = p.probabilities.map((row) => row[1]);
    metrics.rocAuc = orNaN(() => rocAuc(yTrue, scores));
    metrics.prAuc = prAuc(yTrue, scores);
    Object.assign(evaluation, binaryCurves(yTrue, scores));
  }
  return evaluation;
}
