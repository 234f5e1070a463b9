import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tensor, tensor, zeros } from "../../src/index.js";
import { Adagrad, Adam, AdamW, type ParamGroupInput, RMSprop, SGD } from "../../src/optim/index.js";
import { assertClose, fromFixture, loadFixture } from "../helpers.js";
import { OPTIMIZERS, rows } from "./optim_helpers.js";

const cases = loadFixture("optim");
const inputs = cases.inputs.inputs;

interface OptimCase {
  optimizer: string;
  options: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[] | null;
  skip: [number, number][];
}

/** Replays a fixture case: fixed gradients each step, parameters compared with PyTorch after every step. */
function replay(name: string): void {
  const c = cases[name];
  const { optimizer, options, groups, skip } = c.params as unknown as OptimCase;
  const params = [fromFixture(inputs.p0, true), fromFixture(inputs.p1, true)];
  const grads = [rows(inputs.g0), rows(inputs.g1)];
  const expected = [rows(c.outputs.p0), rows(c.outputs.p1)];
  const opt = OPTIMIZERS[optimizer](
    groups ? groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]) })) : params, options);
  for (let step = 0; step < grads[0].length; step++) {
    params.forEach((p, i) => {
      p.grad = skip.some(([s, k]) => s === step && k === i) ? null : grads[i][step];
    });
    opt.step();
    // float32 on both sides, different rounding order: a few ulps per step.
    params.forEach((p, i) => assertClose(p, expected[i][step], { atol: 1e-6, rtol: 1e-5 }, `${name} p${i} after step ${step + 1}`));
  }
}

describe("optimizers vs PyTorch 1.13", () => {
  for (const name of Object.keys(cases)) {
    if (typeof cases[name].params.optimizer === "string") it(name, () => replay(name));
  }

  it("minimises a quadratic through step(closure)", () => {
    const c = cases.quadratic_adam;
    const x = fromFixture(c.inputs.x, true);
    const target = fromFixture(c.inputs.target);
    const w = fromFixture(c.inputs.w);
    const opt = new Adam([x], { lr: 0.2 });
    const expected = rows(c.outputs.x);
    const losses = c.params.losses as number[];
    expected.forEach((want, k) => {
      const loss = opt.step(() => {
        opt.zeroGrad();
        const l = w.mul(x.sub(target).square()).sum();
        l.backward();
        return l;
      });
      assert.ok(loss instanceof Tensor);
      assert.ok(Math.abs(loss.item() - losses[k]) <= 1e-5 * Math.abs(losses[k]), `loss ${k}: ${loss.item()} vs ${losses[k]}`);
      assertClose(x, want, { atol: 1e-6, rtol: 1e-5 }, `x after step ${k + 1}`);
    });
  });
});

