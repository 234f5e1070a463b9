// The native GEMM and convolutions against the js kernels, on every ISA level and with
// one and several threads: odd sizes where packing and tails break, all transpose
// combinations, batch strides (0 broadcasts), offsets, and the accumulate flag.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backend, type Conv2dGeometry } from "../../src/backend/index.js";
import { CROSSOVER } from "../../src/backend/native/index.js";
import { assertClose, eachConfig, js, native, skip, uniform, convGeometry } from "./native_helpers.js";


/** The stated GEMM tolerance: a length-k float sum in another order, |Δ| <= 1e-5·√k·max|A|·max|B|. */
function gemmTol(k: number, a: Float32Array, b: Float32Array): number {
  let ma = 0, mb = 0;
  for (const v of a) ma = Math.max(ma, Math.abs(v));
  for (const v of b) mb = Math.max(mb, Math.abs(v));
  return 1e-5 * Math.sqrt(Math.max(k, 1)) * ma * mb + 1e-30;
}

interface Case {
  batch: number; m: number; n: number; k: number;
  transA: boolean; transB: boolean; accumulate: boolean;
  aBatch: "dense" | "broadcast"; bBatch: "dense" | "broadcast";
}

function runCase(c: Case, seed: number): void {
  const { batch, m, n, k } = c;
  const aOff = 3, bOff = 5, cOff = 7;
  const aBs = c.aBatch === "broadcast" ? 0 : m * k + 2;
  const bBs = c.bBatch === "broadcast" ? 0 : k * n + 1;
  const cBs = m * n + 4;
  const a = uniform(aOff + Math.max(1, batch) * (m * k + 2), seed);
  const b = uniform(bOff + Math.max(1, batch) * (k * n + 1), seed + 1);
  const c0 = uniform(cOff + batch * cBs, seed + 2);
  const cj = c0.slice(), cn = c0.slice();
  js.gemm(batch, m, n, k, a, aOff, aBs, c.transA, b, bOff, bBs, c.transB, cj, cOff, cBs, c.accumulate);
  native.gemm(batch, m, n, k, a, aOff, aBs, c.transA, b, bOff, bBs, c.transB, cn, cOff, cBs, c.accumulate);
  const what = `gemm ${JSON.stringify(c)}`;
  assertClose(cn, cj, { atol: gemmTol(k, a, b) + (c.accumulate ? 1e-6 : 0), what });
}

const SIZES: [number, number, number][] = [
  [1, 1, 1], [7, 17, 33], [33, 7, 17], [17, 33, 7], [1, 1000, 7], [1000, 1, 33], [15, 31, 1000], [29, 70, 300],
];

