import { Optimizer } from "./optimizer.js";
import { cloneValue, withDefaults } from "./util.js";

/** A scheduler's state: plain JSON (its numbers and lists), without the optimizer. */
export type SchedulerState = Record<string, unknown>;

/**
 * Base class of the epoch-indexed LR schedulers, as PyTorch's _LRScheduler. Construction
 * records each group's initialLr and applies the epoch-0 lr; every step() advances
 * lastEpoch and writes the new lr into the optimizer's param groups. Call optimizer.step()
 * before scheduler.step(). Resuming with lastEpoch >= 0 needs the groups' initialLr, which
 * the optimizer's state dict carries.
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  baseLrs: number[];
  lastEpoch: number;
  /** step() calls so far, the construction step included (PyTorch's _step_count). */
  stepCount = 0;
  protected lastLr: number[] = [];

  constructor(optimizer: Optimizer, lastEpoch = -1) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${new.target.name}: expected an Optimizer`);
    this.optimizer = optimizer;
    optimizer.paramGroups.forEach((group, i) => {
      if (lastEpoch === -1) group.initialLr ??= group.lr;
      else if (typeof group.initialLr !== "number") {
        throw new RangeError(`${new.target.name}: param group ${i} has no initialLr; resuming at lastEpoch ${lastEpoch} needs the optimizer's saved state`);
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /**
   * The first step, which sets the lr for epoch 0. Subclasses call it at the end of their
   * constructors: unlike Python, JavaScript cannot set their fields before the base
   * constructor runs, and computeLr needs them.
   */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The lr of each group at lastEpoch (already advanced), from the current lrs: PyTorch's chainable get_lr. */
  protected abstract computeLr(): number[];

  /** The lr of each group at lastEpoch from the base lrs alone, where a schedule has a closed form. */
  protected closedFormLr?(): number[];

  /**
   * Advances one epoch. With `epoch`, jumps to that epoch instead and uses the closed form
   * where the schedule has one (PyTorch's deprecated step(epoch); SequentialLR uses it).
   */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.computeLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr ? this.closedFormLr() : this.computeLr();
    }
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lr of each param group set by the last step. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** A copy of the scheduler's fields, except the optimizer. */
  stateDict(): SchedulerState {
    return this.fieldsExcept([]);
  }

  loadStateDict(state: SchedulerState): void {
    Object.assign(this, cloneValue(state));
  }

  protected fieldsExcept(exclude: string[]): SchedulerState {
    const out: SchedulerState = {};
    for (const [key, value] of Object.entries(this)) {
      if (key !== "optimizer" && !exclude.includes(key)) out[key] = cloneValue(value);
    }
    return out;
  }

  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }
}

/** Multiplies the lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, stepSize: number, options: { gamma?: number; lastEpoch?: number } = {}) {
    const o = withDefaults("StepLR", options, { gamma: 0.1, lastEpoch: -1 });
    super(optimizer, o.lastEpoch);
    if (!(Number.isInteger(stepSize) && stepSize > 0)) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    this.stepSize = stepSize;
    this.gamma = o.gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Multiplies the lr by gamma at each milestone epoch (by gamma^k for a milestone listed k times). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;

  constructor(optimizer: Optimizer, milestones: number[], options: { gamma?: number; lastEpoch?: number } = {}) {
    const o = withDefaults("MultiStepLR", options, { gamma: 0.1, lastEpoch: -1 });
    super(optimizer, o.lastEpoch);
    if (!Array.isArray(milestones) || !milestones.every(Number.isInteger)) {
      throw new TypeError(`MultiStepLR: milestones must be a list of integers, got ${JSON.stringify(milestones)}`);
    }
    this.milestones = milestones.slice().sort((a, b) => a - b);
    this.gamma = o.gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma ** hits);
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

/** Multiplies the lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer, gamma: number, options: { lastEpoch?: number } = {}) {
    const o = withDefaults("ExponentialLR", options, { lastEpoch: -1 });
    super(optimizer, o.lastEpoch);
    if (typeof gamma !== "number" || Number.isNaN(gamma)) throw new TypeError(`ExponentialLR: gamma must be a number, got ${String(gamma)}`);
    this.gamma = gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    if (this.lastEpoch === 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/**
 * Cosine annealing from the initial lr down to etaMin over tMax epochs (and back up over the
 * next tMax, and so on), with PyTorch's recursive formula so every value matches it.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, tMax: number, options: { etaMin?: number; lastEpoch?: number } = {}) {
    const o = withDefaults("CosineAnnealingLR", options, { etaMin: 0, lastEpoch: -1 });
    super(optimizer, o.lastEpoch);
    if (!(typeof tMax === "number" && tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be > 0, got ${String(tMax)}`);
    this.tMax = tMax;
    this.etaMin = o.etaMin;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const { lastEpoch: e, tMax: t, etaMin } = this;
    if (e === 0) return this.currentLrs();
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / t))) / 2);
    }
    if ((e - 1 - t) % (2 * t) === 0) {
      return this.currentLrs().map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / t))) / 2);
    }
    return this.currentLrs().map((lr) =>
      ((1 + Math.cos((Math.PI * e) / t)) / (1 + Math.cos((Math.PI * (e - 1)) / t))) * (lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

export interface LinearLROptions {
  /** Factor of the initial lr at epoch 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Factor reached at totalIters and kept after, in [0, 1]. Default 1. */
  endFactor?: number;
  totalIters?: number;
  lastEpoch?: number;
}

