/** Shared by the nn_*.test.ts files: runs one case of test/fixtures/nn_functional.json. */
import assert from "node:assert/strict";
import type { Tensor } from "../../src/index.js";
import { type FixtureCase, type Tolerance, assertClose, fromFixture, loadFixture } from "../helpers.js";

export type Inputs = Record<string, Tensor>;

export const TOL: Tolerance = { atol: 1e-5, rtol: 1e-4 };

/**
 * Builds the case's inputs (those with a reference gradient require grad), checks
 * fn's output against PyTorch's, backpropagates the case's `gout` and checks the gradients.
 */
export function checkCase(name: string, fn: (t: Inputs, p: Record<string, unknown>) => Tensor, tol: Tolerance = TOL): { t: Inputs; c: FixtureCase } {
  const c = loadFixture("nn_functional")[name];
  assert.ok(c, `fixture case ${name} is missing`);
  const t: Inputs = {};
  for (const [k, e] of Object.entries(c.inputs)) t[k] = fromFixture(e, k in c.grads);
  const out = fn(t, c.params);
  assert.equal(out.dtype, c.outputs.out.dtype, `${name} dtype`);
  assertClose(out, c.outputs.out, tol, `${name} value`);
  if (Object.keys(c.grads).length) {
    out.backward(t.gout);
    for (const [k, g] of Object.entries(c.grads)) assertClose(t[k].grad, g, tol, `${name} grad ${k}`);
  }
  return { t, c };
}
