import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DType, Tensor, tensor } from "../src/index.js";

/** Tests run from dist/test; fixtures stay in the source tree. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "test", "fixtures");
export const REPO = join(FIXTURES, "..", "..");

export interface EncodedTensor {
  shape: number[];
  dtype: DType;
  data: (number | string)[];
}

export interface FixtureCase {
  inputs: Record<string, EncodedTensor>;
  outputs: Record<string, EncodedTensor>;
  grads: Record<string, EncodedTensor>;
  params: Record<string, unknown>;
}

const cache = new Map<string, Record<string, FixtureCase>>();

/** The cases of test/fixtures/<group>.json (made by tools/fixtures/gen_<group>.py with PyTorch). */
export function loadFixture(group: string): Record<string, FixtureCase> {
  let cases = cache.get(group);
  if (!cases) {
    const raw = JSON.parse(readFileSync(join(FIXTURES, `${group}.json`), "utf8"));
    cases = raw.cases as Record<string, FixtureCase>;
    for (const c of Object.values(cases)) {
      c.inputs ??= {};
      c.outputs ??= {};
      c.grads ??= {};
      c.params ??= {};
    }
    cache.set(group, cases);
  }
  return cases;
}

function decodeValue(v: number | string): number {
  if (typeof v === "number") return v;
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  throw new Error(`bad fixture value ${v}`);
}

/** A fixture tensor as a Lathe tensor (a fresh leaf). */
export function fromFixture(e: EncodedTensor, requiresGrad = false): Tensor {
  const t = tensor(e.data.map(decodeValue), { shape: e.shape, dtype: e.dtype });
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

/** Elementwise |a - b| <= atol + rtol·|b| with matching shapes; NaN and ±inf must match exactly. */
export function assertClose(actual: Tensor | null, expected: Tensor | EncodedTensor | number[] | number, tol: Tolerance = {}, what = "value"): void {
  const atol = tol.atol ?? 1e-5;
  const rtol = tol.rtol ?? 1e-4;
  assert.ok(actual, `${what}: got null`);
  let expShape: number[] | null = null;
  let exp: number[];
  if (expected instanceof Tensor) {
    expShape = expected.shape.slice();
    exp = Array.from(expected.toArray());
  } else if (typeof expected === "number") {
    exp = [expected];
  } else if (Array.isArray(expected)) {
    exp = expected;
  } else {
    expShape = expected.shape;
    exp = expected.data.map(decodeValue);
  }
  if (expShape) assert.deepEqual(actual.shape, expShape, `${what}: shape [${actual.shape}] vs expected [${expShape}]`);
  const got = Array.from(actual.toArray());
  assert.equal(got.length, exp.length, `${what}: ${got.length} values vs expected ${exp.length}`);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < got.length; i++) {
    const a = got[i];
    const b = exp[i];
    if (Number.isNaN(b) || !Number.isFinite(b)) {
      if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) { worst = i; worstErr = Infinity; break; }
      continue;
    }
    const err = Math.abs(a - b) - (atol + rtol * Math.abs(b));
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = Number.isNaN(err) ? Infinity : err;
    }
  }
  if (worst >= 0) {
    assert.fail(`${what}: mismatch at flat index ${worst}: got ${got[worst]}, expected ${exp[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}
