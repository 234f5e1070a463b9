// The native fused attention kernels against the js reference on every ISA level and with
// one and several threads, on strided operands laid out as the GPT's (split heads of one
// [B, T, 3C] buffer) and as plain contiguous [B, H, L, E] arrays.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AttentionGeometry, AttentionView } from "../../src/backend/index.js";
import { assertClose, eachConfig, js, native, uniform } from "./native_helpers.js";

/** Float32 sums in another order (and vexp) against the js kernel's double sums. */
const TOL = { rtol: 1e-4, atol: 2e-5 };

interface Case { batch: number; heads: number; L: number; S: number; E: number; Ev: number; causal: boolean; past: number; interleaved: boolean }

const CASES: Case[] = [
  { batch: 2, heads: 3, L: 17, S: 17, E: 32, Ev: 32, causal: true, past: 0, interleaved: true },
  { batch: 1, heads: 2, L: 130, S: 130, E: 33, Ev: 33, causal: true, past: 0, interleaved: true },
  { batch: 2, heads: 1, L: 7, S: 33, E: 16, Ev: 16, causal: true, past: 26, interleaved: true },
  { batch: 1, heads: 4, L: 1, S: 130, E: 32, Ev: 32, causal: true, past: 129, interleaved: false },
  { batch: 3, heads: 2, L: 33, S: 7, E: 65, Ev: 1, causal: false, past: 0, interleaved: false },
  { batch: 1, heads: 1, L: 130, S: 70, E: 1, Ev: 17, causal: true, past: 0, interleaved: false },
  { batch: 2, heads: 2, L: 40, S: 150, E: 7, Ev: 48, causal: false, past: 0, interleaved: false },
  { batch: 1, heads: 1, L: 1, S: 1, E: 5, Ev: 3, causal: true, past: 0, interleaved: false },
];

/**
 * Views of one array each: interleaved as the GPT's [B, len, 3, H, dim] buffer (q, k, v
 * share it) or contiguous [B, H, len, dim] after `pad` unused elements.
 */
function operands(c: Case, seed: number) {
  const { batch: B, heads: H, L, S, E, Ev } = c;
  const contiguous = (len: number, dim: number, s: number, pad = 3): AttentionView => ({
    data: uniform(pad + B * H * len * dim, s, -2, 2), offset: pad, strides: [H * len * dim, len * dim, dim, 1],
  });
  if (c.interleaved) {
    // E = Ev here: one [B, T, 3·H·E] buffer, as c_attn's output; q uses its first L rows, k and v its first S.
    const T = Math.max(L, S);
    const data = uniform(B * T * 3 * H * E, seed, -2, 2);
    const at = (part: number): AttentionView => ({ data, offset: part * H * E, strides: [T * 3 * H * E, E, 3 * H * E, 1] });
    return { q: at(0), k: at(1), v: at(2), gOut: contiguous(L, Ev, seed + 1) };
  }
  return { q: contiguous(L, E, seed), k: contiguous(S, E, seed + 1), v: contiguous(S, Ev, seed + 2), gOut: contiguous(L, Ev, seed + 3) };
}

/** A fresh output view stored as [B, len, H, dim] (what the op allocates). */
function output(c: Case, len: number, dim: number): AttentionView {
  return { data: new Float32Array(c.batch * len * c.heads * dim), offset: 0, strides: [len * c.heads * dim, dim, c.heads * dim, 1] };
}

eachConfig("native fused attention", () => {
  test("forward and backward match the js kernels", () => {
    let seed = 1;
    for (const c of CASES) {
      const geo: AttentionGeometry = { ...c, scale: 1 / Math.sqrt(c.E) };
      const { q, k, v, gOut } = operands(c, (seed += 10));
      const what = `${JSON.stringify(c)}`;
      const run = (kern: typeof js) => {
        const out = output(c, c.L, c.Ev), lse = new Float32Array(c.batch * c.heads * c.L);
        kern.attention(q, k, v, out, lse, geo);
        const [gq, gk, gv] = [output(c, c.L, c.E), output(c, c.S, c.E), output(c, c.S, c.Ev)];
        // Stale values in the gradients must be overwritten.
        for (const g of [gq, gk, gv]) g.data.fill(7);
        kern.attentionBackward(q, k, v, out, gOut, lse, gq, gk, gv, geo);
        return { out, lse, gq, gk, gv };
      };
      const n = run(native), j = run(js);
      assertClose(n.out.data, j.out.data, { ...TOL, what: `out ${what}` });
      assertClose(n.lse, j.lse, { ...TOL, what: `lse ${what}` });
      assertClose(n.gq.data, j.gq.data, { ...TOL, what: `gq ${what}` });
      assertClose(n.gk.data, j.gk.data, { ...TOL, what: `gk ${what}` });
      assertClose(n.gv.data, j.gv.data, { ...TOL, what: `gv ${what}` });
    }
  });

  test("rejects views that reach outside their arrays, naming the kernel", () => {
    const c = CASES[3];
    const { q, k, v } = operands(c, 5);
    const geo: AttentionGeometry = { ...c, scale: 1 };
    const lse = new Float32Array(c.batch * c.heads * c.L);
    const short: AttentionView = { ...k, data: k.data.subarray(0, 10) };
    assert.throws(() => native.attention(q, short, v, output(c, c.L, c.Ev), lse, geo), /lathe native attention: strided view reaches elements/);
  });
});
