import { type MetricInput, UndefinedMetricError, checkSameRows, toMatrix, toVector, uniqueSorted } from "./metric_input.js";

/**
 * Classification metrics over labels, with sklearn's definitions and defaults (values are
 * checked against sklearn 1.2 in test/fixtures/metrics.json). Labels are numbers (booleans
 * count as 0/1); predictions are labels unless a function says it takes scores.
 */

function labelPair(op: string, yTrue: MetricInput, yPred: MetricInput): [Float64Array, Float64Array] {
  const t = toVector(op, "yTrue", yTrue);
  const pm = toMatrix(op, "yPred", yPred);
  if (pm.cols !== 1) {
    throw new RangeError(`${op}: yPred must be predicted labels, got ${pm.rows} rows of ${pm.cols} scores; take their argmax first (or use topKAccuracy with k: 1)`);
  }
  checkSameRows(op, t, pm);
  return [t, pm.data];
}

/** Fraction of predictions equal to the true label. */
export function accuracy(yTrue: MetricInput, yPred: MetricInput): number {
  const [t, p] = labelPair("accuracy", yTrue, yPred);
  let hits = 0;
  for (let i = 0; i < t.length; i++) if (t[i] === p[i]) hits++;
  return hits / t.length;
}

export interface ConfusionMatrix {
  /** The label of each row and column, ascending. */
  labels: number[];
  /** matrix[i][j]: samples of true label labels[i] predicted as labels[j]. */
  matrix: number[][];
}

/**
 * Counts of (true, predicted) label pairs, as sklearn's confusion_matrix: rows are true
 * labels, columns predicted ones. `labels` fixes the rows and their order (samples with
 * other labels are left out); by default every label seen in either input, ascending.
 */
export function confusionMatrix(yTrue: MetricInput, yPred: MetricInput, opts: { labels?: readonly number[] } = {}): ConfusionMatrix {
  const [t, p] = labelPair("confusionMatrix", yTrue, yPred);
  const labels = opts.labels ? [...opts.labels] : uniqueSorted(t, p);
  if (labels.length === 0) throw new RangeError("confusionMatrix: labels is empty");
  const index = new Map(labels.map((l, i) => [l, i]));
  if (index.size !== labels.length) throw new RangeError(`confusionMatrix: labels [${labels.join(", ")}] repeat a label`);
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < t.length; i++) {
    const r = index.get(t[i]);
    const c = index.get(p[i]);
    if (r !== undefined && c !== undefined) matrix[r][c]++;
  }
  return { labels, matrix };
}

export type Average = "binary" | "macro" | "weighted" | "micro";

export interface ClassScoreOptions {
  /**
   * "binary" (default): the score of the class `posLabel` only, for two-class data;
   * "macro": the unweighted mean of the per-class scores; "weighted": their mean weighted
   * by each class's true count; "micro": computed from the totals over classes.
   */
  average?: Average;
  /** The positive class of a binary average. Default 1. */
  posLabel?: number;
  /** The value of a score whose denominator is zero (no sample predicted or labelled with the class). Default 0. */
  zeroDivision?: 0 | 1;
}

interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

/** The labels a score averages over, with sklearn's checks for the binary average. */
function scoredLabels(op: string, present: number[], average: Average, posLabel: number): number[] {
  if (average !== "binary") return present;
  if (present.length > 2) {
    throw new RangeError(`${op}: the labels are multiclass ([${present.join(", ")}]) but average is "binary"; choose "macro", "weighted" or "micro"`);
  }
  if (present.length === 2 && !present.includes(posLabel)) {
    throw new RangeError(`${op}: posLabel ${posLabel} is not one of the labels [${present.join(", ")}]`);
  }
  return [posLabel];
}

function ratio(num: number, den: number, zeroDivision: number): number {
  return den === 0 ? zeroDivision : num / den;
}

