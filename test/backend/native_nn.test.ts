// The native softmax, layer norm, pooling, indexing and optimizer kernels against the js
// kernels on every ISA level and with one and several threads.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pool2dGeometry } from "../../src/backend/index.js";
import { assertClose, eachConfig, js, native, uniform } from "./native_helpers.js";

/** Row-wise kernels: float32 math against the js kernel's double sums. */
const ROWS = { rtol: 1e-5, atol: 1e-6 };

eachConfig("native softmax and layer norm", () => {
  const shapes: [number, number][] = [[1, 1], [7, 33], [33, 7], [3, 1000], [1000, 17], [300, 300]];

  test("softmax and log-softmax, forward and backward, with -inf and NaN rows", () => {
    let seed = 1;
    for (const [rows, cols] of shapes) {
      const x = uniform(rows * cols, seed++, -20, 20);
      if (rows > 2) {
        x.fill(-Infinity, 0, cols); // an all -inf row
        x[cols] = NaN;
        x[cols + 1] = -Infinity;
      }
      const g = uniform(rows * cols, seed++);
      for (const log of [false, true]) {
        const yj = new Float32Array(x.length), yn = new Float32Array(x.length);
        js.softmax(x, yj, rows, cols, log);
        native.softmax(x, yn, rows, cols, log);
        assertClose(yn, yj, { ...ROWS, what: `${log ? "log" : ""}softmax [${rows}, ${cols}]` });
        const y = uniform(rows * cols, seed++, log ? -5 : 0, log ? 0 : 1);
        const gj = new Float32Array(x.length), gn = new Float32Array(x.length);
        js.softmaxBackward(y, g, gj, rows, cols, log);
        native.softmaxBackward(y, g, gn, rows, cols, log);
        assertClose(gn, gj, { ...ROWS, what: `${log ? "log" : ""}softmax backward [${rows}, ${cols}]` });
      }
    }
  });

  test("layerNorm with and without affine parameters; gradients accumulate into gw and gb", () => {
    let seed = 100;
    for (const [rows, cols] of shapes) {
      const x = uniform(rows * cols, seed++, -3, 5);
      const w = uniform(cols, seed++), b = uniform(cols, seed++), g = uniform(rows * cols, seed++);
      for (const [weight, bias] of [[w, b], [w, null], [null, b], [null, null]]) {
        const run = (k: typeof js) => {
          const out = new Float32Array(rows * cols), mean = new Float32Array(rows), rstd = new Float32Array(rows);
          k.layerNorm(x, weight, bias, out, mean, rstd, rows, cols, 1e-5);
          const gx = new Float32Array(rows * cols);
          const gw = weight ? uniform(cols, 7) : null, gb = bias ? uniform(cols, 8) : null;
          k.layerNormBackward(g, x, weight, mean, rstd, gx, gw, gb, rows, cols);
          return { out, mean, rstd, gx, gw, gb };
        };
        const rj = run(js), rn = run(native);
        const what = `layerNorm [${rows}, ${cols}] weight ${!!weight} bias ${!!bias}`;
        assertClose(rn.out, rj.out, { ...ROWS, what });
        assertClose(rn.mean, rj.mean, { ...ROWS, what: `${what} mean` });
        assertClose(rn.rstd, rj.rstd, { ...ROWS, what: `${what} rstd` });
        assertClose(rn.gx, rj.gx, { rtol: 1e-4, atol: 1e-5, what: `${what} gx` });
        if (rj.gw) assertClose(rn.gw!, rj.gw, { rtol: 1e-5, atol: 1e-5 * rows, what: `${what} gw` });
        if (rj.gb) assertClose(rn.gb!, rj.gb, { rtol: 1e-5, atol: 1e-5 * rows, what: `${what} gb` });
      }
    }
  });
});

function pool(over: Partial<Pool2dGeometry>): Pool2dGeometry {
  const g = { planes: 6, h: 9, w: 11, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, dilationH: 1, dilationW: 1, ...over };
  const outH = Math.floor((g.h + 2 * g.padH - g.dilationH * (g.kh - 1) - 1) / g.strideH) + 1;
  const outW = Math.floor((g.w + 2 * g.padW - g.dilationW * (g.kw - 1) - 1) / g.strideW) + 1;
  return { ...g, outH, outW };
}

const POOLS = [
  pool({}), pool({ planes: 1, h: 1, w: 1, kh: 1, kw: 1, strideH: 1, strideW: 1 }), pool({ kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 }),
  pool({ kh: 3, kw: 2, strideH: 2, strideW: 1, dilationH: 2, dilationW: 3, h: 17, w: 19 }), pool({ planes: 600, h: 28, w: 28 }),
  pool({ kh: 5, kw: 5, strideH: 3, strideW: 3, padH: 2, padW: 2, h: 33, w: 7 }),
  // 2×2 windows of stride 2 take vectorised paths: rows of 16 or more outputs, 8 to 15, odd sizes.
  pool({ planes: 3, h: 41, w: 67 }), pool({ planes: 2, h: 8, w: 18 }), pool({ planes: 5, h: 3, w: 9 }),
];

