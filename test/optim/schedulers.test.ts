import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tensor, zeros } from "../../src/index.js";
import {
  Adagrad, Adam, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, LRScheduler, MultiStepLR, OneCycleLR, type Optimizer,
  ReduceLROnPlateau, SequentialLR, SGD, StepLR,
} from "../../src/optim/index.js";
import { loadFixture } from "../helpers.js";
import { assertNumbersClose } from "./optim_helpers.js";

const cases = loadFixture("optim");

/** Two param groups with lr 0.1 and 0.05, as the fixture generator builds them. */
function twoGroups(kind: "SGD" | "Adam" | "Adagrad" = "SGD", options: object = {}): Optimizer {
  const groups = [{ params: [zeros([1], { requiresGrad: true })], lr: 0.1 }, { params: [zeros([1], { requiresGrad: true })], lr: 0.05 }];
  if (kind === "Adam") return new Adam(groups, options);
  if (kind === "Adagrad") return new Adagrad(groups, options);
  return new SGD(groups, options);
}

/** Each fixture case: the optimizer and scheduler that PyTorch ran. */
const SCHEDULES: Record<string, () => [Optimizer, LRScheduler | ReduceLROnPlateau]> = {
  sched_step: () => { const o = twoGroups(); return [o, new StepLR(o, 5, { gamma: 0.5 })]; },
  sched_multistep: () => { const o = twoGroups(); return [o, new MultiStepLR(o, [3, 8, 8, 15], { gamma: 0.3 })]; },
  sched_exponential: () => { const o = twoGroups(); return [o, new ExponentialLR(o, 0.9)]; },
  sched_cosine: () => { const o = twoGroups(); return [o, new CosineAnnealingLR(o, 10, { etaMin: 0.001 })]; },
  sched_cosine_default: () => { const o = twoGroups(); return [o, new CosineAnnealingLR(o, 7)]; },
  sched_linear: () => { const o = twoGroups(); return [o, new LinearLR(o, { startFactor: 0.25, endFactor: 1, totalIters: 8 })]; },
  sched_linear_default: () => { const o = twoGroups(); return [o, new LinearLR(o)]; },
  sched_linear_decay: () => { const o = twoGroups(); return [o, new LinearLR(o, { startFactor: 1, endFactor: 0.1, totalIters: 10 })]; },
  sched_lambda: () => { const o = twoGroups(); return [o, new LambdaLR(o, (e) => 0.95 ** e)]; },
  sched_lambda_list: () => {
    const o = twoGroups();
    return [o, new LambdaLR(o, [(e) => 1 / (e + 1), (e) => Math.min(1, (e + 1) / 5)])];
  },
  sched_sequential: () => {
    const o = twoGroups();
    return [o, new SequentialLR(o, [new LinearLR(o, { startFactor: 0.1, totalIters: 5 }), new CosineAnnealingLR(o, 25)], [5])];
  },
  sched_sequential3: () => {
    const o = twoGroups();
    const parts = [new LinearLR(o, { startFactor: 0.5, totalIters: 4 }), new ExponentialLR(o, 0.8), new StepLR(o, 3)];
    return [o, new SequentialLR(o, parts, [4, 12])];
  },
  sched_onecycle: () => { const o = twoGroups("SGD", { momentum: 0.9 }); return [o, new OneCycleLR(o, [1.0, 0.5], { totalSteps: 30 })]; },
  sched_onecycle_linear: () => {
    const o = twoGroups("SGD", { momentum: 0.9 });
    return [o, new OneCycleLR(o, 0.8, {
      epochs: 3, stepsPerEpoch: 10, annealStrategy: "linear", pctStart: 0.25, divFactor: 10, finalDivFactor: 100,
      baseMomentum: 0.8, maxMomentum: 0.9,
    })];
  },
  sched_onecycle_three_phase: () => {
    const o = twoGroups("SGD", { momentum: 0.9 });
    return [o, new OneCycleLR(o, 1.0, { totalSteps: 30, threePhase: true })];
  },
  sched_onecycle_adam: () => { const o = twoGroups("Adam"); return [o, new OneCycleLR(o, 0.01, { totalSteps: 30 })]; },
  sched_onecycle_no_momentum: () => {
    const o = twoGroups("Adagrad");
    return [o, new OneCycleLR(o, 0.3, { totalSteps: 30, cycleMomentum: false })];
  },
  plateau_min: () => { const o = twoGroups(); return [o, new ReduceLROnPlateau(o, { patience: 2 })]; },
  plateau_min_abs: () => {
    const o = twoGroups();
    return [o, new ReduceLROnPlateau(o, { factor: 0.5, patience: 1, threshold: 0.05, thresholdMode: "abs", cooldown: 2, minLr: [0.01, 0.02] })];
  },
  plateau_max: () => {
    const o = twoGroups();
    return [o, new ReduceLROnPlateau(o, { mode: "max", factor: 0.5, patience: 0, threshold: 0.1, minLr: 0.02, eps: 0.004 })];
  },
};

