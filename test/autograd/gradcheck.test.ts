import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor, assertGradcheck, gradcheck, tensor } from "../../src/index.js";
import { record } from "../../src/autograd/index.js";
import { alloc } from "../../src/ops/util.js";

/** x³ with a backward rule that forgets the factor 3. */
function wrongCube(x: Tensor): Tensor {
  const out = alloc(x.shape);
  const xs = x.toArray();
  for (let i = 0; i < xs.length; i++) out.data[i] = xs[i] ** 3;
  return record("WrongCubeBackward", out, [x], (g) => [g.mul(x).mul(x)]);
}

test("gradcheck passes a right rule", () => {
  const x = tensor([0.5, -1.2, 2], { requiresGrad: true });
  assert.deepEqual(gradcheck((x) => x.pow(3), [x]), []);
  assertGradcheck((x) => x.pow(3), [x]);
});

test("gradcheck detects a wrong backward rule", () => {
  const x = tensor([0.5, -1.2, 2], { requiresGrad: true });
  const failures = gradcheck(wrongCube, [x]);
  assert.equal(failures.length, 3);
  assert.deepEqual(failures.map((f) => f.index), [0, 1, 2]);
  // The weighted sum <v, x³> makes the true gradient 3x²·v; the wrong rule gives x²·v.
  for (const f of failures) assert.ok(Math.abs(f.analytic / f.numeric - 1 / 3) < 0.01, `${f.analytic} vs ${f.numeric}`);
  assert.throws(() => assertGradcheck(wrongCube, [x]), /gradcheck failed at 3 element\(s\):\n {2}input 0\[0\]: analytic/);
});

test("gradcheck detects a gradient lost to detach", () => {
  const x = tensor([0.5, 1.5], { requiresGrad: true });
  assert.equal(gradcheck((x) => x.mul(x.detach()), [x]).length, 2);
});

test("gradcheck checks every input that requires grad and skips the others", () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const b = tensor([3, 4]);
  const failures = gradcheck((a, b) => wrongCube(a).mul(b), [a, b]);
  assert.deepEqual(failures.map((f) => f.input), [0, 0]);
});

test("gradcheck leaves the inputs as they were", () => {
  const x = tensor([0.25, -0.75], { requiresGrad: true });
  gradcheck((x) => x.exp(), [x]);
  assert.deepEqual(Array.from(x.toArray()), [0.25, -0.75]);
});
