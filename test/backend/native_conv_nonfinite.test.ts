// Infinities and NaN in a convolution's operands reach only the results that meet them.
// The direct kernels compute on a wide grid whose dropped columns (and whose zero
// padding) line up with real values of the other operand: a product there must never
// reach a kept result, or 0 · Inf = NaN lands in weights, outputs or input pixels that
// the js kernel (im2col + GEMM, the reference) leaves finite. Each case puts one
// non-finite value at a row's first or last column, in the first or last image, and
// compares every pass with the js kernel: the same NaN and infinities, finite values
// within rounding.
import { test } from "node:test";
import type { Conv2dGeometry } from "../../src/backend/index.js";
import { assertClose, eachConfig, js, native, uniform, convGeometry } from "./native_helpers.js";

const conv = convGeometry;

const GEOMETRIES: Conv2dGeometry[] = [
  conv({ n: 3, cIn: 3, cOut: 6, h: 32, w: 32, kh: 5, kw: 5 }), // LeNet's conv1: the wide grid, 4 of 32 columns dropped
  conv({ n: 3, cIn: 6, cOut: 16, h: 14, w: 14, kh: 5, kw: 5 }), // LeNet's conv2: channel lanes (wide grid when scalar)
  conv({ n: 5, cIn: 2, cOut: 4, padH: 1, padW: 1 }), // padded rows sharing their padding
  conv({ n: 2, cIn: 2, cOut: 3, h: 6, w: 6, padH: 3, padW: 3 }), // rows with padding of their own
  conv({ n: 7, cIn: 1, cOut: 8, h: 7, w: 7, kh: 5, kw: 5, padH: 2, padW: 2 }), // small images, several a block
  conv({ cIn: 2, cOut: 5, h: 12, w: 13, kh: 2, kw: 4, padH: 1, padW: 2 }),
  conv({ cOut: 3, h: 12, w: 12, dilationH: 2, dilationW: 2, padW: 1 }),
  conv({ cIn: 4, cOut: 6, groups: 2, padH: 1, padW: 1 }),
  conv({ n: 3, cIn: 3, cOut: 5, h: 6, w: 7, kh: 1, kw: 1 }), // 1×1: GEMM on the input plane
  conv({ cIn: 3, cOut: 5, h: 6, w: 7, kh: 1, kw: 1, padH: 1, padW: 1 }), // 1×1 padded: the wide grid
  conv({ cOut: 4, h: 10, w: 10, padH: 1, padW: 1, strideH: 2, strideW: 2 }), // strided: im2col + GEMM
  conv({ cOut: 4, h: 13, w: 13, kh: 5, kw: 5, strideH: 2, strideW: 2 }),
];

const SPECIAL = [Infinity, -Infinity, NaN];

/**
 * Places for one non-finite value in a tensor of n × c planes of h × w: the first and
 * last column of a middle row, the first row's first column, the last element, each
 * with its value.
 */
function places(n: number, c: number, h: number, w: number): { at: number; v: number; where: string }[] {
  const at = (b: number, ci: number, r: number, col: number) => ((b * c + ci) * h + r) * w + col;
  const mid = h >> 1;
  return [
    { at: at(0, 0, mid, 0), v: Infinity, where: `image 0 channel 0 row ${mid} column 0` },
    { at: at(n - 1, c - 1, mid, w - 1), v: -Infinity, where: `last image, last channel, row ${mid}, last column` },
    { at: at(0, c - 1, 0, 0), v: NaN, where: "image 0, last channel, row 0, column 0" },
    { at: at(n - 1, c - 1, h - 1, w - 1), v: Infinity, where: "the last element" },
    { at: at(n >> 1, 0, h - 1, 0), v: NaN, where: `image ${n >> 1}, channel 0, last row, column 0` },
    { at: at(n >> 1, 0, mid, w >> 1), v: SPECIAL[mid % 3], where: `image ${n >> 1}, channel 0, row ${mid}, column ${w >> 1}` },
  ];
}