eachConfig("native pooling", () => {
  test("max pooling, values and indices exactly, NaN windows included; its backward", () => {
    let seed = 200;
    for (const g of POOLS) {
      const x = uniform(g.planes * g.h * g.w, seed++);
      x[5] = NaN;
      x[g.w + 5] = NaN; // NaNs in two rows of one window
      if (x.length > 40) x[40] = NaN;
      if (x.length > 61) [x[60], x[61]] = [Infinity, -Infinity];
      const on = g.planes * g.outH * g.outW;
      const oj = new Float32Array(on), onn = new Float32Array(on), ij = new Int32Array(on), inn = new Int32Array(on);
      js.maxPool2d(x, oj, ij, g);
      native.maxPool2d(x, onn, inn, g);
      const what = `maxPool ${JSON.stringify(g)}`;
      assert.deepEqual(onn, oj, what);
      assert.deepEqual(inn, ij, `${what} indices`);
      const gOut = uniform(on, seed++);
      const gj = uniform(x.length, 1), gn = gj.slice();
      js.maxPool2dBackward(gOut, ij, gj, g);
      native.maxPool2dBackward(gOut, ij, gn, g);
      assertClose(gn, gj, { rtol: 1e-6, atol: 1e-7, what: `${what} backward` });
      // Indices outside their window (never from maxPool2d) go through the general scatter.
      const stray = Int32Array.from(uniform(on, seed++, 0, x.length / g.planes), Math.floor);
      js.maxPool2dBackward(gOut, stray, gj, g);
      native.maxPool2dBackward(gOut, stray, gn, g);
      assertClose(gn, gj, { rtol: 1e-6, atol: 1e-6, what: `${what} backward, stray indices` });
    }
  });

  test("average pooling with and without counting the padding; its backward", () => {
    let seed = 300;
    for (const g of POOLS) {
      for (const countIncludePad of [false, true]) {
        const x = uniform(g.planes * g.h * g.w, seed++);
        const on = g.planes * g.outH * g.outW;
        const oj = new Float32Array(on), onn = new Float32Array(on);
        js.avgPool2d(x, oj, g, countIncludePad);
        native.avgPool2d(x, onn, g, countIncludePad);
        const what = `avgPool ${JSON.stringify(g)} countIncludePad ${countIncludePad}`;
        assertClose(onn, oj, { rtol: 1e-6, atol: 1e-7, what });
        const gOut = uniform(on, seed++);
        const gj = uniform(x.length, 1), gn = gj.slice();
        js.avgPool2dBackward(gOut, gj, g, countIncludePad);
        native.avgPool2dBackward(gOut, gn, g, countIncludePad);
        assertClose(gn, gj, { rtol: 1e-6, atol: 1e-6, what: `${what} backward` });
      }
    }
  });
});