/** Changes the lr factor linearly from startFactor to endFactor over totalIters epochs: linear warm-up (or decay). */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    const o = withDefaults("LinearLR", options, { startFactor: 1 / 3, endFactor: 1, totalIters: 5, lastEpoch: -1 });
    super(optimizer, o.lastEpoch);
    // PyTorch accepts startFactor 0 but then divides by zero on the first step.
    if (!(o.startFactor > 0 && o.startFactor <= 1)) throw new RangeError(`LinearLR: startFactor must be in (0, 1], got ${o.startFactor}`);
    if (!(o.endFactor >= 0 && o.endFactor <= 1)) throw new RangeError(`LinearLR: endFactor must be in [0, 1], got ${o.endFactor}`);
    if (!(Number.isInteger(o.totalIters) && o.totalIters > 0)) throw new RangeError(`LinearLR: totalIters must be a positive integer, got ${o.totalIters}`);
    this.startFactor = o.startFactor;
    this.endFactor = o.endFactor;
    this.totalIters = o.totalIters;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: n, lastEpoch: e } = this;
    if (e === 0) return this.currentLrs().map((lr) => lr * s);
    if (e > n) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: n, lastEpoch: e } = this;
    return this.baseLrs.map((b) => b * (s + ((f - s) * Math.min(n, e)) / n));
  }
}

/** lr = initialLr · lrLambda(epoch), with one function for all groups or one per group. */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: ((epoch: number) => number)[];

  constructor(optimizer: Optimizer, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], options: { lastEpoch?: number } = {}) {
    const o = withDefaults("LambdaLR", options, { lastEpoch: -1 });
    super(optimizer, o.lastEpoch);
    const n = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda) && lrLambda.length !== n) throw new RangeError(`LambdaLR: expected ${n} lrLambdas, got ${lrLambda.length}`);
    this.lrLambdas = Array.isArray(lrLambda) ? lrLambda.slice() : new Array(n).fill(lrLambda);
    if (!this.lrLambdas.every((f) => typeof f === "function")) throw new TypeError("LambdaLR: lrLambda must be a function or a list of functions");
    this.initialStep();
  }

  protected computeLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch));
  }

  /** The functions are not saved: the scheduler that loads this state must be built with the same ones. */
  override stateDict(): SchedulerState {
    return this.fieldsExcept(["lrLambdas"]);
  }
}

/**
 * Runs schedulers one after another: schedulers[i] from milestones[i-1] on, the next one
 * starting from its epoch 0 (e.g. a LinearLR warm-up, then CosineAnnealingLR).
 * All schedulers must drive this optimizer.
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  readonly milestones: number[];

  constructor(optimizer: Optimizer, schedulers: LRScheduler[], milestones: number[], options: { lastEpoch?: number } = {}) {
    const o = withDefaults("SequentialLR", options, { lastEpoch: -1 });
    if (schedulers.length === 0) throw new RangeError("SequentialLR: needs at least one scheduler");
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) throw new RangeError(`SequentialLR: scheduler ${i} drives a different optimizer`);
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new RangeError(`SequentialLR: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${milestones.length}`);
    }
    super(optimizer, o.lastEpoch);
    this.schedulers = schedulers.slice();
    this.milestones = milestones.slice();
    this.lastEpoch = o.lastEpoch + 1;
    // Undo the construction steps of the schedulers, then redo only the first one's.
    for (const g of optimizer.paramGroups) g.lr = g.initialLr as number;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].stepCount = 0;
    this.schedulers[0].step();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  /** Steps the scheduler whose span holds lastEpoch, from its epoch 0 at its milestone. */
  protected computeLr(): number[] {
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    return s.getLastLr();
  }

  override stateDict(): SchedulerState {
    return { ...this.fieldsExcept(["schedulers"]), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(state: SchedulerState): void {
    const { schedulers, ...rest } = state;
    if (!Array.isArray(schedulers) || schedulers.length !== this.schedulers.length) {
      throw new RangeError(`SequentialLR.loadStateDict: expected the states of ${this.schedulers.length} schedulers`);
    }
    super.loadStateDict(rest);
    schedulers.forEach((s, i) => this.schedulers[i].loadStateDict(s as SchedulerState));
  }
}
