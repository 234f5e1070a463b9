import type { TypedArray } from "../../tensor/dtype.js";
import type { Shape } from "../../tensor/shape.js";
import type { StridedView } from "../../tensor/strided.js";
import { jsBackend as js } from "../js/index.js";
import type { AttentionGeometry, AttentionView, Backend, Conv2dGeometry, Pool2dGeometry, UnaryOp } from "../kernels.js";
import type { Addon } from "./addon.js";
import { BINARY, FIRST_COMPARISON, MAX_DIMS, REDUCE, UNARY } from "./codes.js";

/**
 * Below these sizes a kernel runs in TypeScript: one call into the addon costs about
 * 110-150 ns, more than the js kernel needs for a small input. Measured with
 * bench/crossover.mjs (see docs/NATIVE.md); sizes count elements (outputs for pooling),
 * or multiply-adds for gemm.
 */
export const CROSSOVER = {
  /** Cheap unary/binary ops and where(). */
  elementwise: 128,
  /** Unary ops (and their gradients) that cost a transcendental function per element. */
  transcendental: 32,
  copy: 128,
  reduce: 256,
  rows: 64,
  gemm: 256,
  optim: 64,
  pool: 64,
  indexing: 256,
  /** Multiply-adds of attention's forward pass (L·S·(E + Ev) per head). */
  attention: 256,
};

/** Unary ops cheap enough that the js kernel wins up to CROSSOVER.elementwise. */
const CHEAP_UNARY = new Set<UnaryOp>(["neg", "abs", "sign", "sqrt", "rsqrt", "square", "reciprocal", "relu", "leakyRelu", "floor", "ceil", "round", "logicalNot"]);

function unaryCrossover(op: UnaryOp): number {
  return CHEAP_UNARY.has(op) ? CROSSOVER.elementwise : CROSSOVER.transcendental;
}

function numel(shape: Shape): number {
  let n = 1;
  for (let d = 0; d < shape.length; d++) n *= shape[d];
  return n;
}

/**
 * The addon wrapped as a Backend; the parameter block layouts match native/bind_*.cc.
 * Kernels added to the interface later run in TypeScript until they get a native twin.
 */