eachConfig("native indexing", () => {
  const dims: [number, number, number, number][] = [[1, 1, 1, 1], [3, 7, 5, 9], [2, 33, 1, 40], [4, 10, 300, 6], [1, 1000, 64, 1000]];
  const index = (count: number, n: number, seed: number) => {
    const u = uniform(count, seed, 0, 1);
    return Int32Array.from(u, (v) => Math.min(n - 1, Math.floor(v * n)));
  };
  const makers = [(k: number) => uniform(k, k), (k: number) => new Int32Array(k).map((_, i) => i * 7 - 3), (k: number) => new Uint8Array(k).map((_, i) => i % 13)];

  test("indexSelect and gather copy every dtype; repeated indices", () => {
    let seed = 400;
    for (const [outer, n, inner, m] of dims) {
      for (const make of makers) {
        const x = make(outer * n * inner);
        const idx = index(m, n, seed++);
        const sj = make(outer * m * inner).fill(0), sn = sj.slice();
        js.indexSelect(x, outer, n, inner, idx, sj);
        native.indexSelect(x, outer, n, inner, idx, sn);
        assert.deepEqual(sn, sj, `indexSelect [${outer}, ${n}, ${inner}] m=${m}`);
        const gidx = index(outer * m * inner, n, seed++);
        const gj = make(outer * m * inner).fill(0), gn = gj.slice();
        js.gather(x, outer, n, inner, gidx, m, gj);
        native.gather(x, outer, n, inner, gidx, m, gn);
        assert.deepEqual(gn, gj, `gather [${outer}, ${n}, ${inner}] m=${m}`);
        const src = make(outer * m * inner);
        const tj = make(outer * n * inner).fill(0), tn = tj.slice();
        js.scatter(src, outer, n, inner, gidx, m, tj);
        native.scatter(src, outer, n, inner, gidx, m, tn);
        assert.deepEqual(tn, tj, `scatter [${outer}, ${n}, ${inner}] m=${m}`);
      }
    }
  });

  test("indexAdd and scatterAdd sum repeated indices", () => {
    let seed = 500;
    for (const [outer, n, inner, m] of dims) {
      const idx = index(m, n, seed++);
      const g = uniform(outer * m * inner, seed++);
      const aj = uniform(outer * n * inner, seed++), an = aj.slice();
      js.indexAdd(g, outer, n, inner, idx, aj);
      native.indexAdd(g, outer, n, inner, idx, an);
      assertClose(an, aj, { rtol: 1e-6, atol: 1e-6, what: `indexAdd [${outer}, ${n}, ${inner}] m=${m}` });
      const gidx = index(outer * m * inner, n, seed++);
      const sj = uniform(outer * n * inner, seed++), sn = sj.slice();
      js.scatterAdd(g, outer, n, inner, gidx, m, sj);
      native.scatterAdd(g, outer, n, inner, gidx, m, sn);
      assertClose(sn, sj, { rtol: 1e-6, atol: 1e-6, what: `scatterAdd [${outer}, ${n}, ${inner}] m=${m}` });
    }
  });

  test("an index out of range is a RangeError before anything is written", () => {
    const x = uniform(10, 1), out = new Float32Array(4);
    assert.throws(() => native.indexSelect(x, 1, 10, 1, Int32Array.from([0, 3, 10, 2]), out), RangeError);
    assert.throws(() => native.gather(x, 1, 10, 1, Int32Array.from([0, -1, 2, 2]), 4, out), RangeError);
    assert.deepEqual(out, new Float32Array(4));
  });
});

eachConfig("native optimizer steps", () => {
  /** Several steps from the same state on both backends; state and parameters must agree. */
  const OPT = { rtol: 1e-5, atol: 1e-6 };

  test("SGD: plain, momentum with dampening, Nesterov, weight decay", () => {
    for (const n of [1, 33, 1000, 70001]) {
      for (const [momentum, dampening, weightDecay, nesterov] of [[0, 0, 0, false], [0.9, 0, 0, false], [0.9, 0.1, 0.01, false], [0.8, 0, 1e-3, true], [0, 0, 0.1, false]] as const) {
        const p0 = uniform(n, n), grads = [uniform(n, 1), uniform(n, 2), uniform(n, 3)];
        const run = (k: typeof js) => {
          const p = p0.slice(), buf = momentum ? new Float32Array(n) : null;
          grads.forEach((g, i) => k.sgdStep(p, g, buf, 0.1, momentum, dampening, weightDecay, nesterov, i === 0));
          return { p, buf };
        };
        const rj = run(js), rn = run(native);
        const what = `sgd n=${n} ${JSON.stringify({ momentum, dampening, weightDecay, nesterov })}`;
        assertClose(rn.p, rj.p, { ...OPT, what });
        if (rj.buf) assertClose(rn.buf!, rj.buf, { ...OPT, what: `${what} momentum buffer` });
      }
    }
  });

  test("Adam and AdamW, with weight decay and AMSGrad", () => {
    for (const n of [1, 33, 1000, 70001]) {
      for (const [weightDecay, decoupled, amsgrad] of [[0, false, false], [0.01, false, false], [0.01, true, false], [0, false, true], [0.1, true, true]] as const) {
        const p0 = uniform(n, n), grads = [uniform(n, 4), uniform(n, 5, -1e-3, 1e-3), uniform(n, 6, -10, 10)];
        const run = (k: typeof js) => {
          const p = p0.slice(), m = new Float32Array(n), v = new Float32Array(n), vMax = amsgrad ? new Float32Array(n) : null;
          grads.forEach((g, i) => k.adamStep(p, g, m, v, vMax, 1e-2, 0.9, 0.999, 1e-8, weightDecay, decoupled, i + 1));
          return { p, m, v, vMax };
        };
        const rj = run(js), rn = run(native);
        const what = `adam n=${n} ${JSON.stringify({ weightDecay, decoupled, amsgrad })}`;
        assertClose(rn.p, rj.p, { ...OPT, what });
        assertClose(rn.m, rj.m, { ...OPT, what: `${what} m` });
        assertClose(rn.v, rj.v, { ...OPT, what: `${what} v` });
        if (rj.vMax) assertClose(rn.vMax!, rj.vMax, { ...OPT, what: `${what} vMax` });
      }
    }
  });
});