eachConfig("native gemm", () => {
  test("all transpose combinations on odd sizes", () => {
    let seed = 1;
    for (const [m, n, k] of SIZES) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          runCase({ batch: 1, m, n, k, transA, transB, accumulate: false, aBatch: "dense", bBatch: "dense" }, seed++);
        }
      }
    }
  });

  test("matrix-vector, vector-matrix and outer products (m, n or k = 1), transposed and accumulating", () => {
    let seed = 200;
    const shapes: [number, number, number][] = [
      [1, 1, 1000], [1, 17, 300], [1, 1000, 33], [300, 1, 17], [1000, 1, 7], [7, 33, 1], [1000, 17, 1], [33, 1000, 1],
      [1100, 1, 1000], [1, 1100, 1000], [1030, 1030, 1],
    ];
    for (const [m, n, k] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const accumulate of [false, true]) {
            runCase({ batch: 1, m, n, k, transA, transB, accumulate, aBatch: "dense", bBatch: "dense" }, seed++);
          }
        }
      }
    }
  });

  test("strides that alias in L1 (k = 1024) and odd edges around them", () => {
    let seed = 300;
    for (const [m, n, k] of [[40, 100, 1024], [15, 33, 2048], [17, 65, 1023]] as [number, number, number][]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          runCase({ batch: 1, m, n, k, transA, transB, accumulate: seed % 2 === 0, aBatch: "dense", bBatch: "dense" }, seed++);
        }
      }
    }
  });

  test("accumulate adds to C; k = 0 zeroes C or leaves it", () => {
    for (const accumulate of [false, true]) {
      runCase({ batch: 1, m: 13, n: 45, k: 66, transA: false, transB: true, accumulate, aBatch: "dense", bBatch: "dense" }, 40);
      runCase({ batch: 2, m: 5, n: 9, k: 0, transA: false, transB: false, accumulate, aBatch: "dense", bBatch: "dense" }, 41);
    }
  });

  test("bias epilogue: the same as a C pre-filled with the bias rows, added once", () => {
    // Odd sizes around the tiles, matrix-vector shapes, k past one k slice (KC = 512: the
    // bias must enter the first slice only), every transpose, accumulate, batches, k = 0.
    let seed = 400;
    const shapes: [number, number, number][] = [
      [1, 1, 1], [7, 17, 33], [33, 7, 17], [17, 33, 7], [1, 1000, 7], [1000, 1, 33], [1000, 7, 17], [256, 128, 30],
      [256, 64, 128], [256, 1, 64], [300, 70, 1100], [15, 40, 2048], [40, 100, 1024], [7, 33, 1], [5, 9, 0],
    ];
    for (const [m, n, k] of shapes) {
      for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]]) {
        for (const accumulate of [false, true]) {
          for (const batch of [1, 3]) {
            const a = uniform(batch * m * k + 2, seed), b = uniform(k * n + 1, seed + 1);
            // Large bias values: a bias added twice (or not at all) is far outside the tolerance.
            const biasAll = uniform(n + 3, seed + 2).map((v) => 10 * v);
            const bias = biasAll.subarray(3);
            const c0 = uniform(batch * m * n + 4, seed + 3);
            const ref = c0.slice(), cn = c0.slice(), cj = c0.slice();
            for (let t = 0; t < batch; t++) {
              for (let i = 0; i < m; i++) {
                for (let j = 0; j < n; j++) {
                  const at = 4 + t * m * n + i * n + j;
                  ref[at] = (accumulate ? ref[at] : 0) + bias[j];
                }
              }
            }
            js.gemm(batch, m, n, k, a, 2, m * k, transA, b, 1, 0, transB, ref, 4, m * n, true);
            native.gemm(batch, m, n, k, a, 2, m * k, transA, b, 1, 0, transB, cn, 4, m * n, accumulate, bias);
            js.gemm(batch, m, n, k, a, 2, m * k, transA, b, 1, 0, transB, cj, 4, m * n, accumulate, bias);
            const what = `gemm+bias ${JSON.stringify({ batch, m, n, k, transA, transB, accumulate })}`;
            const atol = gemmTol(k, a, b) + 1e-5 * 11;
            assertClose(cn, ref, { atol, what });
            assertClose(cj, ref, { atol, what: `js ${what}` });
            seed += 4;
          }
        }
      }
    }
  });

  test("small products (native/gemm_small.cc): partial row-major panels, transposed A read in place", () => {
    // The W2 MLP's products at batch 32 and 256, and the edges of the path's limits (k and
    // n up to 512, one to four panels, a wide transposed A that the path leaves to gemm.cc).
    let seed = 500;
    const shapes: [number, number, number][] = [
      [128, 30, 256], [64, 128, 256], [128, 30, 32], [64, 128, 32], [256, 128, 30], [1024, 30, 256], [1024, 64, 512],
      [13, 31, 512], [14, 33, 513], [15, 511, 9], [29, 97, 100], [2, 2, 2],
    ];
    for (const [m, n, k] of shapes) {
      for (const [transA, transB] of [[true, false], [false, false], [true, true], [false, true]]) {
        runCase({ batch: 1, m, n, k, transA, transB, accumulate: seed % 2 === 0, aBatch: "dense", bBatch: "dense" }, seed++);
      }
    }
  });

  test("bias epilogue on large products: threads split it as one thread computes it", () => {
    for (const [m, n, k, transA, transB] of [
      [300, 260, 270, false, false], [300, 260, 270, true, true], [2000, 40, 600, false, true], [2000, 1, 1000, false, false],
      [1, 2000, 1000, false, true],
    ] as [number, number, number, boolean, boolean][]) {
      const a = uniform(m * k, 90), b = uniform(k * n, 91), bias = uniform(n, 92);
      const cn = new Float32Array(m * n), c1 = new Float32Array(m * n), cj = new Float32Array(m * n);
      native.gemm(1, m, n, k, a, 0, 0, transA, b, 0, 0, transB, cn, 0, 0, false, bias);
      js.gemm(1, m, n, k, a, 0, 0, transA, b, 0, 0, transB, cj, 0, 0, false, bias);
      assertClose(cn, cj, { atol: gemmTol(k, a, b) + 1e-5, what: `gemm+bias ${m}x${n}x${k}` });
      const threads = backend.threads;
      backend.setThreads(1);
      native.gemm(1, m, n, k, a, 0, 0, transA, b, 0, 0, transB, c1, 0, 0, false, bias);
      backend.setThreads(threads);
      assert.deepEqual(cn, c1);
    }
  });

  test("batches with dense and broadcast (stride 0) operands", () => {
    let seed = 50;
    for (const aBatch of ["dense", "broadcast"] as const) {
      for (const bBatch of ["dense", "broadcast"] as const) {
        for (const [transA, transB] of [[false, false], [true, true], [false, true]]) {
          runCase({ batch: 5, m: 19, n: 37, k: 23, transA, transB, accumulate: false, aBatch, bBatch }, seed++);
          runCase({ batch: 3, m: 64, n: 96, k: 80, transA, transB, accumulate: true, aBatch, bBatch }, seed++);
        }
      }
    }
  });

  test("a C batch stride of 0 sums every product into one C when accumulating", () => {
    const [batch, m, n, k] = [4, 9, 21, 40];
    const a = uniform(batch * m * k, 60), b = uniform(batch * k * n, 61);
    const cj = uniform(m * n, 62), cn = cj.slice();
    js.gemm(batch, m, n, k, a, 0, m * k, false, b, 0, k * n, false, cj, 0, 0, true);
    native.gemm(batch, m, n, k, a, 0, m * k, false, b, 0, k * n, false, cn, 0, 0, true);
    assertClose(cn, cj, { atol: 4 * gemmTol(k, a, b), what: "gemm into one C" });
  });

  test("large products: split across threads, each element is summed exactly as on one thread", () => {
    for (const [m, n, k, transA, transB] of [
      [300, 260, 270, false, false], [300, 260, 270, true, true], [2000, 1, 1000, false, false], [2000, 1, 1000, true, false],
      [1, 2000, 1000, false, true], [1, 2000, 1000, false, false], [1100, 1100, 1, false, false],
    ] as [number, number, number, boolean, boolean][]) {
      const a = uniform(m * k, 70), b = uniform(k * n, 71);
      const cn = new Float32Array(m * n), c1 = new Float32Array(m * n), cj = new Float32Array(m * n);
      native.gemm(1, m, n, k, a, 0, 0, transA, b, 0, 0, transB, cn, 0, 0, false);
      js.gemm(1, m, n, k, a, 0, 0, transA, b, 0, 0, transB, cj, 0, 0, false);
      assertClose(cn, cj, { atol: gemmTol(k, a, b), what: `gemm ${m}x${n}x${k}` });
      const threads = backend.threads;
      backend.setThreads(1);
      native.gemm(1, m, n, k, a, 0, 0, transA, b, 0, 0, transB, c1, 0, 0, false);
      backend.setThreads(threads);
      assert.deepEqual(cn, c1);
    }
  });

  test("NaN and infinity propagate as in the js kernel", () => {
    for (const [m, n, k] of [[6, 7, 5], [6, 1, 5], [1, 7, 5], [6, 7, 1]]) {
      const a = uniform(m * k, 80), b = uniform(k * n, 81);
      const atol = gemmTol(k, a, b);
      a[3] = NaN;
      b[Math.min(10, k * n - 1)] = Infinity;
      const cj = new Float32Array(m * n), cn = new Float32Array(m * n);
      js.gemm(1, m, n, k, a, 0, 0, false, b, 0, 0, false, cj, 0, 0, false);
      native.gemm(1, m, n, k, a, 0, 0, false, b, 0, 0, false, cn, 0, 0, false);
      assertClose(cn, cj, { atol, what: `gemm ${m}x${n}x${k} with NaN/inf` });
    }
  });
});