export function nativeBackend(addon: Addon): Backend {
  const P = new Float64Array(addon.paramCount);
  addon.init(P);

  /** Writes [nd, shape...] at P[j] and returns the next index. */
  function putShape(j: number, shape: Shape): number {
    const nd = shape.length;
    P[j] = nd;
    for (let d = 0; d < nd; d++) P[j + 1 + d] = shape[d];
    return j + 1 + nd;
  }

  /** Writes [offset, strides...] of `v` at P[j] and returns the next index. */
  function putView(j: number, v: Pick<StridedView, "offset" | "strides">, nd: number): number {
    P[j] = v.offset;
    for (let d = 0; d < nd; d++) P[j + 1 + d] = v.strides[d];
    return j + 1 + nd;
  }

  function putConv(g: Conv2dGeometry): void {
    P[0] = g.n; P[1] = g.cIn; P[2] = g.h; P[3] = g.w; P[4] = g.cOut; P[5] = g.kh; P[6] = g.kw;
    P[7] = g.outH; P[8] = g.outW; P[9] = g.strideH; P[10] = g.strideW; P[11] = g.padH; P[12] = g.padW;
    P[13] = g.dilationH; P[14] = g.dilationW; P[15] = g.groups;
  }

  function putPool(g: Pool2dGeometry, countIncludePad: boolean): void {
    P[0] = g.planes; P[1] = g.h; P[2] = g.w; P[3] = g.kh; P[4] = g.kw; P[5] = g.outH; P[6] = g.outW;
    P[7] = g.strideH; P[8] = g.strideW; P[9] = g.padH; P[10] = g.padW; P[11] = g.dilationH; P[12] = g.dilationW;
    P[13] = countIncludePad ? 1 : 0;
  }

  /** The attention block of bind_attention.cc: geometry, then a 5-number view per operand. */
  function putAttention(g: AttentionGeometry, views: readonly AttentionView[]): void {
    P[0] = g.batch; P[1] = g.heads; P[2] = g.L; P[3] = g.S; P[4] = g.E; P[5] = g.Ev;
    P[6] = g.scale; P[7] = g.causal ? 1 : 0; P[8] = g.past;
    let j = 9;
    for (const v of views) {
      P[j] = v.offset; P[j + 1] = v.strides[0]; P[j + 2] = v.strides[1]; P[j + 3] = v.strides[2]; P[j + 4] = v.strides[3] ?? 1;
      j += 5;
    }
  }

  const attentionMacs = (g: AttentionGeometry) => g.batch * g.heads * g.L * g.S * (g.E + g.Ev);

  const sameType = (a: TypedArray, b: TypedArray) => a.constructor === b.constructor;

  return {
    ...js,
    name: "native",

    copy(src, dst) {
      const nd = src.shape.length;
      if (nd > MAX_DIMS || numel(src.shape) < CROSSOVER.copy || !sameType(src.data, dst.data)) return js.copy(src, dst);
      putView(putView(putShape(0, src.shape), src, nd), dst, nd);
      addon.copy(src.data, dst.data);
    },

    unary(op, x, xOffset, out, n, p0, p1) {
      if (n < unaryCrossover(op) || !(x instanceof Float32Array) || !(out instanceof Float32Array)) {
        return js.unary(op, x, xOffset, out, n, p0, p1);
      }
      P[0] = UNARY[op]; P[1] = xOffset; P[2] = n; P[3] = p0; P[4] = p1;
      addon.unary(x, out);
    },

    unaryBackward(op, x, y, g, out, n, p0, p1) {
      if (n < unaryCrossover(op)) return js.unaryBackward(op, x, y, g, out, n, p0, p1);
      P[0] = UNARY[op]; P[1] = n; P[2] = p0; P[3] = p1;
      addon.unaryBackward(x, y, g, out);
    },

    binary(op, a, b, shape, out, outView) {
      const code = BINARY[op];
      const nd = shape.length;
      if (
        nd > MAX_DIMS || numel(shape) < CROSSOVER.elementwise ||
        !(a.data instanceof Float32Array) || !(b.data instanceof Float32Array) ||
        !(out instanceof Float32Array || (out instanceof Uint8Array && code >= FIRST_COMPARISON))
      ) {
        return js.binary(op, a, b, shape, out, outView);
      }
      P[0] = code;
      const j = putView(putView(putShape(1, shape), a, nd), b, nd);
      P[j] = outView ? 1 : 0;
      if (outView) putView(j + 1, outView, nd);
      addon.binary(a.data, b.data, out);
    },

    where(cond, a, b, shape, out) {
      const nd = shape.length;
      if (
        nd > MAX_DIMS || numel(shape) < CROSSOVER.elementwise || !(cond.data instanceof Uint8Array) ||
        !sameType(a.data, out) || !sameType(b.data, out)
      ) {
        return js.where(cond, a, b, shape, out);
      }
      putView(putView(putView(putShape(0, shape), cond, nd), a, nd), b, nd);
      addon.where(cond.data, a.data, b.data, out);
    },

    reduce(op, x, xOffset, outer, n, inner, out) {
      const arg = op === "argmax" || op === "argmin";
      if (
        outer * n * inner < CROSSOVER.reduce || !(x instanceof Float32Array) ||
        !(arg ? out instanceof Int32Array : out instanceof Float32Array)
      ) {
        return js.reduce(op, x, xOffset, outer, n, inner, out);
      }
      P[0] = REDUCE[op]; P[1] = xOffset; P[2] = outer; P[3] = n; P[4] = inner;
      addon.reduce(x, out as Float32Array | Int32Array);
    },

    gemm(batch, m, n, k, a, aOffset, aBatchStride, transA, b, bOffset, bBatchStride, transB, c, cOffset, cBatchStride, accumulate, bias) {
      if (batch * m * n * k < CROSSOVER.gemm) {
        return js.gemm(batch, m, n, k, a, aOffset, aBatchStride, transA, b, bOffset, bBatchStride, transB, c, cOffset, cBatchStride, accumulate, bias);
      }
      P[0] = batch; P[1] = m; P[2] = n; P[3] = k;
      P[4] = aOffset; P[5] = aBatchStride; P[6] = transA ? 1 : 0;
      P[7] = bOffset; P[8] = bBatchStride; P[9] = transB ? 1 : 0;
      P[10] = cOffset; P[11] = cBatchStride; P[12] = accumulate ? 1 : 0;
      // Without a bias, three arguments: probing a fourth (undefined) costs the binding two
      // N-API calls, which showed on products of a few µs.
      if (bias) addon.gemm(a, b, c, bias);
      else addon.gemm(a, b, c);
    },

    softmax(x, out, rows, cols, log) {
      if (rows * cols < CROSSOVER.rows) return js.softmax(x, out, rows, cols, log);
      P[0] = rows; P[1] = cols; P[2] = log ? 1 : 0;
      addon.softmax(x, out);
    },

    softmaxBackward(y, g, out, rows, cols, log) {
      if (rows * cols < CROSSOVER.rows) return js.softmaxBackward(y, g, out, rows, cols, log);
      P[0] = rows; P[1] = cols; P[2] = log ? 1 : 0;
      addon.softmaxBackward(y, g, out);
    },

    layerNorm(x, weight, bias, out, mean, rstd, rows, cols, eps) {
      if (rows * cols < CROSSOVER.rows) return js.layerNorm(x, weight, bias, out, mean, rstd, rows, cols, eps);
      P[0] = rows; P[1] = cols; P[2] = eps;
      addon.layerNorm(x, weight, bias, out, mean, rstd);
    },

    layerNormBackward(g, x, weight, mean, rstd, gx, gw, gb, rows, cols) {
      if (rows * cols < CROSSOVER.rows) return js.layerNormBackward(g, x, weight, mean, rstd, gx, gw, gb, rows, cols);
      P[0] = rows; P[1] = cols;
      addon.layerNormBackward(g, x, weight, mean, rstd, gx, gw, gb);
    },

    attention(q, k, v, out, lse, geo) {
      if (attentionMacs(geo) < CROSSOVER.attention) return js.attention(q, k, v, out, lse, geo);
      putAttention(geo, [q, k, v, out]);
      addon.attention(q.data, k.data, v.data, out.data, lse);
    },

    attentionBackward(q, k, v, out, gOut, lse, gq, gk, gv, geo) {
      if (attentionMacs(geo) < CROSSOVER.attention) return js.attentionBackward(q, k, v, out, gOut, lse, gq, gk, gv, geo);
      putAttention(geo, [q, k, v, out, gOut, gq, gk, gv]);
      addon.attentionBackward(q.data, k.data, v.data, out.data, gOut.data, lse, gq.data, gk.data, gv.data);
    },

    conv2d(x, w, bias, out, geo, epilogue) {
      putConv(geo);
      P[16] = epilogue?.relu ? 1 : 0; P[17] = epilogue?.pool ?? 1;
      addon.conv2d(x, w, bias, out, epilogue?.indices ?? null);
    },

    conv2dBackwardInput(gOut, w, gx, geo) {
      putConv(geo);
      addon.conv2dBackwardInput(gOut, w, gx);
    },

    conv2dBackwardWeight(gOut, x, gw, geo) {
      putConv(geo);
      addon.conv2dBackwardWeight(gOut, x, gw);
    },

    maxPool2d(x, out, indices, geo) {
      if (geo.planes * geo.outH * geo.outW < CROSSOVER.pool) return js.maxPool2d(x, out, indices, geo);
      putPool(geo, false);
      addon.maxPool2d(x, out, indices);
    },

    maxPool2dBackward(gOut, indices, gx, geo) {
      if (geo.planes * geo.outH * geo.outW < CROSSOVER.pool) return js.maxPool2dBackward(gOut, indices, gx, geo);
      putPool(geo, false);
      addon.maxPool2dBackward(gOut, indices, gx);
    },

    avgPool2d(x, out, geo, countIncludePad) {
      if (geo.planes * geo.outH * geo.outW < CROSSOVER.pool) return js.avgPool2d(x, out, geo, countIncludePad);
      putPool(geo, countIncludePad);
      addon.avgPool2d(x, out);
    },

    avgPool2dBackward(gOut, gx, geo, countIncludePad) {
      if (geo.planes * geo.outH * geo.outW < CROSSOVER.pool) return js.avgPool2dBackward(gOut, gx, geo, countIncludePad);
      putPool(geo, countIncludePad);
      addon.avgPool2dBackward(gOut, gx);
    },

    indexSelect(x, outer, n, inner, index, out) {
      if (outer * index.length * inner < CROSSOVER.indexing || !sameType(x, out)) {
        return js.indexSelect(x, outer, n, inner, index, out);
      }
      P[0] = outer; P[1] = n; P[2] = inner;
      addon.indexSelect(x, index, out);
    },

    indexAdd(g, outer, n, inner, index, gx) {
      if (outer * index.length * inner < CROSSOVER.indexing) return js.indexAdd(g, outer, n, inner, index, gx);
      P[0] = outer; P[1] = n; P[2] = inner;
      addon.indexAdd(g, index, gx);
    },

    gather(x, outer, n, inner, index, m, out) {
      if (outer * m * inner < CROSSOVER.indexing || !sameType(x, out)) return js.gather(x, outer, n, inner, index, m, out);
      P[0] = outer; P[1] = n; P[2] = inner; P[3] = m;
      addon.gather(x, index, out);
    },

    scatterAdd(g, outer, n, inner, index, m, gx) {
      if (outer * m * inner < CROSSOVER.indexing) return js.scatterAdd(g, outer, n, inner, index, m, gx);
      P[0] = outer; P[1] = n; P[2] = inner; P[3] = m;
      addon.scatterAdd(g, index, gx);
    },

    scatter(src, outer, n, inner, index, m, out) {
      if (outer * m * inner < CROSSOVER.indexing || !sameType(src, out)) return js.scatter(src, outer, n, inner, index, m, out);
      P[0] = outer; P[1] = n; P[2] = inner; P[3] = m;
      addon.scatter(src, index, out);
    },

    sgdStep(p, g, buf, lr, momentum, dampening, weightDecay, nesterov, firstStep) {
      if (p.length < CROSSOVER.optim) return js.sgdStep(p, g, buf, lr, momentum, dampening, weightDecay, nesterov, firstStep);
      P[0] = lr; P[1] = momentum; P[2] = dampening; P[3] = weightDecay; P[4] = nesterov ? 1 : 0; P[5] = firstStep ? 1 : 0;
      addon.sgdStep(p, g, buf);
    },

    adamStep(p, g, m, v, vMax, lr, beta1, beta2, eps, weightDecay, decoupled, step) {
      if (p.length < CROSSOVER.optim) return js.adamStep(p, g, m, v, vMax, lr, beta1, beta2, eps, weightDecay, decoupled, step);
      P[0] = lr; P[1] = beta1; P[2] = beta2; P[3] = eps; P[4] = weightDecay; P[5] = decoupled ? 1 : 0; P[6] = step;
      addon.adamStep(p, g, m, v, vMax);
    },
  };
}
