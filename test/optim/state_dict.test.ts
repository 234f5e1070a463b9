import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tensor, tensor, zeros } from "../../src/index.js";
import {
  Adagrad, Adam, AdamW, CosineAnnealingLR, LambdaLR, LinearLR, type LRScheduler, OneCycleLR, type Optimizer,
  type OptimizerStateDict, ReduceLROnPlateau, RMSprop, SequentialLR, SGD, type SchedulerState,
} from "../../src/optim/index.js";
import { fromFixture, loadFixture } from "../helpers.js";
import { assertSameValues, rows } from "./optim_helpers.js";

const inputs = loadFixture("optim").inputs.inputs;
const grads = [rows(inputs.g0), rows(inputs.g1)];

/** What a checkpoint does: tensors to {shape, data}, everything through JSON text, and back. */
function throughJson(sd: OptimizerStateDict): OptimizerStateDict {
  const text = JSON.stringify(sd, (_key, v) => (v instanceof Tensor ? { $tensor: v.shape, data: Array.from(v.toArray()) } : v));
  return JSON.parse(text, (_key, v) => (v && v.$tensor ? tensor(v.data, { shape: v.$tensor }) : v));
}

function freshParams(): Tensor[] {
  return [fromFixture(inputs.p0, true), fromFixture(inputs.p1, true)];
}

function stepWith(opt: Optimizer, params: Tensor[], step: number): void {
  params.forEach((p, i) => {
    p.grad = grads[i][step];
  });
  opt.step();
}

const CONFIGS: Record<string, (params: Tensor[]) => Optimizer> = {
  "SGD nesterov": (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
  "Adam amsgrad": (p) => new Adam(p, { lr: 0.1, amsgrad: true }),
  "AdamW groups": (p) => new AdamW([{ params: [p[0]], lr: 0.05 }, { params: [p[1]], betas: [0.5, 0.9] }], { lr: 0.1 }),
  "RMSprop centered momentum": (p) => new RMSprop(p, { lr: 0.01, momentum: 0.5, centered: true }),
  "Adagrad lrDecay": (p) => new Adagrad(p, { lr: 0.1, lrDecay: 0.1 }),
};

describe("optimizer stateDict round trip", () => {
  for (const [name, make] of Object.entries(CONFIGS)) {
    it(`${name}: save after 3 steps, load into a fresh optimizer, continue as if uninterrupted`, () => {
      const params = freshParams();
      const opt = make(params);
      for (let s = 0; s < 3; s++) stepWith(opt, params, s);
      const saved = throughJson(opt.stateDict());
      const resumedParams = params.map((p) => tensor(p.toArray(), { shape: p.shape, requiresGrad: true }));
      const resumed = make(resumedParams);
      resumed.loadStateDict(saved);
      for (let s = 3; s < 6; s++) {
        stepWith(opt, params, s);
        stepWith(resumed, resumedParams, s);
        params.forEach((p, i) => assertSameValues(resumedParams[i], p, `p${i} after step ${s + 1}`));
      }
    });
  }

  it("has PyTorch's layout and key names", () => {
    const params = freshParams();
    const opt = new Adam([{ params: [params[1]], lr: 0.01 }, { params: [params[0]] }], { amsgrad: true });
    stepWith(opt, params, 0);
    const sd = opt.stateDict();
    assert.deepEqual(sd.param_groups, [
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [0] },
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [1] },
    ]);
    assert.deepEqual(Object.keys(sd.state), ["0", "1"]);
    assert.deepEqual(Object.keys(sd.state[0]).sort(), ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]);
    assert.equal(sd.state[0].step, 1);
    assert.deepEqual((sd.state[0].exp_avg as Tensor).shape, params[1].shape);
    const sgd = new SGD(params, { lr: 0.1, momentum: 0.9 });
    stepWith(sgd, params, 0);
    assert.deepEqual(Object.keys(sgd.stateDict().state[1]), ["momentum_buffer"]);
  });

  it("loads copies: the loaded optimizer shares nothing with the dict", () => {
    const params = freshParams();
    const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
    stepWith(opt, params, 0);
    const sd = opt.stateDict();
    const other = new SGD(freshParams(), { lr: 0.5 });
    other.loadStateDict(sd);
    assert.equal(other.paramGroups[0].lr, 0.1);
    assert.equal(other.paramGroups[0].momentum, 0.9);
    const buf = sd.state[0].momentum_buffer as Tensor;
    assert.notEqual(other.state.get(other.paramGroups[0].params[0])?.momentum_buffer, buf);
    stepWith(opt, params, 1);
    assert.notDeepEqual(Array.from((other.state.get(other.paramGroups[0].params[0])?.momentum_buffer as Tensor).toArray()),
      Array.from(buf.toArray()));
  });

  it("rejects a dict that does not fit, and keeps its own state", () => {
    const params = freshParams();
    const opt = new Adam(params, { lr: 0.1 });
    stepWith(opt, params, 0);
    const sd = opt.stateDict();
    const two = new Adam([{ params: [zeros([2, 3], { requiresGrad: true })] }, { params: [zeros([4], { requiresGrad: true })] }]);
    assert.throws(() => two.loadStateDict(sd), /the state dict has 1 param groups, the optimizer has 2/);
    const short = new Adam([zeros([2, 3], { requiresGrad: true })]);
    assert.throws(() => short.loadStateDict(sd), /param group 0 has 2 parameters in the state dict, 1 in the optimizer/);
    const swapped = new Adam([zeros([4], { requiresGrad: true }), zeros([2, 3], { requiresGrad: true })], { lr: 0.5 });
    assert.throws(() => swapped.loadStateDict(sd), /state 'exp_avg' of parameter 0 has shape \[2, 3\], the parameter has \[4\]/);
    assert.equal(swapped.paramGroups[0].lr, 0.5);
    assert.equal(swapped.state.size, 0);
    assert.throws(() => swapped.loadStateDict({} as OptimizerStateDict), /expected \{ state, param_groups \}/);
    const bad = { ...sd, param_groups: [{ ...sd.param_groups[0], lr: -1 }] };
    assert.throws(() => new Adam(freshParams()).loadStateDict(bad), /invalid lr -1/);
  });
});

