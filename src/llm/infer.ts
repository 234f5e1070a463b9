/**
 * GPT's forward pass for inference, straight on the kernels. It makes the kernel calls the
 * modules' forward makes, with the same arguments, so its logits are the same bit for bit;
 * what it leaves out is the machinery around them: no Tensor, view or autograd record per op,
 * no shape checks, and its activations live in buffers kept from one call to the next. A
 * decoding step is ~50 small ops whose time outside the kernels was about half the step, and
 * a 128-token window allocated megabytes per pass.
 *
 * It serves GPT.logits without gradients, with every dropout off and the model made of the
 * stock modules (LoRA adapters, subclasses: the modules' forward serves those).
 */
import { isGradEnabled } from "../autograd/grad_mode.js";
import { type AttentionView, K } from "../backend/index.js";
import { type Dropout, LayerNorm } from "../nn/index.js";
import { f32, i32 } from "../ops/util.js";
import { Tensor } from "../tensor/tensor.js";
import { CausalSelfAttention } from "./attention.js";
import { Block, MLP } from "./block.js";
import type { GPT } from "./gpt.js";
import type { KVCache } from "./kv_cache.js";
import { Conv1D, Linear } from "./layers.js";

/**
 * Buffers by name, reused across calls: each is as long as the longest call has needed so
 * far (at most blockSize positions' worth), and a call gets its first `length` elements.
 */
class Workspace {
  readonly #buffers = new Map<string, Float32Array>();

  get(name: string, length: number): Float32Array {
    let b = this.#buffers.get(name);
    if (!b || b.length < length) this.#buffers.set(name, (b = new Float32Array(length)));
    return b.length === length ? b : b.subarray(0, length);
  }
}

const workspaces = new WeakMap<GPT, Workspace>();

const isStock = (m: unknown, cls: { prototype: object }) => m !== null && typeof m === "object" && Object.getPrototypeOf(m) === cls.prototype;

const dropping = (d: Dropout) => d.training && d.p > 0;

/** Whether `model` can run here: no gradients wanted, dropout off, stock modules only. */
export function canInfer(model: GPT): boolean {
  if (isGradEnabled()) return false;
  const t = model.transformer;
  if (dropping(t.drop)) return false;
  if (!isStock(t.ln_f, LayerNorm) || !isStock(model.lm_head, Linear)) return false;
  for (let i = 0; i < t.h.length; i++) {
    const block = t.h.get(i);
    if (!isStock(block, Block)) return false;
    const { attn, mlp, ln_1, ln_2 } = block as Block;
    if (!isStock(attn, CausalSelfAttention) || !isStock(mlp, MLP) || !isStock(ln_1, LayerNorm) || !isStock(ln_2, LayerNorm)) return false;
    if ((attn.training && attn.attnDropout > 0) || dropping(attn.resid_dropout) || dropping(mlp.dropout)) return false;
    for (const p of [attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj]) if (!isStock(p, Conv1D)) return false;
  }
  return true;
}

/**
 * Logits [B, T or 1, vocab] for ids [B, T] (already checked by GPT.logits), continuing
 * `cache` when given; with `lastOnly`, for the last position only. Call when canInfer(model).
 */
