import type { AttentionGeometry, AttentionView } from "../kernels.js";

/** Keys per block of the online softmax. */
const BLOCK = 64;

/** Keys query row i may attend to: [0, limit). */
function keyLimit(geo: AttentionGeometry, i: number): number {
  return geo.causal ? Math.min(geo.S, geo.past + i + 1) : geo.S;
}

/** Offset of row i of (b, h) in a view. */
function row(v: AttentionView, b: number, h: number, i: number): number {
  return v.offset + b * v.strides[0] + h * v.strides[1] + i * v.strides[2];
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let e = 0; e < n; e++) s += a[ao + e] * b[bo + e];
  return s;
}

/**
 * One query row at a time, keys in blocks of BLOCK with a running max and sum (the online
 * softmax), so at most one block of scores exists; accumulators in double.
 */
export function attention(q: AttentionView, k: AttentionView, v: AttentionView, out: AttentionView, lse: Float32Array, geo: AttentionGeometry): void {
  const { batch, heads, L, E, Ev, scale } = geo;
  const s = new Float64Array(BLOCK);
  const acc = new Float64Array(Ev);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < L; i++) {
        const qo = row(q, b, h, i);
        const limit = keyLimit(geo, i);
        let m = -Infinity;
        let l = 0;
        acc.fill(0);
        for (let j0 = 0; j0 < limit; j0 += BLOCK) {
          const n = Math.min(BLOCK, limit - j0);
          let bm = -Infinity;
          for (let c = 0; c < n; c++) {
            s[c] = scale * dot(q.data, qo, k.data, row(k, b, h, j0 + c), E);
            if (s[c] > bm) bm = s[c];
          }
          const mNew = Math.max(m, bm);
          // Rescale what was summed against the old max; exp(-inf - finite) = 0 on the first block.
          const corr = m === mNew ? 1 : Math.exp(m - mNew);
          l *= corr;
          for (let e = 0; e < Ev; e++) acc[e] *= corr;
          for (let c = 0; c < n; c++) {
            const p = Math.exp(s[c] - mNew);
            l += p;
            const vo = row(v, b, h, j0 + c);
            for (let e = 0; e < Ev; e++) acc[e] += p * v.data[vo + e];
          }
          m = mNew;
        }
        const oo = row(out, b, h, i);
        for (let e = 0; e < Ev; e++) out.data[oo + e] = acc[e] / l;
        lse[(b * heads + h) * L + i] = m + Math.log(l);
      }
    }
  }
}

/**
 * With P = exp(scores - lse) recomputed row by row: gv = Pᵀ·gOut, gP = gOut·vᵀ,
 * gScores = P ∘ (gP - rowsum(gOut ∘ out)), gq = scale·gScores·k, gk = scale·gScoresᵀ·q.
 */
export function attentionBackward(
  q: AttentionView, k: AttentionView, v: AttentionView, out: AttentionView, gOut: AttentionView, lse: Float32Array,
  gq: AttentionView, gk: AttentionView, gv: AttentionView, geo: AttentionGeometry,
): void {
  const { batch, heads, L, S, E, Ev, scale } = geo;
  const dq = new Float64Array(E);
  const dk = new Float64Array(S * E);
  const dv = new Float64Array(S * Ev);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      dk.fill(0);
      dv.fill(0);
      for (let i = 0; i < L; i++) {
        const qo = row(q, b, h, i);
        const go = row(gOut, b, h, i);
        const d = dot(gOut.data, go, out.data, row(out, b, h, i), Ev);
        const rowLse = lse[(b * heads + h) * L + i];
        dq.fill(0);
        for (let j = 0, limit = keyLimit(geo, i); j < limit; j++) {
          const ko = row(k, b, h, j);
          const p = Math.exp(scale * dot(q.data, qo, k.data, ko, E) - rowLse);
          const ds = scale * p * (dot(gOut.data, go, v.data, row(v, b, h, j), Ev) - d);
          for (let e = 0; e < E; e++) {
            dq[e] += ds * k.data[ko + e];
            dk[j * E + e] += ds * q.data[qo + e];
          }
          for (let e = 0; e < Ev; e++) dv[j * Ev + e] += p * gOut.data[go + e];
        }
        const gqo = row(gq, b, h, i);
        for (let e = 0; e < E; e++) gq.data[gqo + e] = dq[e];
      }
      for (let j = 0; j < S; j++) {
        const gko = row(gk, b, h, j);
        for (let e = 0; e < E; e++) gk.data[gko + e] = dk[j * E + e];
        const gvo = row(gv, b, h, j);
        for (let e = 0; e < Ev; e++) gv.data[gvo + e] = dv[j * Ev + e];
      }
    }
  }
}