describe("scheduler stateDict round trip", () => {
  type Make = (o: Optimizer) => LRScheduler | ReduceLROnPlateau;
  const SCHEDULERS: Record<string, Make> = {
    CosineAnnealingLR: (o) => new CosineAnnealingLR(o, 8, { etaMin: 0.01 }),
    SequentialLR: (o) => new SequentialLR(o, [new LinearLR(o, { totalIters: 3 }), new CosineAnnealingLR(o, 10)], [3]),
    LambdaLR: (o) => new LambdaLR(o, (e) => 1 / (1 + e)),
    OneCycleLR: (o) => new OneCycleLR(o, 0.5, { totalSteps: 12 }),
    ReduceLROnPlateau: (o) => new ReduceLROnPlateau(o, { patience: 1, cooldown: 1 }),
  };
  const metric = (k: number) => [3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1][k];
  const advance = (s: LRScheduler | ReduceLROnPlateau, k: number) => (s instanceof ReduceLROnPlateau ? s.step(metric(k)) : s.step());

  for (const [name, make] of Object.entries(SCHEDULERS)) {
    it(`${name}: resumes from its state and the optimizer's`, () => {
      const opt = new SGD([zeros([1], { requiresGrad: true })], { lr: 0.2, momentum: 0.9 });
      const sched = make(opt);
      for (let k = 0; k < 5; k++) advance(sched, k);
      const savedOpt = opt.stateDict();
      const savedSched = JSON.parse(JSON.stringify(sched.stateDict())) as SchedulerState;
      const opt2 = new SGD([zeros([1], { requiresGrad: true })], { lr: 0.2, momentum: 0.9 });
      const sched2 = make(opt2);
      opt2.loadStateDict(savedOpt);
      sched2.loadStateDict(savedSched);
      assert.deepEqual(sched2.getLastLr(), sched.getLastLr());
      for (let k = 5; k < 11; k++) {
        advance(sched, k);
        advance(sched2, k);
        assert.deepEqual(opt2.paramGroups.map((g) => [g.lr, g.momentum]), opt.paramGroups.map((g) => [g.lr, g.momentum]), `step ${k}`);
      }
    });
  }
});
