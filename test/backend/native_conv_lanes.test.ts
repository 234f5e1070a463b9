// The weight gradient with output channels in the vector lanes (native/conv_lanes.h,
// laneWeightBlock: AVX2 and up, one vector of channels, kernels up to 5 wide) on shapes
// whose outputs are narrow against their padded rows, as LeNet's second layer: against the
// js kernel, and the same bits on one thread as on several.
import assert from "node:assert/strict";
import { test } from "node:test";
import { backend, type Conv2dGeometry } from "../../src/backend/index.js";
import { assertClose, eachConfig, js, native, uniform, convGeometry } from "./native_helpers.js";

const conv = (over: Partial<Conv2dGeometry>): Conv2dGeometry => convGeometry({ n: 3, cIn: 6, h: 14, w: 14, cOut: 16, kh: 5, kw: 5, ...over });

const GEOMETRIES: Conv2dGeometry[] = [
  conv({ n: 9 }), // LeNet's second layer, split into runs of images
  conv({ cOut: 12, h: 11, w: 13 }), // channels short of a vector, odd sizes
  conv({ cOut: 9, cIn: 2, kh: 3, kw: 3, padH: 1, padW: 1 }), // these three take the wide grid
  conv({ cOut: 16, cIn: 2, kh: 3, kw: 2, padH: 2, padW: 3, h: 9, w: 10 }),
  conv({ cOut: 16, cIn: 1, kh: 30, kw: 1, h: 33, w: 6 }), // kernel rows past one block
  conv({ cOut: 10, cIn: 3, kh: 7, kw: 4, h: 16, w: 12, dilationH: 2 }),
  conv({ n: 4, cOut: 32, cIn: 4, groups: 2, kh: 5, kw: 5, h: 12, w: 12 }), // 16 per group
  // Padded: rows sharing their padding, rows that do not, and row dilation.
  conv({ h: 10, w: 10, padH: 2, padW: 2 }),
  conv({ h: 6, w: 6, kh: 3, kw: 3, padH: 3, padW: 3 }),
  conv({ cIn: 3, h: 16, w: 8, kh: 3, kw: 3, dilationH: 2, padH: 1 }),
];

function weightGradients(): Float32Array[] {
  let seed = 500;
  return GEOMETRIES.map((g) => {
    const x = uniform(g.n * g.cIn * g.h * g.w, seed++);
    x[7] = NaN; // reaches every weight of its channel that it multiplies
    const gOut = uniform(g.n * g.cOut * g.outH * g.outW, seed++);
    const gw = uniform(g.cOut * (g.cIn / g.groups) * g.kh * g.kw, seed++); // must be overwritten
    native.conv2dBackwardWeight(gOut, x, gw, g);
    const want = uniform(gw.length, seed++);
    js.conv2dBackwardWeight(gOut, x, want, g);
    let ma = 0, mb = 0;
    for (const v of x) if (v === v) ma = Math.max(ma, Math.abs(v));
    for (const v of gOut) mb = Math.max(mb, Math.abs(v));
    assertClose(gw, want, { atol: 1e-5 * Math.sqrt(g.n * g.outH * g.outW) * ma * mb, what: `weight gradient ${JSON.stringify(g)}` });
    return gw;
  });
}

eachConfig("native conv2d weight gradient, channels in the lanes", () => {
  test("matches the js kernel, NaN included", () => { weightGradients(); });

  test("the same bits on one thread as on several", () => {
    const many = weightGradients();
    const threads = backend.threads;
    backend.setThreads(1);
    try {
      assert.deepEqual(weightGradients(), many);
    } finally {
      backend.setThreads(threads);
    }
  });
});
