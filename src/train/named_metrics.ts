import type { Tensor } from "../tensor/tensor.js";
import { type ClassScoreOptions, accuracy, f1, logLoss, precision, recall, topKAccuracy } from "./classification.js";
import { UndefinedMetricError } from "./metric_input.js";
import { prAuc, rocAuc } from "./ranking.js";
import { mae, mse, r2, rmse } from "./regression.js";

/**
 * Metrics by name, as fit and evaluate report them: each turns the model's raw outputs for a
 * whole epoch into what the metric function takes (probabilities, predicted labels) the way
 * the task calls for.
 */

/**
 * What the model predicts. "binary": one logit per sample (or a probability, with the "bce"
 * loss); "multiclass": one score per class, [N, C], against class indices; "regression": values.
 */
export type Task = "binary" | "multiclass" | "regression";

/** A metric of your own, computed once per epoch over all outputs (raw, as the model gave them) and targets. */
export interface CustomMetric {
  name: string;
  fn: (output: Tensor, target: Tensor) => number;
}

export type MetricSpec = string | CustomMetric;

/** One epoch's outputs seen as a task sees them. */
interface View {
  task: Task;
  yTrue: Float64Array;
  /** Predicted labels (classification) or values (regression). */
  yPred: Float64Array | Tensor;
  /** Binary: probability of class 1 per sample; multiclass: [N, C] probabilities, row-major. */
  scores: Float64Array | number[][];
  numClasses: number;
}

interface Named {
  tasks: readonly Task[];
  higherIsBetter: boolean;
  compute: (v: View) => number;
}

const CLASSIFICATION: readonly Task[] = ["binary", "multiclass"];
const REGRESSION: readonly Task[] = ["regression"];

/** Precision, recall or F1: binary tasks score class 1, multiclass ones average over classes (macro unless named). */
function classScore(fn: typeof precision, average?: "macro" | "weighted"): Named {
  return {
    tasks: CLASSIFICATION,
    higherIsBetter: true,
    compute: (v) => {
      const opts: ClassScoreOptions = { average: average ?? (v.task === "binary" ? "binary" : "macro") };
      return fn(v.yTrue, v.yPred, opts);
    },
  };
}

const NAMED: Record<string, Named> = {
  accuracy: { tasks: CLASSIFICATION, higherIsBetter: true, compute: (v) => accuracy(v.yTrue, v.yPred) },
  precision: classScore(precision),
  recall: classScore(recall),
  f1: classScore(f1),
  precisionMacro: classScore(precision, "macro"),
  recallMacro: classScore(recall, "macro"),
  f1Macro: classScore(f1, "macro"),
  precisionWeighted: classScore(precision, "weighted"),
  recallWeighted: classScore(recall, "weighted"),
  f1Weighted: classScore(f1, "weighted"),
  rocAuc: { tasks: ["binary"], higherIsBetter: true, compute: (v) => rocAuc(v.yTrue, v.scores as Float64Array) },
  prAuc: { tasks: ["binary"], higherIsBetter: true, compute: (v) => prAuc(v.yTrue, v.scores as Float64Array) },
  logLoss: {
    tasks: CLASSIFICATION,
    higherIsBetter: false,
    compute: (v) => logLoss(v.yTrue, v.scores, { labels: Array.from({ length: v.numClasses }, (_, i) => i) }),
  },
  mse: { tasks: REGRESSION, higherIsBetter: false, compute: (v) => mse(v.yTrue, v.yPred) },
  rmse: { tasks: REGRESSION, higherIsBetter: false, compute: (v) => rmse(v.yTrue, v.yPred) },
  mae: { tasks: REGRESSION, higherIsBetter: false, compute: (v) => mae(v.yTrue, v.yPred) },
  r2: { tasks: REGRESSION, higherIsBetter: true, compute: (v) => r2(v.yTrue, v.yPred) },
};

/** `top3Accuracy` and the like: top-k accuracy of a multiclass model. */
const TOP_K = /^top(\d+)Accuracy$/;

function lookup(name: string): Named | undefined {
  if (Object.hasOwn(NAMED, name)) return NAMED[name];
  const m = TOP_K.exec(name);
  if (!m || Number(m[1]) < 1) return undefined;
  const k = Number(m[1]);
  return { tasks: ["multiclass"], higherIsBetter: true, compute: (v) => topKAccuracy(v.yTrue, v.scores, { k }) };
}

/** The metric names fit understands, for messages and docs. */
export const METRIC_NAMES: readonly string[] = [...Object.keys(NAMED), "top<k>Accuracy"];

/**
 * Whether a larger value of a logged quantity is better: true for accuracy-like metrics
 * (with or without the "val" prefix), false for losses, errors and names it does not know.
 */
