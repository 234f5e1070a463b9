import assert from "node:assert/strict";
import { after, before, describe } from "node:test";
import { backend, jsBackend, nativeKernels } from "../../src/backend/index.js";
import { CROSSOVER } from "../../src/backend/native/index.js";
import type { Backend, Conv2dGeometry } from "../../src/backend/index.js";

/** Why the native tests are skipped (a visible skip reason), or false when they run. */
export const skip: string | false = nativeKernels ? false : `native addon not built: ${backend.loadError}`;

/** The native kernels (only touched when `skip` is false) and the js reference. */
export const native = nativeKernels as Backend;
export const js = jsBackend;

const ALL_LEVELS = ["scalar", "avx2", "avx512"] as const;
type Level = (typeof ALL_LEVELS)[number];

/** The ISA levels this CPU can run, best first. */
export function levels(): Level[] {
  const best = backend.bestIsa as Level | null;
  if (!best) return [];
  return ALL_LEVELS.slice(0, ALL_LEVELS.indexOf(best) + 1).reverse();
}

/**
 * Registers `body` once per ISA level and thread count (1, and the pool's count or 2),
 * with the crossover thresholds at 0 so even a 1-element input runs natively.
 */
export function eachConfig(title: string, body: (cfg: { isa: Level; threads: number }) => void): void {
  describe(title, { skip }, () => {
    if (skip) return;
    const saved = { ...CROSSOVER };
    const isa = backend.isa as Level;
    const threads = backend.threads;
    before(() => {
      for (const k of Object.keys(CROSSOVER) as (keyof typeof CROSSOVER)[]) CROSSOVER[k] = 0;
    });
    after(() => {
      Object.assign(CROSSOVER, saved);
      backend.setIsa(isa);
      backend.setThreads(threads);
    });
    for (const level of levels()) {
      for (const t of [1, Math.max(2, threads)]) {
        describe(`${level}, ${t} thread${t > 1 ? "s" : ""}`, () => {
          before(() => {
            assert.equal(backend.setIsa(level), true);
            backend.setThreads(t);
          });
          body({ isa: level, threads: t });
        });
      }
    }
  });
}

/** A seeded generator of floats in [0, 1) (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n floats uniform in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

/** Values where kernels break: zeros, infinities, NaN, tiny and huge magnitudes. */
export const SPECIALS = [0, -0, 1, -1, 0.5, -0.5, 1e-6, -1e-6, 3, -3, 20, -20, 88, -88, 100, -100, 1e-40, Infinity, -Infinity, NaN];

/**
 * |actual - expected| <= atol + rtol * |expected| elementwise; NaN only where expected is
 * NaN, and infinities exactly. The message names the first bad element.
 */
export function assertClose(
  actual: ArrayLike<number>, expected: ArrayLike<number>, opts: { atol?: number; rtol?: number; what?: string } = {},
): void {
  const { atol = 0, rtol = 0, what = "" } = opts;
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) assert.fail(`${what}: element ${i} is ${a}, the js kernel gives ${e} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Contiguous strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s: number[] = [];
  let k = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = k;
    k *= shape[d];
  }
  return s;
}

/** A Conv2dGeometry from the fields that differ from a small 3×3 convolution, with its output size. */
export function convGeometry(over: Partial<Conv2dGeometry>): Conv2dGeometry {
  const g = { n: 2, cIn: 3, h: 9, w: 11, cOut: 4, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1, ...over };
  const outH = Math.floor((g.h + 2 * g.padH - g.dilationH * (g.kh - 1) - 1) / g.strideH) + 1;
  const outW = Math.floor((g.w + 2 * g.padW - g.dilationW * (g.kw - 1) - 1) / g.strideW) + 1;
  return { ...g, outH, outW };
}
