import { Tensor } from "../tensor/tensor.js";
import { Optimizer } from "./optimizer.js";
import type { SchedulerState } from "./lr_scheduler.js";
import { cloneValue, withDefaults } from "./util.js";

export interface ReduceLROnPlateauOptions {
  /** "min": the metric should fall (a loss); "max": it should rise (an accuracy). Default "min". */
  mode?: "min" | "max";
  /** new lr = lr · factor. Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before the lr is cut. Default 10. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 1e-4. */
  threshold?: number;
  /** "rel": relative to the best value; "abs": absolute. Default "rel". */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a cut before counting bad epochs again. Default 0. */
  cooldown?: number;
  /** Lower bound of the lr, one for all groups or one per group. Default 0. */
  minLr?: number | number[];
  /** Cuts smaller than eps are skipped. Default 1e-8. */
  eps?: number;
}

/**
 * Cuts the lr by `factor` when a metric has not improved for `patience` epochs, as
 * torch.optim.lr_scheduler.ReduceLROnPlateau. Call step(metric) once per epoch.
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  mode: "min" | "max";
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: "rel" | "abs";
  cooldown: number;
  minLrs: number[];
  eps: number;
  /** Best metric so far; null before the first (PyTorch starts at ±inf, which JSON cannot hold). */
  best: number | null = null;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError("ReduceLROnPlateau: expected an Optimizer");
    const o = withDefaults("ReduceLROnPlateau", options, {
      mode: "min" as "min" | "max", factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: "rel" as "rel" | "abs",
      cooldown: 0, minLr: undefined as number | number[] | undefined, eps: 1e-8,
    });
    if (!(o.factor < 1)) throw new RangeError(`ReduceLROnPlateau: factor must be < 1, got ${o.factor}`);
    if (o.mode !== "min" && o.mode !== "max") throw new RangeError(`ReduceLROnPlateau: mode must be 'min' or 'max', got '${o.mode}'`);
    if (o.thresholdMode !== "rel" && o.thresholdMode !== "abs") {
      throw new RangeError(`ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got '${o.thresholdMode}'`);
    }
    const n = optimizer.paramGroups.length;
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== n) throw new RangeError(`ReduceLROnPlateau: expected ${n} minLr values, got ${minLr.length}`);
    this.optimizer = optimizer;
    this.mode = o.mode;
    this.factor = o.factor;
    this.patience = o.patience;
    this.threshold = o.threshold;
    this.thresholdMode = o.thresholdMode;
    this.cooldown = o.cooldown;
    this.minLrs = Array.isArray(minLr) ? minLr.slice() : new Array(n).fill(minLr);
    this.eps = o.eps;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Records one epoch's metric (a number or a one-element tensor) and cuts the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== "number") throw new TypeError(`ReduceLROnPlateau.step: metric must be a number or a tensor, got ${typeof metric}`);
    this.lastEpoch++;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - newLr > this.eps) g.lr = newLr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  stateDict(): SchedulerState {
    const { optimizer: _, ...fields } = this;
    return cloneValue(fields);
  }

  loadStateDict(state: SchedulerState): void {
    Object.assign(this, cloneValue(state));
  }

  private isBetter(a: number): boolean {
    const best = this.best ?? (this.mode === "min" ? Infinity : -Infinity);
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === "rel" ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }
}