function maxFinite(a: Float32Array): number {
  let m = 0;
  for (const v of a) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

function describeGeo(g: Conv2dGeometry): string {
  return `${g.n}×${g.cIn}×${g.h}×${g.w} * ${g.cOut}×${g.cIn / g.groups}×${g.kh}×${g.kw}` +
    ` stride ${g.strideH},${g.strideW} pad ${g.padH},${g.padW} dilation ${g.dilationH},${g.dilationW} groups ${g.groups}`;
}

eachConfig("native conv2d with infinities and NaN in its operands", () => {
  let seed = 9000;

  test("weight gradient, non-finite input (only the weights that meet it) or output gradient", () => {
    for (const g of GEOMETRIES) {
      const cases = [
        ...places(g.n, g.cIn, g.h, g.w).map((p) => ({ ...p, what: "x" as const })),
        ...places(g.n, g.cOut, g.outH, g.outW).map((p) => ({ ...p, what: "gOut" as const })),
      ];
      for (const p of cases) {
        const x = uniform(g.n * g.cIn * g.h * g.w, seed++);
        const gOut = uniform(g.n * g.cOut * g.outH * g.outW, seed++);
        (p.what === "x" ? x : gOut)[p.at] = p.v;
        const gw = uniform(g.cOut * (g.cIn / g.groups) * g.kh * g.kw, seed++);
        native.conv2dBackwardWeight(gOut, x, gw, g);
        const want = new Float32Array(gw.length);
        js.conv2dBackwardWeight(gOut, x, want, g);
        const atol = 1e-5 * Math.sqrt(g.n * g.outH * g.outW) * maxFinite(x) * maxFinite(gOut);
        assertClose(gw, want, { atol, what: `weight gradient of ${describeGeo(g)}, ${p.v} in ${p.what} at ${p.where}` });
      }
    }
  });

  test("input gradient, non-finite weights or output gradient", () => {
    for (const g of GEOMETRIES) {
      const cInG = g.cIn / g.groups;
      const cases = [
        ...places(g.cOut, cInG, g.kh, g.kw).map((p) => ({ ...p, what: "w" as const })),
        ...places(g.n, g.cOut, g.outH, g.outW).map((p) => ({ ...p, what: "gOut" as const })),
      ];
      for (const p of cases) {
        const w = uniform(g.cOut * cInG * g.kh * g.kw, seed++);
        const gOut = uniform(g.n * g.cOut * g.outH * g.outW, seed++);
        (p.what === "w" ? w : gOut)[p.at] = p.v;
        const gx = uniform(g.n * g.cIn * g.h * g.w, seed++);
        native.conv2dBackwardInput(gOut, w, gx, g);
        const want = new Float32Array(gx.length);
        js.conv2dBackwardInput(gOut, w, want, g);
        const atol = 1e-5 * Math.sqrt((g.cOut / g.groups) * g.kh * g.kw) * maxFinite(w) * maxFinite(gOut);
        assertClose(gx, want, { atol, what: `input gradient of ${describeGeo(g)}, ${p.v} in ${p.what} at ${p.where}` });
      }
    }
  });

  test("forward, non-finite input or weights", () => {
    for (const g of GEOMETRIES) {
      const cInG = g.cIn / g.groups;
      const cases = [
        ...places(g.n, g.cIn, g.h, g.w).map((p) => ({ ...p, what: "x" as const })),
        ...places(g.cOut, cInG, g.kh, g.kw).map((p) => ({ ...p, what: "w" as const })),
      ];
      for (const p of cases) {
        const x = uniform(g.n * g.cIn * g.h * g.w, seed++);
        const w = uniform(g.cOut * cInG * g.kh * g.kw, seed++);
        const bias = uniform(g.cOut, seed++);
        (p.what === "x" ? x : w)[p.at] = p.v;
        const out = uniform(g.n * g.cOut * g.outH * g.outW, seed++);
        native.conv2d(x, w, bias, out, g);
        const want = new Float32Array(out.length);
        js.conv2d(x, w, bias, want, g);
        const atol = 1e-5 * (Math.sqrt(cInG * g.kh * g.kw) * maxFinite(x) * maxFinite(w) + 1);
        assertClose(out, want, { atol, what: `forward of ${describeGeo(g)}, ${p.v} in ${p.what} at ${p.where}` });
      }
    }
  });
});
