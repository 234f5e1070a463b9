// conv2d's fused epilogue (bias, ReLU, k×k max pooling of stride k) against the plain
// convolution of the same backend finished by the reference rules below: the same bits,
// on every ISA level and thread count, on the direct kernels of few channels and on the
// GEMM paths, with NaN inputs for the ReLU and pooling rules.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Backend, Conv2dGeometry, ConvEpilogue } from "../../src/backend/index.js";
import { eachConfig, js, native, uniform, convGeometry } from "./native_helpers.js";

const conv = convGeometry;

const GEOMETRIES: Conv2dGeometry[] = [
  conv({ n: 3, cIn: 3, cOut: 6, h: 32, w: 32, kh: 5, kw: 5 }), // LeNet's layers
  conv({ n: 3, cIn: 6, cOut: 16, h: 14, w: 14, kh: 5, kw: 5 }),
  // Outputs narrower than their padded rows: output channels in the vector lanes (AVX2 and
  // up), one or two vectors of them, an odd last row, blocks of positions with a tail.
  conv({ n: 2, cIn: 2, cOut: 24, h: 11, w: 11, kh: 5, kw: 5 }),
  conv({ n: 2, cIn: 2, cOut: 16, h: 9, w: 18, kh: 5, kw: 5 }),
  conv({}), // odd sizes: the last pooled row and column drop a partial window
  conv({ n: 2, cIn: 1, cOut: 7, h: 12, w: 10, kh: 2, kw: 4, padH: 2, padW: 3 }),
  conv({ n: 1, cIn: 2, cOut: 3, h: 7, w: 45, kh: 3, kw: 3, padH: 1, padW: 1 }), // pooled rows wider than a vector
  conv({ cIn: 6, cOut: 9, groups: 3, padH: 1, padW: 1 }),
  conv({ n: 3, cIn: 6, cOut: 4, kh: 1, kw: 1 }), // 1×1: GEMM on the input plane
  conv({ kh: 5, kw: 5, padH: 2, padW: 2, strideH: 2, strideW: 2, h: 13, w: 13 }), // strided: packed patches
  conv({ n: 2, cIn: 5, cOut: 40, h: 8, w: 9, kh: 3, kw: 3, padH: 1, padW: 1 }), // too many channels for the direct kernels
];

/** pool(relu(full)) of image-major planes, with ReLU's rule (NaN → 0) and max pooling's (NaN wins). */
function finish(full: Float32Array, g: Conv2dGeometry, ep: ConvEpilogue): Float32Array {
  const k = ep.pool, ph = Math.floor(g.outH / k), pw = Math.floor(g.outW / k);
  const out = new Float32Array(g.n * g.cOut * ph * pw);
  let o = 0;
  for (let plane = 0; plane < g.n * g.cOut; plane++) {
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        let m = -Infinity;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) {
            let v = full[(plane * g.outH + py * k + i) * g.outW + px * k + j];
            if (ep.relu) v = v > 0 ? v : 0;
            if (v > m || v !== v) m = v;
            if (m !== m) break;
          }
          if (m !== m) break;
        }
        out[o++] = m;
      }
    }
  }
  return out;
}

/** maxPool2d's indices of pool(relu(full)): the first maximum in window order (ReLU leaves no NaN). */
function argmax(full: Float32Array, g: Conv2dGeometry, k: number): Int32Array {
  const ph = Math.floor(g.outH / k), pw = Math.floor(g.outW / k);
  const out = new Int32Array(g.n * g.cOut * ph * pw);
  let o = 0;
  for (let plane = 0; plane < g.n * g.cOut; plane++) {
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        let m = -Infinity, at = -1;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) {
            const pos = (py * k + i) * g.outW + px * k + j;
            const v = full[plane * g.outH * g.outW + pos] > 0 ? full[plane * g.outH * g.outW + pos] : 0;
            if (v > m) [m, at] = [v, pos];
          }
        }
        out[o++] = at;
      }
    }
  }
  return out;
}

function check(k: Backend, label: string): void {
  let seed = 300;
  for (const g of GEOMETRIES) {
    const kSize = (g.cIn / g.groups) * g.kh * g.kw;
    const x = uniform(g.n * g.cIn * g.h * g.w, seed++);
    for (let i = 0; i < x.length; i += 97) x[i] = NaN; // NaN outputs, for ReLU's and pooling's rules
    const w = uniform(g.cOut * kSize, seed++);
    for (const bias of [uniform(g.cOut, seed++), null]) {
      const full = new Float32Array(g.n * g.cOut * g.outH * g.outW);
      k.conv2d(x, w, bias, full, g);
      for (const relu of [false, true]) {
        for (const pool of [1, 2, 3]) {
          if (pool > g.outH || pool > g.outW) continue;
          const ep = { relu, pool };
          const want = finish(full, g, ep);
          const got = new Float32Array(want.length).fill(NaN); // every output must be written
          k.conv2d(x, w, bias, got, g, ep);
          for (let i = 0; i < want.length; i++) {
            if (got[i] !== want[i] && !(got[i] !== got[i] && want[i] !== want[i])) {
              assert.fail(`${label} conv ${JSON.stringify(g)} bias=${!!bias} ${JSON.stringify(ep)}: [${i}] ${got[i]} != ${want[i]}`);
            }
          }
          if (!relu || pool === 1) continue;
          // The maxima's positions too (the recorded pooled op's forward pass).
          const wantAt = argmax(full, g, pool);
          const got2 = new Float32Array(want.length).fill(NaN);
          const at = new Int32Array(want.length).fill(-7);
          k.conv2d(x, w, bias, got2, g, { relu, pool, indices: at });
          for (let i = 0; i < want.length; i++) {
            if (!Object.is(got2[i], got[i]) || at[i] !== wantAt[i]) {
              assert.fail(`${label} conv ${JSON.stringify(g)} bias=${!!bias} pool=${pool} with indices: [${i}] ${got2[i]} @ ${at[i]} != ${got[i]} @ ${wantAt[i]}`);
            }
          }
        }
      }
    }
  }
}

test("js conv2d epilogue: pool(relu(conv + bias)) with ReLU's and max pooling's rules", () => check(js, "js"));

test("conv2d refuses pooling indices without ReLU and pooling", () => {
  const g = GEOMETRIES[4];
  const x = uniform(g.n * g.cIn * g.h * g.w, 1), w = uniform(g.cOut * g.cIn * g.kh * g.kw, 2);
  for (const k of native ? [js, native] : [js]) {
    const out = new Float32Array(g.n * g.cOut * g.outH * g.outW);
    assert.throws(() => k.conv2d(x, w, null, out, g, { relu: false, pool: 2, indices: new Int32Array(out.length) }), /indices need relu/);
    assert.throws(() => k.conv2d(x, w, null, out, g, { relu: true, pool: 1, indices: new Int32Array(out.length) }), /indices need relu/);
  }
});

eachConfig("native conv2d epilogue", () => {
  test("the bits of the plain convolution, finished by the reference rules", () => check(native, "native"));
});
