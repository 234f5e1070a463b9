import { COLORS, type Series, type XYChartOptions, xyChart } from "./chart.js";
import { prChart, rocChart } from "./curves.js";
import { esc, fmt } from "./escape.js";
import { confusionHeatmap } from "./heatmap.js";
import { type Best, type Curve, type HistoryCurves, bestEpoch, historyCurves } from "./history.js";
import { metricLabel } from "./labels.js";
import type { ReportInput } from "./types.js";

/** The parts of the page, each a function of the input returning HTML (empty when it has nothing to show). */

type Metrics = Readonly<Record<string, number>>;

function figure(title: string, caption: string, svg: string): string {
  return `<figure><figcaption><h3>${esc(title)}</h3><p>${esc(caption)}</p></figcaption>${svg}</figure>`;
}

// The metrics worth a headline, best first.
const HEADLINE = {
  classification: ["accuracy", "rocAuc", "prAuc", "f1", "recall", "precision", "logLoss"],
  regression: ["r2", "rmse", "mae", "mse"],
};

/** Up to four big numbers: the headline metrics of the test split (the validation split's without one). */
export function cards(input: ReportInput): string {
  const test = input.metrics?.test;
  const val = input.metrics?.validation;
  const [main, split] = test && Object.keys(test).length ? [test, "Test"] : val && Object.keys(val).length ? [val, "Validation"] : [null, ""];
  if (!main) return "";
  const preferred = (input.headline ?? HEADLINE[input.task]).filter((k) => Object.hasOwn(main, k));
  const names = (preferred.length ? preferred : Object.keys(main)).slice(0, 4);
  const items = names.map((k) => {
    const sub = main === test && val && Object.hasOwn(val, k) ? `<div class="card-sub">validation ${esc(fmt(val[k]))}</div>` : "";
    return `<div class="card"><div class="card-label">${esc(`${split} ${metricLabel(k)}`)}</div><div class="card-value">${esc(fmt(main[k]))}</div>${sub}</div>`;
  });
  return `<section class="cards" id="summary">${items.join("")}</section>`;
}

/** "validation PR AUC", "loss": a logged key in words, for running text. */
function inWords(b: Best): string {
  const label = metricLabel(b.name);
  const text = /^[A-Z][a-z]/.test(label) ? label[0].toLowerCase() + label.slice(1) : label;
  return b.val ? `validation ${text}` : text;
}

function curveChart(c: Curve, h: HistoryCurves, best: Best | null): string {
  const label = metricLabel(c.name);
  const series: Series[] = [];
  if (c.train) series.push({ name: "training", color: COLORS.train, xs: h.epochs, ys: c.train, dots: true });
  if (c.val) series.push({ name: "validation", color: COLORS.validation, xs: h.epochs, ys: c.val, dots: true });
  const o: XYChartOptions = {
    label: `${label} per epoch`,
    xLabel: "Epoch",
    yLabel: label,
    series,
    x: { integer: true, ticks: 8 },
    describe: (s, x, y) => `${label}, ${s.name}, epoch ${x}: ${fmt(y)}`,
  };
  if (best && h.epochs.length > 1) o.markers = [{ x: best.epoch, label: `best epoch ${best.epoch}` }];
  return xyChart(o);
}

/** The chart's caption, and a word about the dashed line when it carries one. */
function caption(text: string, best: Best | null): string {
  return best ? `${text} The dashed line marks the best ${inWords(best)}.` : text;
}

/** Loss and metric curves per epoch, and the learning rate when a schedule moved it. */
export function trainingSection(input: ReportInput): string {
  const h = historyCurves(input.history);
  if (h.epochs.length === 0) {
    return `<section id="training"><h2>Training</h2><p class="empty">No training history: this report has no epochs to chart.</p></section>`;
  }
  const best = bestEpoch(input.history, input.monitor);
  const bestOf = (c: Curve): Best | null => (best?.name === c.name ? best : null);
  const figures: string[] = [];
  if (h.loss) {
    const text = `Mean training loss over each epoch's batches${h.loss.val ? ", and validation loss after the epoch" : ""}.`;
    figures.push(figure("Loss", caption(text, bestOf(h.loss)), curveChart(h.loss, h, bestOf(h.loss))));
  }
  for (const c of h.metrics) {
    const label = metricLabel(c.name);
    if (![c.train, c.val].some((ys) => ys?.some(Number.isFinite))) {
      figures.push(`<figure><figcaption><h3>${esc(label)}</h3></figcaption><p class="empty">Not defined in any epoch (n/a), so there is nothing to plot: the metric needs data it did not get, such as both classes for ROC AUC.</p></figure>`);
      continue;
    }
    const text = `${label} per epoch${c.train ? " on the training batches (while the model was learning)" : ""}${c.train && c.val ? " and" : ""}${c.val ? " on the validation data" : ""}.`;
    figures.push(figure(label, caption(text, bestOf(c)), curveChart(c, h, bestOf(c))));
  }
  if (h.lr) {
    const lr = xyChart({
      label: "Learning rate per epoch", xLabel: "Epoch", yLabel: "Learning rate", x: { integer: true, ticks: 8 },
      series: [{ name: "learning rate", color: COLORS.accent, xs: h.epochs, ys: h.lr, dots: true, step: true }],
      describe: (_s, x, y) => `learning rate, epoch ${x}: ${fmt(y)}`,
    });
    figures.push(figure("Learning rate", "The learning rate each epoch started with, as the schedule set it.", lr));
  }
  return `<section id="training"><h2>Training</h2><div class="grid">${figures.join("")}</div></section>`;
}

