import { type MetricInput, UndefinedMetricError, checkSameRows, toVector, uniqueSorted } from "./metric_input.js";

/**
 * Metrics of binary scores (any real numbers: higher means more likely positive), with
 * sklearn's definitions: tied scores share a rank, so they count half in ROC AUC.
 */

interface Binary {
  positive: Uint8Array;
  scores: Float64Array;
  nPos: number;
  nNeg: number;
}

function binary(op: string, yTrue: MetricInput, scores: MetricInput, posLabel: number): Binary {
  const t = toVector(op, "yTrue", yTrue);
  const s = toVector(op, "scores", scores);
  checkSameRows(op, t, s);
  const labels = uniqueSorted(t);
  if (labels.length > 2) throw new RangeError(`${op}: yTrue must hold two classes, got ${labels.length} ([${labels.join(", ")}])`);
  if (labels.length === 2 && !labels.includes(posLabel)) throw new RangeError(`${op}: posLabel ${posLabel} is not one of the labels [${labels.join(", ")}]`);
  const positive = Uint8Array.from(t, (v) => (v === posLabel ? 1 : 0));
  const nPos = positive.reduce((a, b) => a + b, 0);
  return { positive, scores: s, nPos, nNeg: t.length - nPos };
}

/** Sample indices by descending score. */
function descending(s: Float64Array): Int32Array {
  return Int32Array.from(s.keys()).sort((a, b) => s[b] - s[a]);
}

/**
 * Walks the distinct scores from the highest down, calling `visit(tp, fp, threshold)` with
 * the counts of positives and negatives scored at or above each.
 */
function sweep(b: Binary, visit: (tp: number, fp: number, threshold: number) => void): void {
  const order = descending(b.scores);
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    const j = order[i];
    if (b.positive[j]) tp++;
    else fp++;
    if (i === order.length - 1 || b.scores[order[i + 1]] !== b.scores[j]) visit(tp, fp, b.scores[j]);
  }
}

function requireBothClasses(op: string, b: Binary): void {
  if (b.nPos === 0 || b.nNeg === 0) {
    throw new UndefinedMetricError(`${op}: yTrue holds only ${b.nPos === 0 ? "negatives" : "positives"}; ROC is not defined for one class`);
  }
}

export interface RankingOptions {
  /** The label of the positive class. Default 1. */
  posLabel?: number;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting half (Mann-Whitney U with average ranks; equal to sklearn's
 * trapezoidal roc_auc_score). Throws UndefinedMetricError when yTrue holds one class.
 */
export function rocAuc(yTrue: MetricInput, scores: MetricInput, opts: RankingOptions = {}): number {
  const b = binary("rocAuc", yTrue, scores, opts.posLabel ?? 1);
  requireBothClasses("rocAuc", b);
  const s = b.scores;
  const order = Int32Array.from(s.keys()).sort((x, y) => s[x] - s[y]);
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && s[order[j + 1]] === s[order[i]]) j++;
    const rank = (i + j) / 2 + 1; // ranks i+1 … j+1 averaged
    for (let k = i; k <= j; k++) if (b.positive[order[k]]) rankSum += rank;
    i = j + 1;
  }
  return (rankSum - (b.nPos * (b.nPos + 1)) / 2) / (b.nPos * b.nNeg);
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Score at or above which a sample is called positive; the first is Infinity (nothing positive). */
  thresholds: number[];
}

/** The ROC curve, one point per distinct score (sklearn's roc_curve with drop_intermediate false). */
export function rocCurve(yTrue: MetricInput, scores: MetricInput, opts: RankingOptions = {}): RocCurve {
  const b = binary("rocCurve", yTrue, scores, opts.posLabel ?? 1);
  requireBothClasses("rocCurve", b);
  const curve: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  sweep(b, (tp, fp, threshold) => {
    curve.fpr.push(fp / b.nNeg);
    curve.tpr.push(tp / b.nPos);
    curve.thresholds.push(threshold);
  });
  return curve;
}

/**
 * Area under the precision-recall curve as average precision, sklearn's
 * average_precision_score: Σ (recall_n − recall_{n−1}) · precision_n over the distinct
 * scores, highest first. With no positives in yTrue it is 0, as sklearn (which warns).
 */
export function prAuc(yTrue: MetricInput, scores: MetricInput, opts: RankingOptions = {}): number {
  const b = binary("prAuc", yTrue, scores, opts.posLabel ?? 1);
  if (b.nPos === 0) return 0;
  let ap = 0;
  let lastRecall = 0;
  sweep(b, (tp, fp) => {
    const recall = tp / b.nPos;
    ap += (recall - lastRecall) * (tp / (tp + fp));
    lastRecall = recall;
  });
  return ap;
}