function momentumOf(o: Optimizer): number[] {
  return o.paramGroups.map((g) => (Array.isArray(g.betas) ? g.betas[0] : g.momentum) as number);
}

describe("LR schedulers vs PyTorch 1.13", () => {
  for (const [name, make] of Object.entries(SCHEDULES)) {
    it(name, () => {
      const { lrs, momenta, metrics } = cases[name].params as { lrs: number[][]; momenta?: number[][]; metrics: number[] | null };
      const [opt, sched] = make();
      const check = (k: number) => {
        assertNumbersClose(opt.paramGroups.map((g) => g.lr), lrs[k], `${name} lr at step ${k}`);
        if (momenta) assertNumbersClose(momentumOf(opt), momenta[k], `${name} momentum at step ${k}`);
      };
      check(0);
      for (let k = 1; k < lrs.length; k++) {
        if (sched instanceof ReduceLROnPlateau) sched.step((metrics as number[])[k - 1]);
        else sched.step();
        check(k);
      }
    });
  }
  it("covers every scheduler case in the fixture", () => {
    const inFixture = Object.keys(cases).filter((k) => k.startsWith("sched_") || k.startsWith("plateau_"));
    assert.deepEqual(inFixture.sort(), Object.keys(SCHEDULES).sort());
  });
});

describe("LRScheduler", () => {
  it("getLastLr returns the lrs of the last step, and lastEpoch counts steps", () => {
    const o = twoGroups();
    const s = new StepLR(o, 2);
    assert.deepEqual(s.getLastLr(), [0.1, 0.05]);
    s.step();
    s.step();
    assert.equal(s.lastEpoch, 2);
    assertNumbersClose(s.getLastLr(), [0.01, 0.005], "lr");
    assert.deepEqual(o.paramGroups.map((g) => g.initialLr), [0.1, 0.05]);
  });

  it("resumes at lastEpoch from the optimizer's saved initialLr", () => {
    const a = twoGroups();
    const sa = new CosineAnnealingLR(a, 10);
    for (let i = 0; i < 4; i++) sa.step();
    const b = twoGroups();
    b.loadStateDict(a.stateDict());
    const sb = new CosineAnnealingLR(b, 10, { lastEpoch: 3 });
    assertNumbersClose(sb.getLastLr(), sa.getLastLr(), "resumed lr", 1e-12);
    sa.step();
    sb.step();
    assertNumbersClose(sb.getLastLr(), sa.getLastLr(), "next lr", 1e-12);
    assert.throws(() => new StepLR(twoGroups(), 3, { lastEpoch: 5 }), /param group 0 has no initialLr/);
  });

  it("ReduceLROnPlateau accepts a 0-d tensor metric", () => {
    const o = twoGroups();
    const s = new ReduceLROnPlateau(o, { patience: 0 });
    s.step(tensor(1));
    s.step(tensor(2));
    assertNumbersClose(s.getLastLr(), [0.01, 0.005], "lr");
  });

  it("OneCycleLR cycles SGD momentum even when it started at 0", () => {
    const o = twoGroups();
    new OneCycleLR(o, 0.1, { totalSteps: 10 });
    assert.deepEqual(o.paramGroups.map((g) => g.momentum), [0.95, 0.95]);
  });
});

