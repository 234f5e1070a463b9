import type { History } from "../train/types.js";

/** A ROC curve as rocCurve (src/train) returns it, with its area and optionally the operating point. */
export interface RocCurveInput {
  fpr: readonly number[];
  tpr: readonly number[];
  auc: number;
  /** The threshold in use, marked on the curve. */
  point?: { fpr: number; tpr: number; label: string };
}

/** A precision-recall curve: points in order of falling threshold. */
export interface PrCurveInput {
  recall: readonly number[];
  precision: readonly number[];
  /** Average precision (PR AUC), shown in the legend. */
  ap?: number;
  /** The share of positives, which is the precision of a random guess: the chart's baseline. */
  positiveRate?: number;
  point?: { recall: number; precision: number; label: string };
}

/** matrix[i][j]: samples of true class labels[i] predicted as labels[j] (confusionMatrix's layout). */
export interface ConfusionMatrixInput {
  labels: readonly (string | number)[];
  matrix: readonly (readonly number[])[];
}

/** Everything a run report shows. Only title and task are required; each section appears when its data does. */
export interface ReportInput {
  title: string;
  task: "classification" | "regression";
  /** What fit returned: loss and metric curves per epoch. */
  history?: History;
  /**
   * The logged value that picked the model (early stopping's or a checkpoint's monitor, such
   * as "valPrAuc"); its best epoch is marked on its chart. Default "valLoss".
   */
  monitor?: string;
  /** Metric names for the big numbers at the top (default: the first four of accuracy, ROC AUC, PR AUC, F1, … that are present; R², RMSE, … for regression). */
  headline?: readonly string[];
  /** Final metrics by name (accuracy, rocAuc, …) on each split. */
  metrics?: { test?: Readonly<Record<string, number>>; validation?: Readonly<Record<string, number>> };
  confusionMatrix?: ConfusionMatrixInput;
  /** For binary tasks. */
  rocCurve?: RocCurveInput;
  prCurve?: PrCurveInput;
  /** Remarks shown as a list: data treatment, caveats. */
  notes?: readonly string[];
  /** Run facts shown as a table: data file, model, seed, … (in the given order). */
  meta?: Readonly<Record<string, string>>;
}