function metricsTable(val: Metrics | undefined, test: Metrics | undefined): string {
  const cols = [["Validation", val], ["Test", test]].filter((c): c is [string, Metrics] => c[1] !== undefined && Object.keys(c[1]).length > 0);
  if (cols.length === 0) return "";
  const names = [...new Set(cols.flatMap(([, m]) => Object.keys(m)))];
  const head = `<tr><th>Metric</th>${cols.map(([n]) => `<th class="num">${n}</th>`).join("")}</tr>`;
  const rows = names.map((k) => {
    const cells = cols.map(([, m]) => `<td class="num">${Object.hasOwn(m, k) ? esc(fmt(m[k])) : "—"}</td>`).join("");
    return `<tr><td title="${esc(k)}">${esc(metricLabel(k))}</td>${cells}</tr>`;
  });
  return `<figure><figcaption><h3>Metrics</h3><p>Final values; n/a where a metric is undefined for the data.</p></figcaption><table class="metrics-table"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></figure>`;
}

/** Final metrics, confusion matrix, ROC and precision-recall curves. */
export function evaluationSection(input: ReportInput): string {
  const table = metricsTable(input.metrics?.validation, input.metrics?.test);
  const figures: string[] = table ? [table] : [];
  if (input.confusionMatrix) {
    figures.push(figure("Confusion matrix", "Rows are the true classes, columns the predicted ones; each cell counts samples and gives its share of the row. Blue cells are correct, orange ones mistakes, shaded by their share of the true class.", confusionHeatmap(input.confusionMatrix)));
  }
  if (input.rocCurve) {
    figures.push(figure("ROC curve", "True positive rate against false positive rate as the decision threshold falls; the dashed diagonal is guessing.", rocChart(input.rocCurve)));
  }
  if (input.prCurve) {
    figures.push(figure("Precision-recall curve", "Precision against recall as the decision threshold falls; the dashed line is the precision of guessing. More telling than ROC when positives are rare.", prChart(input.prCurve)));
  }
  if (figures.length === 0) return "";
  return `<section id="evaluation"><h2>Evaluation</h2><div class="grid">${figures.join("")}</div></section>`;
}

export function notesSection(input: ReportInput): string {
  const notes = input.notes ?? [];
  if (notes.length === 0) return "";
  return `<section id="notes"><h2>Notes</h2><ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul></section>`;
}

function columnLabel(key: string): string {
  if (key === "epoch") return "Epoch";
  if (key === "seconds") return "Seconds";
  return /^val[A-Z]/.test(key) ? `${metricLabel(key[3].toLowerCase() + key.slice(4))} (val)` : metricLabel(key);
}

function epochTable(input: ReportInput): string {
  const epochs = input.history?.epochs ?? [];
  if (epochs.length === 0) return "";
  const keys = ["epoch", ...new Set(epochs.flatMap((e) => Object.keys(e)).filter((k) => k !== "epoch"))];
  const head = `<tr>${keys.map((k) => `<th class="num" title="${esc(k)}">${esc(columnLabel(k))}</th>`).join("")}</tr>`;
  const rows = epochs.map((e) => `<tr>${keys.map((k) => `<td class="num">${typeof e[k] === "number" ? esc(fmt(e[k])) : "—"}</td>`).join("")}</tr>`);
  return `<details><summary>Values per epoch (${epochs.length})</summary><div class="scroll"><table><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></div></details>`;
}

/** Run facts (meta) and the per-epoch numbers behind the charts. */
export function runSection(input: ReportInput): string {
  const meta = Object.entries(input.meta ?? {});
  const table = meta.length ? `<table class="meta"><tbody>${meta.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</tbody></table>` : "";
  const epochs = epochTable(input);
  if (!table && !epochs) return "";
  return `<section id="run"><h2>Run details</h2>${table}${epochs}</section>`;
}

/** The line under the title: task, epochs trained, the best epoch by the monitored value. */
export function subtitle(input: ReportInput): string {
  const n = input.history?.epochs.length ?? 0;
  const best = bestEpoch(input.history, input.monitor);
  const parts: string[] = [];
  if (n) parts.push(`${n} epoch${n === 1 ? "" : "s"}`);
  if (best) parts.push(`best ${inWords(best)} ${fmt(best.value)} at epoch ${best.epoch}`);
  return `<p class="subtitle"><span class="tag">${esc(input.task)}</span>${esc(parts.join(" · "))}</p>`;
}
