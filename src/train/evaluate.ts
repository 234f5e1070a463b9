import { noGrad } from "../autograd/grad_mode.js";
import type { DataLoader } from "../data/dataloader.js";
import type { Module } from "../nn/module.js";
import { cat } from "../ops/join.js";
import { Tensor } from "../tensor/tensor.js";
import { type FitData, inputsOf, toLoader, unpack } from "./batches.js";
import { type LossSpec, type ResolvedLoss, resolveLoss } from "./loss_spec.js";
import { type MetricSpec, type ResolvedMetric, type Task, computeMetrics, resolveMetrics } from "./named_metrics.js";

/** Runs fn with the model (and every submodule) in eval mode, then puts back each module's own mode. */
export async function inEvalMode<T>(model: Module, fn: () => Promise<T>): Promise<T> {
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  try {
    return await fn();
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

/** The forward pass, checked to give a tensor. */
export function forward(op: string, model: Module, x: Tensor): Tensor {
  const out: unknown = model.forward(x);
  if (!(out instanceof Tensor)) throw new TypeError(`${op}: the model's forward must return a Tensor, got ${typeof out}`);
  return out;
}

/** Outputs and targets of an epoch's batches, kept (detached) for metrics that need them all, such as ROC AUC. */
export class OutputCollector {
  private readonly outputs: Tensor[] = [];
  private readonly targets: Tensor[] = [];

  constructor(
    private readonly metrics: readonly ResolvedMetric[],
    private readonly task: Task | null,
    private readonly probabilities: boolean,
  ) {}

  add(output: Tensor, target: Tensor): void {
    if (this.metrics.length === 0) return;
    this.outputs.push(output.detach());
    this.targets.push(target.detach());
  }

  compute(op: string): Record<string, number> {
    if (this.metrics.length === 0 || this.outputs.length === 0) return {};
    return computeMetrics(op, this.metrics, this.task, this.probabilities, cat(this.outputs, 0), cat(this.targets, 0));
  }
}

/** How a run scores data: its loss (or none), task and metrics, resolved once. */
export interface Scorer {
  loss: ResolvedLoss | null;
  task: Task | null;
  metrics: readonly ResolvedMetric[];
}

/** Mean loss (weighted by batch sizes) and metrics of the model over every batch of `loader`, without gradients. */
export async function score(op: string, model: Module, loader: DataLoader<any, any>, s: Scorer): Promise<Record<string, number>> {
  return inEvalMode(model, async () => {
    const collector = new OutputCollector(s.metrics, s.task, s.loss?.probabilities ?? false);
    let lossSum = 0;
    let count = 0;
    for await (const batch of loader) {
      const [x, y] = unpack(op, batch);
      const output = noGrad(() => forward(op, model, x));
      if (s.loss) lossSum += noGrad(() => s.loss!.fn(output, y)).item() * x.shape[0];
      count += x.shape[0];
      collector.add(output, y);
    }
    if (count === 0) throw new RangeError(`${op}: the data has no samples`);
    return { ...(s.loss ? { loss: lossSum / count } : {}), ...collector.compute(op) };
  });
}

export interface EvaluateOptions {
  /** The loss to report as `loss`; leave it out to report metrics only. */
  loss?: LossSpec;
  metrics?: readonly MetricSpec[];
  /** Samples per batch when the data is not a DataLoader. Default 32. */
  batchSize?: number;
  /** What the model predicts, when the loss does not tell (a function) or there is none. */
  task?: Task;
}

/**
 * The loss and metrics of `model` over `data`, computed in eval mode without gradients:
 * `{ loss, accuracy, … }`. The model's train/eval modes are left as they were.
 */
export async function evaluate(model: Module, data: FitData, opts: EvaluateOptions = {}): Promise<Record<string, number>> {
  const loss = opts.loss === undefined ? null : resolveLoss(opts.loss);
  const task = opts.task ?? loss?.task ?? null;
  const metrics = resolveMetrics("evaluate", opts.metrics ?? [], task);
  if (!loss && metrics.length === 0) throw new TypeError("evaluate: give a loss, metrics or both");
  const loader = toLoader("evaluate", "data", data, { batchSize: opts.batchSize, shuffleByDefault: false });
  return score("evaluate", model, loader, { loss, task, metrics });
}

/**
 * The model's outputs for `x`, batch by batch in eval mode without gradients, joined along
 * the first dimension. `x` is an inputs tensor, or data whose batches are inputs or
 * [inputs, …] arrays (targets are ignored). The model's train/eval modes are left as they were.
 */
export async function predict(model: Module, x: Tensor | FitData, opts: { batchSize?: number } = {}): Promise<Tensor> {
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`predict: batchSize must be a positive integer, got ${batchSize}`);
  return inEvalMode(model, async () => {
    const outputs: Tensor[] = [];
    if (x instanceof Tensor) {
      if (x.ndim === 0) throw new RangeError("predict: x must have a first (sample) dimension, got a 0-d tensor");
      for (let s = 0; s < x.shape[0]; s += batchSize) {
        const rows = x.narrow(0, s, Math.min(batchSize, x.shape[0] - s));
        outputs.push(noGrad(() => forward("predict", model, rows)));
      }
    } else {
      const loader = toLoader("predict", "x", x, { batchSize: opts.batchSize, shuffleByDefault: false });
      for await (const batch of loader) outputs.push(noGrad(() => forward("predict", model, inputsOf(batch))));
    }
    if (outputs.length === 0) throw new RangeError("predict: x has no samples");
    return cat(outputs, 0);
  });
}