export function higherIsBetter(key: string): boolean {
  const base = /^val[A-Z]/.test(key) ? key[3].toLowerCase() + key.slice(4) : key;
  return lookup(base)?.higherIsBetter ?? false;
}

export interface ResolvedMetric {
  name: string;
  /** A named metric's value for the task, or a custom metric's. */
  compute: (view: () => View, output: Tensor, target: Tensor) => number;
}

/** Checks metric names against the task once, before training starts. */
export function resolveMetrics(op: string, specs: readonly MetricSpec[], task: Task | null): ResolvedMetric[] {
  const names = new Set<string>();
  return specs.map((spec) => {
    const name = typeof spec === "string" ? spec : spec?.name;
    if (typeof name !== "string" || name === "") throw new TypeError(`${op}: a metric must be a name or { name, fn }`);
    if (names.has(name)) throw new TypeError(`${op}: metric "${name}" is listed twice`);
    names.add(name);
    if (typeof spec !== "string") {
      if (typeof spec.fn !== "function") throw new TypeError(`${op}: custom metric "${name}" needs a function fn(output, target)`);
      return { name, compute: (_v, output, target) => spec.fn(output, target) };
    }
    const named = lookup(name);
    if (!named) throw new TypeError(`${op}: unknown metric "${name}" (known: ${METRIC_NAMES.join(", ")})`);
    if (task === null) {
      throw new TypeError(`${op}: metric "${name}" needs to know the task, which a loss function does not tell; pass task: "binary", "multiclass" or "regression"`);
    }
    if (!named.tasks.includes(task)) throw new TypeError(`${op}: metric "${name}" is for ${named.tasks.join(" or ")} tasks, and this is a ${task} task`);
    return { name, compute: (view) => named.compute(view()) };
  });
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Outputs and targets as the task reads them; probabilities are computed in float64. */
function viewOf(op: string, task: Task, outputsAreProbabilities: boolean, output: Tensor, target: Tensor): View {
  const out = Float64Array.from(output.toArray());
  const yTrue = Float64Array.from(target.toArray());
  if (task === "regression") {
    if (out.length !== yTrue.length) throw new RangeError(`${op}: outputs of shape [${output.shape.join(", ")}] do not match targets of shape [${target.shape.join(", ")}]`);
    return { task, yTrue, yPred: output.reshape(target.shape), scores: out, numClasses: 0 };
  }
  if (task === "binary") {
    if (out.length !== yTrue.length) throw new RangeError(`${op}: a binary model needs one output per sample; got outputs of shape [${output.shape.join(", ")}] for targets of shape [${target.shape.join(", ")}]`);
    const p = outputsAreProbabilities ? out : out.map(sigmoid);
    return { task, yTrue, yPred: p.map((v) => (v >= 0.5 ? 1 : 0)), scores: p, numClasses: 2 };
  }
  if (output.ndim !== 2 || output.shape[0] !== yTrue.length) {
    throw new RangeError(`${op}: a multiclass model needs outputs of shape [N, classes] and N class indices; got outputs [${output.shape.join(", ")}], targets [${target.shape.join(", ")}]`);
  }
  const C = output.shape[1];
  const rows: number[][] = [];
  const yPred = new Float64Array(yTrue.length);
  for (let i = 0; i < yTrue.length; i++) {
    const row = out.subarray(i * C, (i + 1) * C);
    let best = 0;
    for (let c = 1; c < C; c++) if (row[c] > row[best]) best = c;
    yPred[i] = best;
    // Softmax, shifted by the row max so large logits do not overflow.
    const e = Array.from(row, (v) => Math.exp(v - row[best]));
    const s = e.reduce((a, b) => a + b, 0);
    rows.push(e.map((v) => v / s));
  }
  return { task, yTrue, yPred, scores: rows, numClasses: C };
}

/**
 * Every metric's value over one epoch's outputs. A value that is undefined for this data
 * (ROC AUC of a one-class validation set) is NaN rather than an error.
 */
export function computeMetrics(op: string, metrics: readonly ResolvedMetric[], task: Task | null, outputsAreProbabilities: boolean, output: Tensor, target: Tensor): Record<string, number> {
  let view: View | null = null;
  const getView = (): View => (view ??= viewOf(op, task as Task, outputsAreProbabilities, output, target));
  const values: Record<string, number> = {};
  for (const m of metrics) {
    try {
      values[m.name] = m.compute(getView, output, target);
    } catch (err) {
      if (!(err instanceof UndefinedMetricError)) throw err;
      values[m.name] = NaN;
    }
  }
  return values;
}
