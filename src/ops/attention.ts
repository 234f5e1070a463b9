import type { Generator } from "../tensor/random.js";
import { broadcastShapes, fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { softmax } from "./activation.js";
import { dropout } from "./dropout.js";
import { add, mul, where } from "./elementwise.js";
import { matmul } from "./linalg.js";
import { checkFloat } from "./util.js";
import { transpose } from "./view.js";

export interface AttentionOptions {
  /** Bool (true = may attend, as PyTorch 2.x) or float (added to the scores); broadcasts to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Each query position i attends to key positions j <= i. */
  isCausal?: boolean;
  /** Dropout on the attention weights (always applied when > 0, as PyTorch). */
  dropoutP?: number;
  /** Multiplies q·kᵀ; default 1/sqrt(E). */
  scale?: number | null;
  generator?: Generator;
}

/**
 * softmax(q·kᵀ·scale + mask)·v for q [..., L, E], k [..., S, E], v [..., S, Ev] with batch
 * dims broadcasting; returns [..., L, Ev]. Composed from matmul and softmax for now; the
 * scale is applied to q ([L, E]) rather than to the usually larger [L, S] scores.
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

  const scale = opts.scale ?? 1 / Math.sqrt(E);
  let scores = matmul(mul(q, scale), transpose(k, -2, -1));
  const mask = isCausal ? causalMask(L, S) : attnMask;
  if (mask) scores = mask.dtype === "bool" ? where(mask, scores, -Infinity) : add(scores, mask);
  let attn = softmax(scores, -1);
  const p = opts.dropoutP ?? 0;
  if (p > 0) attn = dropout(attn, { p, generator: opts.generator });
  return matmul(attn, v);
}

/** [L, S] bool, true where j <= i (top-left aligned, as PyTorch's is_causal). */
function causalMask(L: number, S: number): Tensor {
  const m = new Uint8Array(L * S);
  for (let i = 0; i < L; i++) m.fill(1, i * S, i * S + Math.min(i + 1, S));
  return new Tensor(m, [L, S]);
}
