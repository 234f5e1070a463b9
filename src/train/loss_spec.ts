import { Module } from "../nn/module.js";
import {
  BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss,
} from "../nn/loss.js";
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, l1Loss, mseLoss } from "../ops/loss.js";
import { tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import type { Task } from "./named_metrics.js";

/** Losses fit knows by name. "bce" takes probabilities (a Sigmoid output), "bceWithLogits" logits. */
export type LossName = "crossEntropy" | "bceWithLogits" | "bce" | "mse" | "mae" | "huber";

export type LossFn = (output: Tensor, target: Tensor) => Tensor;

/** A loss: a name, a function of (output, target) returning a scalar tensor, or an nn loss module. */
export type LossSpec = LossName | LossFn | Module;

/** Class weights: one per class index, as an array or as { class: weight } (classes left out weigh 1). */
export type ClassWeight = readonly number[] | Readonly<Record<number, number>>;

export interface LossWeights {
  /** For crossEntropy: per-class weights, as PyTorch's `weight` (the mean is weighted too). */
  classWeight?: ClassWeight;
  /** For bceWithLogits: the weight of the positive term, e.g. negatives / positives for imbalanced data. */
  posWeight?: number;
}

export interface ResolvedLoss {
  fn: LossFn;
  /** The task the loss implies, or null for a function (fit's `task` option says). */
  task: Task | null;
  /** The model outputs probabilities rather than logits (the "bce" loss). */
  probabilities: boolean;
}

const TASKS: Record<LossName, Task> = {
  crossEntropy: "multiclass", bceWithLogits: "binary", bce: "binary", mse: "regression", mae: "regression", huber: "regression",
};

function taskOfModule(m: Module): Task | null {
  if (m instanceof CrossEntropyLoss || m instanceof NLLLoss) return "multiclass";
  if (m instanceof BCEWithLogitsLoss || m instanceof BCELoss) return "binary";
  if (m instanceof MSELoss || m instanceof L1Loss || m instanceof HuberLoss || m instanceof SmoothL1Loss) return "regression";
  return null;
}

/** Class weights as the [C] weight tensor crossEntropy takes, checked against the model's C classes. */
function classWeightTensor(w: ClassWeight, classes: number): Tensor {
  const entries = Array.isArray(w) ? (w as number[]).map((v, i) => [i, v] as const) : Object.entries(w).map(([k, v]) => [Number(k), v] as const);
  if (Array.isArray(w) && w.length !== classes) throw new RangeError(`fit: classWeight has ${w.length} weights, the model outputs ${classes} classes`);
  const dense = new Array<number>(classes).fill(1);
  for (const [k, v] of entries) {
    if (!Number.isInteger(k) || k < 0 || k >= classes) throw new RangeError(`fit: classWeight key ${k} is not a class index of the model's ${classes} classes`);
    if (!(typeof v === "number" && v >= 0 && Number.isFinite(v))) throw new RangeError(`fit: classWeight of class ${k} must be a finite number >= 0, got ${v}`);
    dense[k] = v;
  }
  return tensor(dense);
}

/**
 * Makes the output and target meet a known loss's expectations, Keras-style: an [N, 1]
 * output against [N] targets is squeezed; class indices given as floats (as read from a
 * CSV) become int32; labels given as ints become floats for binary and regression losses.
 */
function conform(task: Task, output: Tensor, target: Tensor): [Tensor, Tensor] {
  if (task === "multiclass") {
    const indices = target.dtype !== "int32" && target.ndim === output.ndim - 1 ? target.int() : target;
    return [output, indices];
  }
  const squeezed = output.ndim === target.ndim + 1 && output.shape[output.ndim - 1] === 1 ? output.reshape(target.shape) : output;
  return [squeezed, target.dtype === "float32" ? target : target.float()];
}

/**
 * Checks a loss specification and the weights that go with it, and returns the function
 * fit calls per batch.
 */
export function resolveLoss(spec: LossSpec | undefined, weights: LossWeights = {}): ResolvedLoss {
  if (spec === undefined) throw new TypeError("fit: options.loss is required (a name such as \"crossEntropy\", a function or an nn loss module)");
  const { classWeight, posWeight } = weights;
  if (classWeight !== undefined && spec !== "crossEntropy") {
    throw new TypeError(`fit: classWeight applies to the "crossEntropy" loss (use posWeight with "bceWithLogits"); the loss is ${typeof spec === "string" ? `"${spec}"` : "given as an object or function"}`);
  }
  if (posWeight !== undefined && spec !== "bceWithLogits") {
    throw new TypeError("fit: posWeight applies to the \"bceWithLogits\" loss");
  }
  if (posWeight !== undefined && !(posWeight > 0 && Number.isFinite(posWeight))) throw new RangeError(`fit: posWeight must be a finite number > 0, got ${posWeight}`);
  if (typeof spec === "function") return { fn: spec, task: null, probabilities: false };
  if (spec instanceof Module) {
    const task = taskOfModule(spec);
    const fn: LossFn = task ? (o, t) => spec.forward(...conform(task, o, t)) : (o, t) => spec.forward(o, t);
    return { fn, task, probabilities: spec instanceof BCELoss };
  }
  if (!Object.hasOwn(TASKS, spec)) {
    throw new TypeError(`fit: unknown loss ${JSON.stringify(spec)} (known: ${Object.keys(TASKS).join(", ")}, or pass a function or an nn loss module)`);
  }
  const task = TASKS[spec];
  // The weight tensor needs the number of classes, which the first output tells.
  let weight: Tensor | null = null;
  const weightFor = (o: Tensor): Tensor | null => (classWeight === undefined ? null : (weight ??= classWeightTensor(classWeight, o.shape[1] ?? 0)));
  const pw = posWeight !== undefined ? tensor([posWeight]) : null;
  const base: Record<LossName, LossFn> = {
    crossEntropy: (o, t) => crossEntropy(o, t, { weight: weightFor(o) }),
    bceWithLogits: (o, t) => binaryCrossEntropyWithLogits(o, t, { posWeight: pw }),
    bce: (o, t) => binaryCrossEntropy(o, t),
    mse: (o, t) => mseLoss(o, t),
    mae: (o, t) => l1Loss(o, t),
    huber: (o, t) => huberLoss(o, t),
  };
  return { fn: (o, t) => base[spec](...conform(task, o, t)), task, probabilities: spec === "bce" };
}