const conv = convGeometry;

const GEOMETRIES: Conv2dGeometry[] = [
  conv({}),
  conv({ n: 1, cIn: 1, cOut: 1, h: 1, w: 1, kh: 1, kw: 1 }),
  conv({ n: 3, cIn: 6, cOut: 4, kh: 1, kw: 1 }),
  conv({ kh: 5, kw: 5, padH: 2, padW: 2, strideH: 2, strideW: 2 }),
  conv({ kh: 3, kw: 2, padH: 1, padW: 0, dilationH: 2, dilationW: 3, h: 13, w: 17 }),
  conv({ cIn: 6, cOut: 9, groups: 3, padH: 1, padW: 1 }),
  conv({ n: 5, cIn: 3, cOut: 6, h: 32, w: 32, kh: 5, kw: 5 }),
  conv({ n: 1, cIn: 16, cOut: 33, h: 14, w: 14, kh: 3, kw: 3, padH: 1, padW: 1 }),
  // The direct kernels of few channels: LeNet's second layer on enough images to split the
  // weight gradient across threads, channel counts that leave partial register blocks,
  // rows wider than a block, padding shared between rows (padW <= kw - 1) or not.
  conv({ n: 8, cIn: 6, cOut: 16, h: 14, w: 14, kh: 5, kw: 5 }),
  conv({ n: 1, cIn: 1, cOut: 1, h: 7, w: 40, kh: 7, kw: 7, padH: 3, padW: 3 }),
  conv({ n: 1, cIn: 1, cOut: 1, h: 5, w: 5, kh: 5, kw: 5 }),
  conv({ n: 3, cIn: 17, cOut: 17, h: 8, w: 9, kh: 3, kw: 3, padH: 1, padW: 1 }),
  conv({ n: 2, cIn: 1, cOut: 7, h: 12, w: 10, kh: 2, kw: 4, padH: 2, padW: 3 }),
  conv({ n: 2, cIn: 2, cOut: 3, h: 6, w: 6, kh: 2, kw: 2, padH: 2, padW: 2 }),
  conv({ n: 4, cIn: 4, cOut: 8, groups: 2, h: 11, w: 13, kh: 3, kw: 3, dilationH: 2, dilationW: 2, padH: 2, padW: 2 }),
  conv({ n: 1, cIn: 3, cOut: 5, h: 15, w: 15, kh: 7, kw: 7, strideH: 2, strideW: 2, padH: 3, padW: 3 }),
  conv({ n: 2, cIn: 32, cOut: 32, h: 9, w: 7, kh: 3, kw: 1, padH: 1 }),
];