describe("LR scheduler errors", () => {
  it("rejects bad arguments and unknown options", () => {
    assert.throws(() => new StepLR(twoGroups(), 0), /StepLR: stepSize must be a positive integer/);
    assert.throws(() => new StepLR(twoGroups(), 2, { gama: 0.5 } as object), /StepLR: unknown option 'gama'/);
    assert.throws(() => new MultiStepLR(twoGroups(), [1.5]), /milestones must be a list of integers/);
    assert.throws(() => new CosineAnnealingLR(twoGroups(), 0), /tMax must be > 0/);
    assert.throws(() => new LinearLR(twoGroups(), { startFactor: 0 }), /startFactor must be in \(0, 1\]/);
    assert.throws(() => new LinearLR(twoGroups(), { totalIters: 0 }), /totalIters must be a positive integer/);
    assert.throws(() => new LambdaLR(twoGroups(), [(e: number) => e]), /expected 2 lrLambdas, got 1/);
    assert.throws(() => new StepLR({} as Optimizer, 1), /StepLR: expected an Optimizer/);
  });

  it("SequentialLR checks its schedulers and milestones", () => {
    const o = twoGroups();
    const other = twoGroups();
    assert.throws(() => new SequentialLR(o, [new StepLR(o, 2), new StepLR(o, 3)], []), /expected 1 milestones for 2 schedulers, got 0/);
    assert.throws(() => new SequentialLR(o, [new StepLR(o, 2), new StepLR(other, 3)], [4]), /scheduler 1 drives a different optimizer/);
  });

  it("OneCycleLR checks its schedule and stops after totalSteps", () => {
    assert.throws(() => new OneCycleLR(twoGroups(), 0.1), /give either totalSteps or epochs and stepsPerEpoch/);
    assert.throws(() => new OneCycleLR(twoGroups(), 0.1, { totalSteps: 2.5 }), /totalSteps must be a positive integer/);
    assert.throws(() => new OneCycleLR(twoGroups(), 0.1, { epochs: 2 }), /epochs and stepsPerEpoch must be positive integers/);
    assert.throws(() => new OneCycleLR(twoGroups(), 0.1, { totalSteps: 10, pctStart: 1.5 }), /pctStart must be in \[0, 1\]/);
    assert.throws(() => new OneCycleLR(twoGroups(), 0.1, { totalSteps: 10, annealStrategy: "exp" as "cos" }), /annealStrategy/);
    assert.throws(() => new OneCycleLR(twoGroups(), [0.1], { totalSteps: 10 }), /expected 2 values for maxLr, got 1/);
    assert.throws(() => new OneCycleLR(twoGroups("Adagrad"), 0.1, { totalSteps: 10 }), /Adagrad has no momentum or betas to cycle/);
    const s = new OneCycleLR(twoGroups(), 0.1, { totalSteps: 3 });
    for (let i = 0; i < 3; i++) s.step();
    assert.throws(() => s.step(), /tried to step 5 times; the cycle has totalSteps 3/);
  });

  it("ReduceLROnPlateau checks its options", () => {
    assert.throws(() => new ReduceLROnPlateau(twoGroups(), { factor: 1 }), /factor must be < 1/);
    assert.throws(() => new ReduceLROnPlateau(twoGroups(), { mode: "up" as "min" }), /mode must be 'min' or 'max'/);
    assert.throws(() => new ReduceLROnPlateau(twoGroups(), { thresholdMode: "pct" as "rel" }), /thresholdMode must be 'rel' or 'abs'/);
    assert.throws(() => new ReduceLROnPlateau(twoGroups(), { minLr: [0.1] }), /expected 2 minLr values, got 1/);
    assert.throws(() => new ReduceLROnPlateau(twoGroups(), { paitence: 3 } as object), /unknown option 'paitence'/);
  });
});