/** F1 from precision and recall, 0 where both are 0 (sklearn computes it so, even with zeroDivision 1). */
function f1Of(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

function classScores(op: string, yTrue: MetricInput, yPred: MetricInput, opts: ClassScoreOptions): Scores {
  const average = opts.average ?? "binary";
  if (!["binary", "macro", "weighted", "micro"].includes(average)) {
    throw new RangeError(`${op}: average must be "binary", "macro", "weighted" or "micro", got ${JSON.stringify(average)}`);
  }
  const zd = opts.zeroDivision ?? 0;
  if (zd !== 0 && zd !== 1) throw new RangeError(`${op}: zeroDivision must be 0 or 1, got ${zd}`);
  const [t, p] = labelPair(op, yTrue, yPred);
  const labels = scoredLabels(op, uniqueSorted(t, p), average, opts.posLabel ?? 1);
  const index = new Map(labels.map((l, i) => [l, i]));
  const tp = new Float64Array(labels.length);
  const predicted = new Float64Array(labels.length);
  const actual = new Float64Array(labels.length);
  for (let i = 0; i < t.length; i++) {
    const ti = index.get(t[i]);
    const pi = index.get(p[i]);
    if (ti !== undefined) actual[ti]++;
    if (pi !== undefined) predicted[pi]++;
    if (ti !== undefined && t[i] === p[i]) tp[ti]++;
  }
  if (average === "micro") {
    const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);
    const precision = ratio(sum(tp), sum(predicted), zd);
    const recall = ratio(sum(tp), sum(actual), zd);
    return { precision, recall, f1: f1Of(precision, recall) };
  }
  const per = labels.map((_, k) => {
    const precision = ratio(tp[k], predicted[k], zd);
    const recall = ratio(tp[k], actual[k], zd);
    return { precision, recall, f1: f1Of(precision, recall) };
  });
  const weights = average === "weighted" ? Array.from(actual) : labels.map(() => 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const mean = (key: keyof Scores): number => per.reduce((acc, s, k) => acc + s[key] * weights[k], 0) / total;
  return { precision: mean("precision"), recall: mean("recall"), f1: mean("f1") };
}

/** tp / (tp + fp): of the samples predicted as a class, the fraction that are. */
export function precision(yTrue: MetricInput, yPred: MetricInput, opts: ClassScoreOptions = {}): number {
  return classScores("precision", yTrue, yPred, opts).precision;
}

/** tp / (tp + fn): of the samples of a class, the fraction predicted as it. */
export function recall(yTrue: MetricInput, yPred: MetricInput, opts: ClassScoreOptions = {}): number {
  return classScores("recall", yTrue, yPred, opts).recall;
}

/** The harmonic mean of precision and recall (per class, then averaged). */
export function f1(yTrue: MetricInput, yPred: MetricInput, opts: ClassScoreOptions = {}): number {
  return classScores("f1", yTrue, yPred, opts).f1;
}

/**
 * Fraction of samples whose true class is among the k highest of its scores ([N, C];
 * class c is column c), as sklearn's top_k_accuracy_score: of tied scores the higher class
 * index ranks first.
 */
export function topKAccuracy(yTrue: MetricInput, scores: MetricInput, opts: { k?: number } = {}): number {
  const op = "topKAccuracy";
  const k = opts.k ?? 2;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${op}: k must be a positive integer, got ${k}`);
  const t = toVector(op, "yTrue", yTrue);
  const s = toMatrix(op, "scores", scores);
  if (s.ndim !== 2) throw new RangeError(`${op}: scores must be 2-d [samples, classes]`);
  checkSameRows(op, t, s);
  let hits = 0;
  for (let i = 0; i < t.length; i++) {
    const y = t[i];
    if (!Number.isInteger(y) || y < 0 || y >= s.cols) throw new RangeError(`${op}: label ${y} at index ${i} is not a class index of scores with ${s.cols} columns`);
    const row = s.data.subarray(i * s.cols, (i + 1) * s.cols);
    let rank = 0;
    for (let c = 0; c < s.cols; c++) if (row[c] > row[y] || (row[c] === row[y] && c > y)) rank++;
    if (rank < k) hits++;
  }
  return hits / t.length;
}

export interface LogLossOptions {
  /** Probabilities are clipped to [eps, 1 - eps]. Default: float64 machine epsilon, as sklearn's "auto". */
  eps?: number;
  /** The classes, ascending, that the columns of yProb stand for. Default: the labels in yTrue. */
  labels?: readonly number[];
}

/**
 * Mean negative log-likelihood of the true labels, as sklearn's log_loss. yProb is the
 * probability of the positive (larger) class per sample for two classes, or [N, C]
 * probabilities with column j for the j-th label; rows are clipped and renormalised.
 */
export function logLoss(yTrue: MetricInput, yProb: MetricInput, opts: LogLossOptions = {}): number {
  const op = "logLoss";
  const eps = opts.eps ?? Number.EPSILON;
  const t = toVector(op, "yTrue", yTrue);
  const pm = toMatrix(op, "yProb", yProb);
  checkSameRows(op, t, pm);
  const labels = opts.labels ? uniqueSorted(opts.labels) : uniqueSorted(t);
  if (labels.length < 2) {
    if (opts.labels) throw new RangeError(`${op}: labels must hold at least two classes, got [${labels.join(", ")}]`);
    throw new UndefinedMetricError(`${op}: yTrue holds only the label ${labels[0]}; pass the classes as labels to score it`);
  }
  const cols = pm.cols === 1 ? 2 : pm.cols;
  if (cols !== labels.length) {
    throw new RangeError(`${op}: yProb has ${pm.cols === 1 ? "one probability (two classes)" : `${pm.cols} columns`} per sample but there are ${labels.length} labels [${labels.join(", ")}]`);
  }
  const index = new Map(labels.map((l, i) => [l, i]));
  const clip = (v: number): number => Math.min(Math.max(v, eps), 1 - eps);
  let total = 0;
  for (let i = 0; i < t.length; i++) {
    const y = index.get(t[i]);
    if (y === undefined) throw new RangeError(`${op}: label ${t[i]} at index ${i} is not among the labels [${labels.join(", ")}]`);
    let p: number;
    if (pm.cols === 1) {
      const p1 = clip(pm.data[i]);
      p = y === 1 ? p1 : 1 - p1;
    } else {
      let rowSum = 0;
      for (let c = 0; c < cols; c++) rowSum += clip(pm.data[i * cols + c]);
      p = clip(pm.data[i * cols + y]) / rowSum;
    }
    total -= Math.log(p);
  }
  return total / t.length;
}