export function inferLogits(model: GPT, ids: Tensor, cache: KVCache | null, lastOnly: boolean): Tensor {
  let ws = workspaces.get(model);
  if (!ws) workspaces.set(model, (ws = new Workspace()));
  const { nEmbd: C, nHead: H, vocabSize: V } = model.config;
  const [B, T] = ids.shape;
  const past = cache ? cache.length : 0;
  const hd = C / H;
  const t = model.transformer;

  // x = wte[ids] + wpe[past …]: the position rows are read in place, broadcast over the batch.
  let rows = B * T;
  let x = ws.get("x", rows * C);
  K.indexSelect(f32(t.wte.weight), 1, t.wte.weight.shape[0], C, i32(ids), x);
  const wpe = t.wpe.weight;
  add(x, [B, T, C], { data: f32(wpe), offset: past * C, strides: [0, C, 1] });

  const n = t.h.length;
  for (let i = 0; i < n; i++) {
    const { ln_1, attn, ln_2, mlp } = t.h.get(i) as Block;
    const last = lastOnly && i === n - 1; // the last block's other rows feed nothing but their keys and values
    const h = layerNorm(ws, "h", ln_1, x, rows, C);
    const qkv = conv1d(ws, "qkv", attn.c_attn, h, rows);
    // qkv [B, T, 3, H, hd] as q, k, v [B, H, T, hd] views.
    const view = (which: number) => ({ data: qkv, offset: which * C, strides: [T * 3 * C, hd, 3 * C, 1] });
    const q = view(0);
    let k: AttentionView = view(1);
    let v: AttentionView = view(2);
    if (cache) {
      const shape = [B, H, T, hd];
      const cached = cache.layers[i].append(new Tensor(qkv, shape, k.strides, k.offset), new Tensor(qkv, shape, v.strides, v.offset));
      [k, v] = cached.map((c) => ({ data: c.data as Float32Array, offset: c.offset, strides: c.strides }));
    }
    const L = last ? 1 : T;
    if (last) q.offset += (T - 1) * 3 * C;
    // The output in [B, L, H, hd] storage, i.e. [B·L, C] rows for c_proj.
    const y = ws.get("y", B * L * C);
    const yView = { data: y, offset: 0, strides: [L * C, hd, C, 1] };
    const geo = { batch: B, heads: H, L, S: past + T, E: hd, Ev: hd, scale: 1 / Math.sqrt(hd), causal: true, past: past + T - L };
    K.attention(q, k, v, yView, ws.get("lse", B * H * L), geo);
    const a = conv1d(ws, "a", attn.c_proj, y, B * L);
    if (last) {
      // The residual stream keeps only the last position of each row from here on.
      const xl = ws.get("xl", B * C);
      K.binary("add", { data: x, shape: [B, C], offset: (T - 1) * C, strides: [T * C, 1] }, dense(a, [B, C]), [B, C], xl);
      x = xl;
      rows = B;
    } else {
      add(x, [rows, C], { data: a, offset: 0, strides: [C, 1] });
    }
    const h2 = layerNorm(ws, "h", ln_2, x, rows, C);
    const f = conv1d(ws, "f", mlp.c_fc, h2, rows);
    K.unary(mlp.approximate === "tanh" ? "geluTanh" : "gelu", f, 0, f, rows * mlp.c_fc.outFeatures, 0, 0);
    add(x, [rows, C], { data: conv1d(ws, "m", mlp.c_proj, f, rows), offset: 0, strides: [C, 1] });
  }

  const hf = layerNorm(ws, "h", t.ln_f, x, rows, C);
  // The logits are the caller's to keep: a fresh array, not a workspace buffer.
  const logits = new Float32Array(rows * V);
  K.gemm(1, rows, V, C, hf, 0, 0, false, f32(model.lm_head.weight), 0, 0, true, logits, 0, 0, false);
  return new Tensor(logits, [B, rows / B, V]);
}

const dense = (data: Float32Array, shape: number[]) => ({ data, shape, offset: 0, strides: shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1)) });

/** x += other in place, `other` a view of x's shape (its strides may broadcast). */
function add(x: Float32Array, shape: number[], other: AttentionView): void {
  K.binary("add", dense(x, shape), { ...other, shape }, shape, x);
}

function layerNorm(ws: Workspace, name: string, ln: LayerNorm, x: Float32Array, rows: number, C: number): Float32Array {
  const out = ws.get(name, rows * C);
  const w = ln.weight ? f32(ln.weight) : null;
  K.layerNorm(x, w, ln.bias ? f32(ln.bias) : null, out, ws.get("mean", rows), ws.get("rstd", rows), rows, C, ln.eps);
  return out;
}

/** x·W + b as Conv1D's forward (affine) computes it: the bias enters the GEMM's epilogue. */
function conv1d(ws: Workspace, name: string, layer: Conv1D, x: Float32Array, rows: number): Float32Array {
  const { inFeatures, outFeatures } = layer;
  const out = ws.get(name, rows * outFeatures);
  K.gemm(1, rows, outFeatures, inFeatures, x, 0, 0, false, f32(layer.weight), 0, 0, false, out, 0, 0, false, layer.bias ? f32(layer.bias) : null);
  return out;
}