eachConfig("native conv2d", () => {
  test("forward, input and weight gradients over strides, padding, dilation, groups, 1x1", () => {
    let seed = 100;
    for (const g of GEOMETRIES) {
      const kSize = (g.cIn / g.groups) * g.kh * g.kw;
      const x = uniform(g.n * g.cIn * g.h * g.w, seed++);
      const w = uniform(g.cOut * kSize, seed++);
      const bias = uniform(g.cOut, seed++);
      const gOut = uniform(g.n * g.cOut * g.outH * g.outW, seed++);
      const what = `conv ${JSON.stringify(g)}`;
      for (const b of [bias, null]) {
        const oj = new Float32Array(gOut.length), on = new Float32Array(gOut.length);
        js.conv2d(x, w, b, oj, g);
        native.conv2d(x, w, b, on, g);
        assertClose(on, oj, { atol: gemmTol(kSize, x, w) + 1e-6, what: `${what} forward` });
      }
      const gxj = uniform(x.length, seed++), gxn = gxj.slice(); // garbage in, must be overwritten
      js.conv2dBackwardInput(gOut, w, gxj, g);
      native.conv2dBackwardInput(gOut, w, gxn, g);
      assertClose(gxn, gxj, { atol: gemmTol(g.cOut * g.kh * g.kw, gOut, w), what: `${what} input gradient` });
      const gwj = uniform(w.length, seed++), gwn = gwj.slice();
      js.conv2dBackwardWeight(gOut, x, gwj, g);
      native.conv2dBackwardWeight(gOut, x, gwn, g);
      assertClose(gwn, gwj, { atol: gemmTol(g.n * g.outH * g.outW, gOut, x), what: `${what} weight gradient` });
    }
  });

  test("few channels: all three passes give the same bits on one thread as on several", () => {
    const g = conv({ n: 8, cIn: 6, cOut: 16, h: 14, w: 14, kh: 5, kw: 5 });
    const x = uniform(g.n * g.cIn * g.h * g.w, 90), w = uniform(g.cOut * g.cIn * 25, 91), bias = uniform(g.cOut, 92);
    const gOut = uniform(g.n * g.cOut * g.outH * g.outW, 93);
    const run = () => {
      const out = new Float32Array(gOut.length), gx = new Float32Array(x.length), gw = new Float32Array(w.length);
      native.conv2d(x, w, bias, out, g);
      native.conv2dBackwardInput(gOut, w, gx, g);
      native.conv2dBackwardWeight(gOut, x, gw, g);
      return [out, gx, gw];
    };
    const many = run();
    const threads = backend.threads;
    backend.setThreads(1);
    const one = run();
    backend.setThreads(threads);
    assert.deepEqual(many, one);
  });
});

describe("native gemm argument checks", { skip }, () => {
  test("a product reaching past an array is a RangeError, not a write out of bounds", () => {
    const a = new Float32Array(12), b = new Float32Array(12), c = new Float32Array(15);
    const saved = CROSSOVER.gemm;
    CROSSOVER.gemm = 0;
    try {
      assert.throws(() => native.gemm(1, 4, 4, 3, a, 0, 0, false, b, 0, 0, false, c, 0, 0, false), RangeError);
      assert.throws(() => native.gemm(2, 3, 4, 3, a, 0, 9, false, b, 0, 0, false, new Float32Array(24), 0, 12, false), RangeError);
    } finally {
      CROSSOVER.gemm = saved;
    }
  });
});
