/**
 * Shared by the core op tests: runs the cases of test/fixtures/core.json (made by
 * tools/fixtures/gen_core.py) for one group of ops, and makes seeded gradcheck inputs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Generator, Tensor, rand, tensor } from "../../src/index.js";
import { type FixtureCase, type Tolerance, assertClose, fromFixture, loadFixture } from "../helpers.js";

export type Params = Record<string, any>;
export type OpFn = (inputs: Record<string, Tensor>, params: Params) => Tensor | Record<string, Tensor>;

/** The output gradient the generator uses: gout[i] = ((7 i) mod 11 - 5) / 4 over the flat index. */
export function goutPattern(shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, (_, i) => (((7 * i) % 11) - 5) / 4), { shape });
}

export function checkCase(name: string, c: FixtureCase, fn: OpFn, tol: Tolerance): void {
  const inputs: Record<string, Tensor> = {};
  for (const [k, e] of Object.entries(c.inputs)) inputs[k] = fromFixture(e, k in c.grads);
  const result = fn(inputs, c.params);
  const outs = result instanceof Tensor ? { out: result } : result;
  for (const [k, e] of Object.entries(c.outputs)) {
    assert.ok(outs[k], `${name}: missing output ${k}`);
    assert.equal(outs[k].dtype, e.dtype, `${name}: output ${k} dtype`);
    assertClose(outs[k], e, tol, `${name} ${k}`);
  }
  const gradNames = Object.keys(c.grads);
  if (gradNames.length === 0) return;
  const y = outs[Object.keys(c.outputs)[0]];
  y.backward(goutPattern(y.shape));
  for (const k of gradNames) assertClose(inputs[k].grad, c.grads[k], tol, `${name} grad ${k}`);
}

/** One test per fixture case of `group`; every case must have an entry in `ops` (by params.op). */
export function fixtureTests(group: string, ops: Record<string, OpFn>, tol: Tolerance = {}): void {
  const cases = Object.entries(loadFixture("core")).filter(([name]) => name.startsWith(group + "/"));
  test(`core.json has ${group} cases, each with an op in the table`, () => {
    assert.ok(cases.length > 0);
    for (const [name, c] of cases) assert.ok(ops[c.params.op as string], `${name}: no op "${c.params.op}" in the ${group} table`);
  });
  for (const [name, c] of cases) {
    const fn = ops[c.params.op as string];
    if (fn) test(`${name} matches PyTorch`, () => checkCase(name, c, fn, tol));
  }
}

/** A leaf requiring grad, uniform in [lo, hi), from generator g. */
export function uniform(g: Generator, shape: number[], lo = -1, hi = 1): Tensor {
  return rand(shape, { generator: g }).mul(hi - lo).add(lo).requiresGrad_();
}

/** A leaf requiring grad with |values| in [gap, gap + 1.5): safe for ops with a kink at 0. */
export function awayFromZero(g: Generator, shape: number[], gap = 0.2): Tensor {
  const u = rand(shape, { generator: g }).mul(3).sub(1.5);
  return u.add(u.sign().mul(gap)).requiresGrad_();
}