describe("Optimizer", () => {
  it("keeps one set of options per param group", () => {
    const a = zeros([2], { requiresGrad: true });
    const b = zeros([2], { requiresGrad: true });
    const opt = new SGD([{ params: [a], lr: 0.5 }, { params: [b] }], { lr: 0.1, momentum: 0.9 });
    assert.equal(opt.paramGroups.length, 2);
    assert.equal(opt.paramGroups[0].lr, 0.5);
    assert.equal(opt.paramGroups[1].lr, 0.1);
    assert.equal(opt.paramGroups[1].momentum, 0.9);
    a.grad = tensor([1, 2]);
    b.grad = tensor([1, 2]);
    opt.step();
    assert.deepEqual(Array.from(a.toArray()), [-0.5, -1]);
    assert.deepEqual(Array.from(b.toArray()), [Math.fround(-0.1), Math.fround(-0.2)]);
  });

  it("addParamGroup fills in the defaults, and the new group trains", () => {
    const a = zeros([2], { requiresGrad: true });
    const b = zeros([3], { requiresGrad: true });
    const opt = new Adam([a], { lr: 0.01, amsgrad: true });
    opt.addParamGroup({ params: [b], lr: 0.1 });
    assert.equal(opt.paramGroups[1].amsgrad, true);
    assert.deepEqual(opt.paramGroups[1].betas, [0.9, 0.999]);
    b.grad = tensor([1, -1, 2]);
    opt.step();
    assertClose(b, [-0.1, 0.1, -0.1], { atol: 1e-6 });
    assert.deepEqual(Array.from(a.toArray()), [0, 0], "a has no gradient and is skipped");
    assert.equal(opt.state.has(a), false);
    assert.throws(() => opt.addParamGroup({ params: [a] }), /more than one param group/);
  });

  it("zeroGrad sets gradients to null by default, or zeroes them in place", () => {
    const p = zeros([3], { requiresGrad: true });
    const opt = new SGD([p], { lr: 0.1 });
    const g = tensor([1, 2, 3]);
    p.grad = g;
    opt.zeroGrad(false);
    assert.equal(p.grad, g);
    assert.deepEqual(Array.from(g.toArray()), [0, 0, 0]);
    opt.zeroGrad();
    assert.equal(p.grad, null);
  });

  it("accepts parameters from a generator and gradients from backward()", () => {
    const p = tensor([1, 2], { requiresGrad: true });
    function* params(): Generator<Tensor> {
      yield p;
    }
    const opt = new SGD(params(), { lr: 0.5 });
    p.mul(p).sum().backward();
    opt.step();
    assertClose(p, [0, 0]);
  });

  it("updates a strided parameter view in place", () => {
    const base = tensor([[1, 2, 3], [4, 5, 6]]);
    const p = base.transpose(0, 1).requiresGrad_();
    assert.equal(p.isContiguous(), false);
    p.grad = tensor([[1, 10], [2, 20], [3, 30]]);
    new SGD([p], { lr: 0.1, momentum: 0.9 }).step();
    assertClose(base, tensor([[0.9, 1.8, 2.7], [3, 3, 3]]));
  });

  it("AdamW decays the weights even with a zero gradient; Adam's L2 term goes through the moments", () => {
    const a = tensor([2, -4], { requiresGrad: true });
    a.grad = zeros([2]);
    new AdamW([a], { lr: 0.1 }).step();
    assertClose(a, [2 * (1 - 0.1 * 0.01), -4 * (1 - 0.1 * 0.01)]);
    const b = tensor([2, -4], { requiresGrad: true });
    b.grad = zeros([2]);
    new Adam([b], { lr: 0.1, weightDecay: 0.01 }).step();
    // The L2 gradient is wd·p; the first bias-corrected Adam step is lr·sign(g).
    assertClose(b, [1.9, -3.9]);
  });

  it("uses PyTorch's defaults", () => {
    const p = () => [zeros([1], { requiresGrad: true })];
    const pick = (o: object, keys: string[]) => Object.fromEntries(keys.map((k) => [k, (o as Record<string, unknown>)[k]]));
    assert.deepEqual(pick(new SGD(p(), { lr: 0.1 }).defaults, ["momentum", "dampening", "weightDecay", "nesterov", "maximize"]),
      { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
    assert.deepEqual(new Adam(p()).defaults, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    assert.equal(new AdamW(p()).defaults.weightDecay, 1e-2);
    assert.equal(new AdamW(p(), { weightDecay: 0 }).defaults.weightDecay, 0);
    assert.deepEqual(new RMSprop(p()).defaults,
      { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
    assert.deepEqual(new Adagrad(p()).defaults,
      { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false });
  });
});

describe("Optimizer errors", () => {
  const p = () => zeros([2], { requiresGrad: true });

  it("rejects a bad or missing lr", () => {
    assert.throws(() => new SGD([p()], {}), /SGD: lr is required/);
    assert.throws(() => new SGD([{ params: [p()] }], {}), /lr is required/);
    assert.doesNotThrow(() => new SGD([{ params: [p()], lr: 0.1 }], {}));
    assert.throws(() => new SGD([p()], { lr: -1 }), /SGD: invalid lr -1/);
    assert.throws(() => new Adam([p()], { lr: NaN }), /Adam: invalid lr NaN/);
    assert.throws(() => new Adam([{ params: [p()], lr: -0.1 }]), /invalid lr/);
    assert.throws(() => new SGD([p()], { lr: "0.1" as unknown as number }), /option 'lr' must be a number|invalid lr/);
  });

  it("rejects other bad options", () => {
    assert.throws(() => new SGD([p()], { lr: 0.1, momentum: -0.5 }), /invalid momentum/);
    assert.throws(() => new SGD([p()], { lr: 0.1, nesterov: true }), /Nesterov momentum requires/);
    assert.throws(() => new SGD([p()], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /Nesterov/);
    assert.throws(() => new Adam([p()], { betas: [1, 0.999] }), /betas must be two numbers in \[0, 1\)/);
    assert.throws(() => new Adam([p()], { eps: -1 }), /invalid eps/);
    assert.throws(() => new AdamW([p()], { weightDecay: -1 }), /AdamW: invalid weightDecay/);
    assert.throws(() => new RMSprop([p()], { alpha: -0.1 }), /RMSprop: invalid alpha/);
    assert.throws(() => new Adagrad([p()], { lrDecay: -1 }), /Adagrad: invalid lrDecay/);
    assert.throws(() => new Adam([p()], { amsgrad: 1 as unknown as boolean }), /option 'amsgrad' must be a boolean/);
  });

  it("rejects unknown options, in the options and in a param group", () => {
    assert.throws(() => new SGD([p()], { lr: 0.1, momentun: 0.9 } as object), /SGD: unknown option 'momentun'/);
    assert.throws(() => new Adam([p()], { weight_decay: 0.1 } as object), /Adam: unknown option 'weight_decay'/);
    assert.throws(() => new Adam([{ params: [p()], beta: 0.5 } as ParamGroupInput]), /param group: unknown option 'beta'/);
  });

  it("rejects empty, malformed and repeated parameter lists", () => {
    assert.throws(() => new SGD([], { lr: 0.1 }), /SGD: got an empty parameter list/);
    assert.throws(() => new Adam(p() as unknown as Tensor[]), /params must be an iterable/);
    assert.throws(() => new Adam([1, 2] as unknown as Tensor[]), /param group must be an object/);
    assert.throws(() => new Adam([{ params: [p(), 3] } as unknown as ParamGroupInput]), /parameter 1 of a param group is not a Tensor/);
    const q = p();
    assert.throws(() => new Adam([q, q]), /appears twice/);
    assert.throws(() => new Adam([{ params: [q] }, { params: [q] }]), /more than one param group/);
    assert.throws(() => new Adam([tensor([1, 2], { dtype: "int32" })]), /parameters must be float32, got int32/);
    const leaf = tensor([1, 2], { requiresGrad: true });
    assert.throws(() => new Adam([leaf.mul(2)]), /can't optimize a non-leaf tensor/);
  });

  it("rejects a gradient whose shape differs from its parameter", () => {
    const q = p();
    q.grad = zeros([3]);
    assert.throws(() => new SGD([q], { lr: 0.1 }).step(), /gradient of shape \[3\] does not match its parameter of shape \[2\]/);
  });
});
