import { COLORS, type Marker, type Series, xyChart } from "./chart.js";
import { fmt, pct } from "./escape.js";
import type { PrCurveInput, RocCurveInput } from "./types.js";

/**
 * Drops points that lie inside a straight horizontal or vertical run: a ROC or PR curve
 * has one point per distinct score (thousands), most of them on such runs, and the drawing
 * is the same without them.
 */
export function thinCurve(xs: readonly number[], ys: readonly number[]): { xs: number[]; ys: number[] } {
  const out = { xs: [] as number[], ys: [] as number[] };
  for (let i = 0; i < xs.length; i++) {
    const inner = i > 0 && i < xs.length - 1;
    const onRun = (a: readonly number[]) => a[i - 1] === a[i] && a[i] === a[i + 1];
    if (inner && (onRun(xs) || onRun(ys))) continue;
    out.xs.push(xs[i]);
    out.ys.push(ys[i]);
  }
  return out;
}

const UNIT = { domain: [0, 1] as const, ticks: 5 };

/** The ROC curve with the chance diagonal; square, so that the diagonal is at 45°. */
export function rocChart(roc: RocCurveInput): string {
  const c = thinCurve(roc.fpr, roc.tpr);
  const markers: Marker[] = roc.point ? [{ x: roc.point.fpr, y: roc.point.tpr, label: roc.point.label }] : [];
  return xyChart({
    label: `ROC curve, area ${fmt(roc.auc)}`,
    xLabel: "False positive rate",
    yLabel: "True positive rate (recall)",
    x: UNIT,
    y: UNIT,
    width: 420,
    height: 400,
    series: [
      { name: "chance", color: COLORS.chance, xs: [0, 1], ys: [0, 1], dashed: true },
      { name: `model (AUC ${fmt(roc.auc)})`, color: COLORS.train, xs: c.xs, ys: c.ys },
    ],
    markers,
  });
}

/** The precision-recall curve, with the precision of guessing (the positive rate) as its baseline. */
export function prChart(pr: PrCurveInput): string {
  const c = thinCurve(pr.recall, pr.precision);
  const title = pr.ap === undefined ? "model" : `model (AP ${fmt(pr.ap)})`;
  const series: Series[] = [];
  if (pr.positiveRate !== undefined) {
    series.push({ name: `chance (${pct(pr.positiveRate)} positive)`, color: COLORS.chance, xs: [0, 1], ys: [pr.positiveRate, pr.positiveRate], dashed: true });
  }
  series.push({ name: title, color: COLORS.train, xs: c.xs, ys: c.ys });
  const markers: Marker[] = pr.point ? [{ x: pr.point.recall, y: pr.point.precision, label: pr.point.label }] : [];
  return xyChart({
    label: `Precision-recall curve${pr.ap === undefined ? "" : `, average precision ${fmt(pr.ap)}`}`,
    xLabel: "Recall",
    yLabel: "Precision",
    x: UNIT,
    y: UNIT,
    width: 420,
    height: 400,
    series,
    markers,
  });
}
