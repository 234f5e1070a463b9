import type { TypedArray } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import type { StridedView } from "../tensor/strided.js";

/**
 * The kernel interface: every numeric loop in Lathe goes through one of these. The `js`
 * backend implements all of them in TypeScript; the `native` backend replaces hot ones.
 *
 * Conventions: outputs are preallocated by the caller and written in full (unless a kernel
 * says it accumulates); "contiguous" arguments are row-major arrays read from the given
 * offset; `[outer, n, inner]` describes a contiguous tensor reduced or indexed along its
 * middle axis (outer = product of leading dims, inner = product of trailing dims).
 */
export type UnaryOp =
  | "neg" | "abs" | "sign" | "exp" | "log" | "log1p" | "expm1" | "sqrt" | "rsqrt" | "square" | "reciprocal"
  | "sin" | "cos" | "tanh" | "sigmoid" | "relu" | "leakyRelu" | "elu" | "gelu" | "geluTanh" | "silu"
  | "softplus" | "erf" | "floor" | "ceil" | "round" | "logicalNot";

/** Unary ops with a derivative kernel: out = g * f'(x), with y = f(x) also given. */
export type DiffUnaryOp = Exclude<UnaryOp, "sign" | "floor" | "ceil" | "round" | "logicalNot">;

export type BinaryOp =
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum" | "remainder" | "atan2"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "logicalAnd" | "logicalOr" | "logicalXor";

export type ReduceOp = "sum" | "prod" | "max" | "min" | "argmax" | "argmin";

/** Geometry of a 2-D convolution in NCHW with OIHW weights (conv1d uses h = 1). */
export interface Conv2dGeometry {
  n: number; cIn: number; h: number; w: number;
  cOut: number; kh: number; kw: number;
  outH: number; outW: number;
  strideH: number; strideW: number;
  padH: number; padW: number;
  dilationH: number; dilationW: number;
  groups: number;
}

/**
 * What conv2d applies before writing its output: pool(relu(conv + bias)), `pool` being the
 * maximum over windows of pool × pool with stride pool (1: none), so `out` holds
 * [n, cOut, floor(outH / pool), floor(outW / pool)].
 */
export interface ConvEpilogue {
  relu: boolean;
  pool: number;
  /**
   * With relu and pool > 1: receives each pooled output's position within its outH × outW
   * plane, as maxPool2d's indices (the first maximum of relu(conv + bias) in window order).
   */
  indices?: Int32Array | null;
}

/** Geometry of 2-D pooling over NCHW (c counts channels of all images: n*c planes). */
export interface Pool2dGeometry {
  planes: number; h: number; w: number;
  kh: number; kw: number;
  outH: number; outW: number;
  strideH: number; strideW: number;
  padH: number; padW: number;
  dilationH: number; dilationW: number;
}

/**
 * Geometry of fused attention: q [batch, heads, L, E], k [batch, heads, S, E], v and the
 * output [.., S or L, Ev]. With `causal`, query i sits at absolute position past + i and
 * attends to keys j <= past + i (past = 0: PyTorch's top-left is_causal; past = S - L: the
 * bottom-right alignment of a KV cache); past must be >= 0, so every row has a key.
 */
export interface AttentionGeometry {
  batch: number; heads: number; L: number; S: number; E: number; Ev: number;
  scale: number; causal: boolean; past: number;
}

/**
 * A 4-d float32 operand of attention: element [b, h, i, e] at offset + b*strides[0] +
 * h*strides[1] + i*strides[2] + e (unit stride on the last dim, any others; 0 broadcasts).
 */
export interface AttentionView {
  readonly data: Float32Array;
  readonly offset: number;
  readonly strides: readonly number[];
}

/** Where a kernel writes a strided output: element offset and strides (per dim of the shape). */
export interface OutView {
  readonly offset: number;
  readonly strides: readonly number[];
}

export interface Backend {
  readonly name: string;

  // --- memory movement
  /** dst[...] = src[...] element by element; both views have the same shape. */
  copy(src: StridedView, dst: StridedView): void;

  // --- elementwise
  /** out[i] = f(x[xOffset + i]) for i < n. p0/p1: leakyRelu slope, elu alpha, softplus beta/threshold. */
  unary(op: UnaryOp, x: TypedArray, xOffset: number, out: TypedArray, n: number, p0: number, p1: number): void;
  /** out[i] = g[i] * f'(x[i]) with y[i] = f(x[i]); all contiguous float32 of length n. */
  unaryBackward(op: DiffUnaryOp, x: Float32Array, y: Float32Array, g: Float32Array, out: Float32Array, n: number, p0: number, p1: number): void;
  /**
   * out = a op b with broadcasting: `a` and `b` are views already stretched to `shape` (0 strides).
   * `out` is written contiguously from element 0, or, with `outView`, at outView.offset +
   * Σ i[d]·outView.strides[d]: a strided window of a larger array (no two positions may share an
   * element; out may be a's or b's storage only where it reads the same element it writes, as an
   * in-place `win += g` into a window of a gradient).
   */
  binary(op: BinaryOp, a: StridedView, b: StridedView, shape: Shape, out: TypedArray, outView?: OutView): void;
  /** out = cond ? a : b, all three views stretched to `shape`. */
  where(cond: StridedView, a: StridedView, b: StridedView, shape: Shape, out: TypedArray): void;

  // --- reductions over the middle axis of a contiguous [outer, n, inner] array
  /** out[o*inner+i] = reduce_j x[off + (o*n + j)*inner + i]; argmax/argmin write int32 indices. */
  reduce(op: ReduceOp, x: TypedArray, xOffset: number, outer: number, n: number, inner: number, out: TypedArray): void;

