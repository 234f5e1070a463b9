import { type MetricInput, toVector } from "../train/metric_input.js";
import { prAuc, rocAuc, rocCurve } from "../train/ranking.js";
import type { PrCurveInput, RocCurveInput } from "./types.js";

/**
 * The ROC and precision-recall curves of binary scores, ready for the report: ROC from
 * rocCurve with its AUC, and the PR curve from the same sweep of thresholds (precision =
 * TP / (TP + FP) at each ROC point) with average precision and the positive rate.
 * With a single class in yTrue neither curve is defined, and the result is empty.
 */
export function binaryCurves(yTrue: MetricInput, scores: MetricInput, opts: { posLabel?: number } = {}): { rocCurve?: RocCurveInput; prCurve?: PrCurveInput } {
  const posLabel = opts.posLabel ?? 1;
  const t = toVector("binaryCurves", "yTrue", yTrue);
  const nPos = t.reduce((n, v) => n + (v === posLabel ? 1 : 0), 0);
  const nNeg = t.length - nPos;
  if (nPos === 0 || nNeg === 0) return {};
  const roc = rocCurve(t, scores, { posLabel });
  const recall: number[] = [];
  const precision: number[] = [];
  // The first ROC point (threshold +∞) predicts nothing positive: precision is undefined
  // there, and the curve starts instead at recall 0 with the precision of the top score.
  for (let i = 1; i < roc.fpr.length; i++) {
    const tp = roc.tpr[i] * nPos;
    const fp = roc.fpr[i] * nNeg;
    recall.push(roc.tpr[i]);
    precision.push(tp / (tp + fp));
  }
  recall.unshift(0);
  precision.unshift(precision[0]);
  return {
    rocCurve: { fpr: roc.fpr, tpr: roc.tpr, auc: rocAuc(t, scores, { posLabel }) },
    prCurve: { recall, precision, ap: prAuc(t, scores, { posLabel }), positiveRate: nPos / t.length },
  };
}
