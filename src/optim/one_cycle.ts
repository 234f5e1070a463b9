import { LRScheduler } from "./lr_scheduler.js";
import type { Optimizer, ParamGroup } from "./optimizer.js";
import { withDefaults } from "./util.js";

export interface OneCycleLROptions {
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent raising the lr. Default 0.3. */
  pctStart?: number;
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum (SGD, RMSprop) or beta1 (Adam) inversely to the lr. Default true. */
  cycleMomentum?: boolean;
  /** Lowest momentum, reached at the peak lr; one value or one per group. Default 0.85. */
  baseMomentum?: number | number[];
  /** Highest momentum, at the start and end; one value or one per group. Default 0.95. */
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
  /** Three phases (up, back down to initialLr, then down to minLr) as fastai, instead of two. */
  threePhase?: boolean;
  lastEpoch?: number;
}

/** Group keys that the phases anneal between; OneCycleLR stores them in each param group, as PyTorch. */
type Bound = "initialLr" | "maxLr" | "minLr" | "maxMomentum" | "baseMomentum";

interface Phase {
  endStep: number;
  startLr: Bound;
  endLr: Bound;
  startMomentum: Bound;
  endMomentum: Bound;
}

/**
 * The 1cycle policy (Smith & Topin, 2017) as torch.optim.lr_scheduler.OneCycleLR: the lr
 * rises from maxLr/divFactor to maxLr, then anneals to a minimum far below, while momentum
 * moves the opposite way. Step it after every batch, totalSteps times.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly phases: Phase[];
  readonly annealStrategy: "cos" | "linear";
  readonly cycleMomentum: boolean;
  /** Whether momentum is the optimizer's beta1 (Adam) rather than its momentum option. */
  readonly useBeta1: boolean;

  constructor(optimizer: Optimizer, maxLr: number | number[], options: OneCycleLROptions = {}) {
    const o = withDefaults("OneCycleLR", options, {
      totalSteps: undefined as number | undefined, epochs: undefined as number | undefined,
      stepsPerEpoch: undefined as number | undefined, pctStart: 0.3, annealStrategy: "cos" as "cos" | "linear",
      cycleMomentum: true, baseMomentum: undefined as number | number[] | undefined,
      maxMomentum: undefined as number | number[] | undefined, divFactor: 25, finalDivFactor: 1e4,
      threePhase: false, lastEpoch: -1,
    });
    const positiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
    let totalSteps: number;
    if (o.totalSteps !== undefined) {
      if (!positiveInt(o.totalSteps)) throw new RangeError(`OneCycleLR: totalSteps must be a positive integer, got ${o.totalSteps}`);
      totalSteps = o.totalSteps;
    } else if (o.epochs !== undefined || o.stepsPerEpoch !== undefined) {
      if (!positiveInt(o.epochs) || !positiveInt(o.stepsPerEpoch)) {
        throw new RangeError(`OneCycleLR: epochs and stepsPerEpoch must be positive integers, got ${o.epochs} and ${o.stepsPerEpoch}`);
      }
      totalSteps = o.epochs * o.stepsPerEpoch;
    } else {
      throw new RangeError("OneCycleLR: give either totalSteps or epochs and stepsPerEpoch");
    }
    if (!(o.pctStart >= 0 && o.pctStart <= 1)) throw new RangeError(`OneCycleLR: pctStart must be in [0, 1], got ${o.pctStart}`);
    if (o.annealStrategy !== "cos" && o.annealStrategy !== "linear") {
      throw new RangeError(`OneCycleLR: annealStrategy must be 'cos' or 'linear', got '${o.annealStrategy}'`);
    }
    const groups = optimizer.paramGroups;
    const maxLrs = perGroup("maxLr", maxLr, groups);
    const useBeta1 = "betas" in optimizer.defaults;
    if (o.cycleMomentum && !useBeta1 && !("momentum" in optimizer.defaults)) {
      throw new RangeError(`OneCycleLR: ${optimizer.name} has no momentum or betas to cycle; pass cycleMomentum: false`);
    }
    const maxMomenta = perGroup("maxMomentum", o.maxMomentum ?? 0.95, groups);
    const baseMomenta = perGroup("baseMomentum", o.baseMomentum ?? 0.85, groups);

    super(optimizer, o.lastEpoch);
    this.totalSteps = totalSteps;
    this.annealStrategy = o.annealStrategy;
    this.cycleMomentum = o.cycleMomentum;
    this.useBeta1 = useBeta1;
    const up = o.pctStart * totalSteps - 1;
    this.phases = o.threePhase
      ? [
        { endStep: up, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
        { endStep: 2 * o.pctStart * totalSteps - 2, startLr: "maxLr", endLr: "initialLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
        { endStep: totalSteps - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
      ]
      : [
        { endStep: up, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
        { endStep: totalSteps - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
      ];
    if (o.lastEpoch === -1) {
      groups.forEach((g, i) => {
        const initialLr = maxLrs[i] / o.divFactor;
        g.initialLr = initialLr;
        g.maxLr = maxLrs[i];
        g.minLr = initialLr / o.finalDivFactor;
        if (o.cycleMomentum) {
          this.setMomentum(g, maxMomenta[i]);
          g.maxMomentum = maxMomenta[i];
          g.baseMomentum = baseMomenta[i];
        }
      });
      this.baseLrs = groups.map((g) => g.initialLr as number);
    }
    this.initialStep();
  }

  protected computeLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new RangeError(`OneCycleLR: tried to step ${step + 1} times; the cycle has totalSteps ${this.totalSteps}`);
    }
    let i = 0;
    let start = 0;
    while (i < this.phases.length - 1 && step > this.phases[i].endStep) start = this.phases[i++].endStep;
    const phase = this.phases[i];
    const pct = (step - start) / (phase.endStep - start);
    return this.optimizer.paramGroups.map((g) => {
      if (this.cycleMomentum) {
        this.setMomentum(g, this.anneal(g[phase.startMomentum] as number, g[phase.endMomentum] as number, pct));
      }
      return this.anneal(g[phase.startLr] as number, g[phase.endLr] as number, pct);
    });
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === "linear") return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  private setMomentum(group: ParamGroup, momentum: number): void {
    if (this.useBeta1) group.betas = [momentum, (group.betas as number[])[1]];
    else group.momentum = momentum;
  }
}

function perGroup(name: string, value: number | number[], groups: readonly unknown[]): number[] {
  if (!Array.isArray(value)) return groups.map(() => value);
  if (value.length !== groups.length) throw new RangeError(`OneCycleLR: expected ${groups.length} values for ${name}, got ${value.length}`);
  return value.slice();
}