  // --- linear algebra
  /**
   * Batched GEMM, C[b] = A[b]·B[b] (+ C[b] when accumulate). A[b] is m×k (stored k×m when
   * transA), B[b] is k×n (stored n×k when transB), C[b] is m×n; all dense row-major, found
   * at offset + b*batchStride (a batch stride of 0 broadcasts one matrix to every batch).
   * A bias (n values from its index 0) is added once to every row of every C[b]; it replaces
   * filling C with the bias rows before an accumulating product.
   */
  gemm(
    batch: number, m: number, n: number, k: number,
    a: Float32Array, aOffset: number, aBatchStride: number, transA: boolean,
    b: Float32Array, bOffset: number, bBatchStride: number, transB: boolean,
    c: Float32Array, cOffset: number, cBatchStride: number, accumulate: boolean,
    bias?: Float32Array | null,
  ): void;

  // --- neural-network kernels (contiguous float32)
  /** Softmax (or log-softmax) of each row of a [rows, cols] array. */
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void;
  /** Input gradient of softmax/log-softmax given its output y and output gradient g. */
  softmaxBackward(y: Float32Array, g: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void;
  /** Normalises each row of [rows, cols]; writes mean and 1/std per row for the backward pass. */
  layerNorm(
    x: Float32Array, weight: Float32Array | null, bias: Float32Array | null, out: Float32Array,
    mean: Float32Array, rstd: Float32Array, rows: number, cols: number, eps: number,
  ): void;
  /** Gradients of layerNorm: gx (written), gw and gb (accumulated into, when given). */
  layerNormBackward(
    g: Float32Array, x: Float32Array, weight: Float32Array | null, mean: Float32Array, rstd: Float32Array,
    gx: Float32Array, gw: Float32Array | null, gb: Float32Array | null, rows: number, cols: number,
  ): void;
  /**
   * out = softmax(q·kᵀ·scale, causally masked)·v without materialising the [L, S] scores
   * (online softmax over key blocks); lse [batch*heads*L] receives each row's logsumexp of
   * the scaled scores, which attentionBackward needs.
   */
  attention(q: AttentionView, k: AttentionView, v: AttentionView, out: AttentionView, lse: Float32Array, geo: AttentionGeometry): void;
  /** Gradients of attention (written, not accumulated) from its output, lse and gOut. */
  attentionBackward(
    q: AttentionView, k: AttentionView, v: AttentionView, out: AttentionView, gOut: AttentionView, lse: Float32Array,
    gq: AttentionView, gk: AttentionView, gv: AttentionView, geo: AttentionGeometry,
  ): void;
  /** The convolution plus bias, then the epilogue (none when omitted). */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array, geo: Conv2dGeometry, epilogue?: ConvEpilogue): void;
  conv2dBackwardInput(gOut: Float32Array, w: Float32Array, gx: Float32Array, geo: Conv2dGeometry): void;
  conv2dBackwardWeight(gOut: Float32Array, x: Float32Array, gw: Float32Array, geo: Conv2dGeometry): void;
  /** Max pooling; `indices` receives the flat h*w position of each maximum within its plane. */
  maxPool2d(x: Float32Array, out: Float32Array, indices: Int32Array, geo: Pool2dGeometry): void;
  maxPool2dBackward(gOut: Float32Array, indices: Int32Array, gx: Float32Array, geo: Pool2dGeometry): void;
  avgPool2d(x: Float32Array, out: Float32Array, geo: Pool2dGeometry, countIncludePad: boolean): void;
  avgPool2dBackward(gOut: Float32Array, gx: Float32Array, geo: Pool2dGeometry, countIncludePad: boolean): void;

  // --- indexing (contiguous; indices already validated)
  /** out[o, j, i] = x[o, index[j], i] for x of [outer, n, inner] and out of [outer, index.length, inner]. */
  indexSelect(x: TypedArray, outer: number, n: number, inner: number, index: Int32Array, out: TypedArray): void;
  /** gx[o, index[j], i] += g[o, j, i]: the adjoint of indexSelect. */
  indexAdd(g: Float32Array, outer: number, n: number, inner: number, index: Int32Array, gx: Float32Array): void;
  /** out[o, j, i] = x[o, index[o, j, i], i] with x of [outer, n, inner] and index of [outer, m, inner]. */
  gather(x: TypedArray, outer: number, n: number, inner: number, index: Int32Array, m: number, out: TypedArray): void;
  /** gx[o, index[o, j, i], i] += g[o, j, i]: the adjoint of gather. */
  scatterAdd(g: Float32Array, outer: number, n: number, inner: number, index: Int32Array, m: number, gx: Float32Array): void;
  /** out[o, index[o, j, i], i] = src[o, j, i]: the assigning form of scatterAdd (on duplicates the last j wins). */
  scatter(src: TypedArray, outer: number, n: number, inner: number, index: Int32Array, m: number, out: TypedArray): void;

  // --- fused optimizer updates, in place on contiguous float32 arrays
  /** torch.optim.SGD for one parameter; `buf` is the momentum buffer (null when momentum = 0). */
  sgdStep(
    p: Float32Array, g: Float32Array, buf: Float32Array | null, lr: number, momentum: number,
    dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean,
  ): void;
  /** torch.optim.Adam / AdamW for one parameter at 1-based `step`; vMax is the AMSGrad state. */
  adamStep(
    p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vMax: Float32Array | null,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
  ): void;
}
