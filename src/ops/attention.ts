import { record } from "../autograd/node.js";
import { K } from "../backend/index.js";
import type { AttentionGeometry, AttentionView } from "../backend/index.js";
import type { Generator } from "../tensor/random.js";
import { type Shape, broadcastShapes, fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { softmax } from "./activation.js";
import { dropout } from "./dropout.js";
import { add, mul, where } from "./elementwise.js";
import { matmul } from "./linalg.js";
import { checkFloat, contiguousData, uninitialized } from "./util.js";
import { contiguous, expand, reshape, transpose } from "./view.js";

export interface AttentionOptions {
  /** Bool (true = may attend, as PyTorch 2.x) or float (added to the scores); broadcasts to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Each query position i attends to key positions j <= i. */
  isCausal?: boolean;
  /** Dropout on the attention weights (always applied when > 0, as PyTorch). */
  dropoutP?: number;
  /**
   * Lathe extension, with isCausal: query i sits at position causalOffset + i and attends to
   * keys j <= causalOffset + i. 0 (the default) is PyTorch's top-left alignment; S - L
   * aligns the last query with the last key, as decoding after a KV cache needs.
   */
  causalOffset?: number;
  /** Multiplies q·kᵀ; default 1/sqrt(E). */
  scale?: number | null;
  generator?: Generator;
}

/**
 * softmax(q·kᵀ·scale + mask)·v for q [..., L, E], k [..., S, E], v [..., S, Ev] with batch
 * dims broadcasting; returns [..., L, Ev]. Without attnMask and dropout it runs the fused
 * attention kernels (no [L, S] matrix); otherwise it is composed from matmul and softmax,
 * the scale applied to q ([L, E]) rather than to the usually larger [L, S] scores.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const op = "scaledDotProductAttention";
  checkFloat(op, q, k, v);
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2) {
    throw new RangeError(`${op}: query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} must each have at least 2 dims`);
  }
  const [L, E] = q.shape.slice(-2);
  const [S, Ek] = k.shape.slice(-2);
  if (Ek !== E) throw new RangeError(`${op}: query of shape ${fmtShape(q.shape)} and key of shape ${fmtShape(k.shape)} differ in embedding size (${E} vs ${Ek})`);
  if (v.shape[v.ndim - 2] !== S) {
    throw new RangeError(`${op}: key of shape ${fmtShape(k.shape)} and value of shape ${fmtShape(v.shape)} differ in sequence length (${S} vs ${v.shape[v.ndim - 2]})`);
  }
  const batchOp = `${op} (batch dims of query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)}, value ${fmtShape(v.shape)})`;
  const batch = broadcastShapes(broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2), batchOp), v.shape.slice(0, -2), batchOp);
  const scoresShape = [...batch, L, S];

  const { attnMask, isCausal } = opts;
  if (attnMask && isCausal) throw new TypeError(`${op}: pass either attnMask or isCausal, not both`);
  if (attnMask) {
    if (attnMask.dtype === "int32") throw new TypeError(`${op}: attnMask must be bool or float32, got int32 of shape ${fmtShape(attnMask.shape)}`);
    const lead = scoresShape.length - attnMask.ndim;
    if (lead < 0 || attnMask.shape.some((m, i) => m !== 1 && m !== scoresShape[lead + i])) {
      throw new RangeError(`${op}: attnMask of shape ${fmtShape(attnMask.shape)} does not broadcast to the attention weights' shape ${fmtShape(scoresShape)}`);
    }
  }

  const offset = opts.causalOffset ?? 0;
  if (offset !== 0 && !isCausal) throw new TypeError(`${op}: causalOffset ${offset} needs isCausal`);
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`${op}: causalOffset must be a non-negative integer, got ${offset}`);

  const scale = opts.scale ?? 1 / Math.sqrt(E);
  const p = opts.dropoutP ?? 0;
  if (!attnMask && p === 0 && S > 0) return fusedAttention(q, k, v, batch, scale, isCausal ?? false, offset);
  let scores = matmul(mul(q, scale), transpose(k, -2, -1));
  const mask = isCausal ? causalMask(L, S, offset) : attnMask;
  if (mask) scores = mask.dtype === "bool" ? where(mask, scores, -Infinity) : add(scores, mask);
  let attn = softmax(scores, -1);
  if (p > 0) attn = dropout(attn, { p, generator: opts.generator });
  return matmul(attn, v);
}

/** [L, S] bool, true where j <= offset + i (offset 0: top-left aligned, as PyTorch's is_causal). */
function causalMask(L: number, S: number, offset: number): Tensor {
  const m = new Uint8Array(L * S);
  for (let i = 0; i < L; i++) m.fill(1, i * S, i * S + Math.min(offset + i + 1, S));
  return new Tensor(m, [L, S]);
}

/**
 * The fused kernels on [batch, heads, len, dim] views: batch dims that broadcast are
 * expanded (stride 0, no copy), more than two are flattened into one. The output and the
 * input gradients live in [batch, len, heads, dim] storage and are returned as
 * [batch, heads, len, dim] views, so the usual transpose(1, 2) + reshape that merges the
 * heads afterwards (or the gradient of the split that made them) needs no copy.
 */
function fusedAttention(q: Tensor, k: Tensor, v: Tensor, batch: Shape, scale: number, causal: boolean, past: number): Tensor {
  const nb = batch.length;
  const lead = nb > 2 ? [batch.slice(0, -1).reduce((a, b) => a * b, 1), batch[nb - 1]] : batch;
  const prep = (t: Tensor) => {
    const [len, dim] = t.shape.slice(-2);
    let x = expand(t, [...batch, len, dim]);
    if (nb > 2) x = reshape(x, [...lead, len, dim]);
    return x.strides[x.ndim - 1] === 1 || dim <= 1 ? x : contiguous(x);
  };
  const [q4, k4, v4] = [prep(q), prep(k), prep(v)];
  const [L, E] = q.shape.slice(-2);
  const [S, Ev] = v.shape.slice(-2);
  const geo: AttentionGeometry = {
    batch: lead.length === 2 ? lead[0] : 1, heads: lead.length ? lead[lead.length - 1] : 1, L, S, E, Ev, scale, causal, past,
  };
  const out = headMajor(lead, geo, L, Ev);
  const lse = new Float32Array(geo.batch * geo.heads * L);
  K.attention(view4(q4), view4(k4), view4(v4), view4(out), lse, geo);
  const y = record("ScaledDotProductAttentionBackward", out, [q4, k4, v4], (g) => {
    const gc = g.strides[g.ndim - 1] === 1 || Ev <= 1 ? g : contiguousData(g);
    const [gq, gk, gv] = [headMajor(lead, geo, L, E), headMajor(lead, geo, S, E), headMajor(lead, geo, S, Ev)];
    K.attentionBackward(view4(q4), view4(k4), view4(v4), view4(out), view4(gc), lse, view4(gq), view4(gk), view4(gv), geo);
    return [gq, gk, gv];
  }, { freshGrads: true });
  return nb > 2 ? reshape(y, [...batch, L, Ev]) : y;
}

/** A fresh [...lead, len, dim] tensor stored as [batch, len, heads, dim]. */
function headMajor(lead: Shape, geo: AttentionGeometry, len: number, dim: number): Tensor {
  const { batch, heads } = geo;
  const strides = [len * heads * dim, dim, heads * dim, 1].slice(4 - lead.length - 2);
  return new Tensor(uninitialized([batch, len, heads, dim]).data, [...lead, len, dim], strides);
}

/** t ([...lead, len, dim] with at most two lead dims) as a 4-d kernel operand. */
function view4(t: Tensor): AttentionView {
  const pad = 4 - t.ndim;
  return { data: t.data as Float32Array, offset: t.offset, strides: [...Array<number>(pad).fill(0), ...t.strides] };
}
