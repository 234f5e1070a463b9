import assert from "node:assert/strict";
import { Tensor, tensor } from "../../src/index.js";
import { Adagrad, Adam, AdamW, type Optimizer, type ParamGroupInput, RMSprop, SGD } from "../../src/optim/index.js";
import type { EncodedTensor } from "../helpers.js";

/** Splits a fixture tensor of shape [n, ...rest] into n tensors of shape rest. */
export function rows(e: EncodedTensor): Tensor[] {
  const [n, ...rest] = e.shape;
  const size = rest.reduce((a, b) => a * b, 1);
  const out: Tensor[] = [];
  for (let i = 0; i < n; i++) out.push(tensor(e.data.slice(i * size, (i + 1) * size) as number[], { shape: rest }));
  return out;
}

type Make = (params: Tensor[] | ParamGroupInput[], options: object) => Optimizer;

/** The optimizers by the names the fixtures use. */
export const OPTIMIZERS: Record<string, Make> = {
  SGD: (p, o) => new SGD(p, o),
  Adam: (p, o) => new Adam(p, o),
  AdamW: (p, o) => new AdamW(p, o),
  RMSprop: (p, o) => new RMSprop(p, o),
  Adagrad: (p, o) => new Adagrad(p, o),
};

/** Number lists equal within a relative tolerance (scheduler values are float64 on both sides). */
export function assertNumbersClose(actual: readonly number[], expected: readonly number[], what: string, rtol = 1e-12): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => {
    const b = expected[i];
    assert.ok(Math.abs(a - b) <= rtol * Math.abs(b) + 1e-15, `${what}[${i}]: got ${a}, expected ${b}`);
  });
}

/** The same values, bit for bit. */
export function assertSameValues(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual(Array.from(a.toArray()), Array.from(b.toArray()), what);
}
