import { K } from "../backend/index.js";
import { record } from "../autograd/node.js";
import { broadcastShapes, fmtShape, numel } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { checkFloat, contiguousData, f32, sumToShape, uninitialized } from "./util.js";
import { add, mul } from "./elementwise.js";
import { expand, reshape, squeeze, transpose, unsqueeze } from "./view.js";

/** How a [..., r, c] tensor is handed to the GEMM kernel without copying when possible. */
interface Operand {
  data: Float32Array;
  offset: number;
  batchStride: number;
  trans: boolean;
}

function operand(x: Tensor, batch: readonly number[]): Operand {
  const nd = x.ndim;
  const r = x.shape[nd - 2];
  const c = x.shape[nd - 1];
  const sr = x.strides[nd - 2];
  const sc = x.strides[nd - 1];
  const rowMajor = (sc === 1 || c === 1) && (sr === c || r === 1);
  const colMajor = !rowMajor && (sr === 1 || r === 1) && (sc === r || c === 1);
  const xBatch = numel(x.shape.slice(0, nd - 2));
  if (rowMajor || colMajor) {
    if (xBatch === 1) return { data: x.data as Float32Array, offset: x.offset, batchStride: 0, trans: colMajor };
    // A dense batch: every batch dim steps over whole matrices in order, and no broadcasting.
    let dense = numel(batch) === xBatch;
    let expect = r * c;
    for (let d = nd - 3; d >= 0 && dense; d--) {
      if (x.shape[d] !== 1 && x.strides[d] !== expect) dense = false;
      expect *= x.shape[d];
    }
    if (dense) return { data: x.data as Float32Array, offset: x.offset, batchStride: r * c, trans: colMajor };
  }
  const full = contiguousData(expand(x, [...batch, r, c]));
  return { data: full.data as Float32Array, offset: full.offset, batchStride: r * c, trans: false };
}

/** Batched, broadcasting matrix product of tensors with ≥ 2 dims (shapes already checked); not recorded. */
function bmmRaw(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.ndim - 2];
  const k = a.shape[a.ndim - 1];
  const n = b.shape[b.ndim - 1];
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "matmul");
  const out = uninitialized([...batch, m, n]);
  const A = operand(a, batch);
  const B = operand(b, batch);
  K.gemm(numel(batch), m, n, k, A.data, A.offset, A.batchStride, A.trans, B.data, B.offset, B.batchStride, B.trans,
    out.data as Float32Array, 0, m * n, false);
  return out;
}

/**
 * Matrix product with PyTorch's rules: 1-d·1-d is a dot product, a 1-d operand gets a
 * dim prepended (left) or appended (right) that is removed afterwards, and leading
 * dims broadcast as batch dims.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkFloat("matmul", a, b);
  checkMatmulShapes(a, b);
  if (a.ndim === 1 && b.ndim === 1) return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), []);
  if (a.ndim === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  const out = bmmRaw(a, b);
  return record("MmBackward", out, [a, b], (g) => [
    a.requiresGrad ? sumToShape(bmmRaw(g, transpose(b, -1, -2)), a.shape) : null,
    b.requiresGrad ? sumToShape(bmmRaw(transpose(a, -1, -2), g), b.shape) : null,
  ]);
}

/** Throws, naming both shapes as given, unless `a` and `b` can be multiplied as by matmul. */
function checkMatmulShapes(a: Tensor, b: Tensor): void {
  const fail = (why: string) => {
    throw new RangeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${why})`);
  };
  if (a.ndim === 0 || b.ndim === 0) throw new RangeError(`matmul: both arguments need at least 1 dim, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const ka = a.shape[a.ndim - 1];
  const kb = b.shape[Math.max(0, b.ndim - 2)];
  if (ka !== kb) fail(`${ka} vs ${kb}`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  for (let i = 1; i <= Math.min(batchA.length, batchB.length); i++) {
    const da = batchA[batchA.length - i];
    const db = batchB[batchB.length - i];
    if (da !== db && da !== 1 && db !== 1) fail(`batch dims ${fmtShape(batchA)} and ${fmtShape(batchB)} do not broadcast`);
  }
}

/** 2-d matrix product, as torch.mm. */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) throw new RangeError(`mm: expects 2-d tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(a, b);
}

/** 3-d batched product without broadcasting, as torch.bmm. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0]) {
    throw new RangeError(`bmm: expects 3-d tensors with equal batch sizes, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return matmul(a, b);
}

/**
 * y = x·wᵀ + b with w of shape [out, in] (PyTorch's layout), over any leading dims of x.
 * One GEMM with the bias added in its epilogue; backward is two GEMMs and a column sum.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkFloat("linear", x, weight, ...(bias ? [bias] : []));
  if (weight.ndim !== 2) throw new RangeError(`linear: weight must be 2-d [out, in], got ${fmtShape(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new RangeError(`linear: input of shape ${fmtShape(x.shape)} does not match weight of shape ${fmtShape(weight.shape)} (expected last dim ${inF})`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new RangeError(`linear: bias of shape ${fmtShape(bias.shape)} does not match weight of shape ${fmtShape(weight.shape)} (expected [${outF}])`);
  }
  return affine("LinearBackward", x, weight, true, bias ?? null);
}

export interface AddmmOptions {
  /** Multiplies input (default 1). */
  beta?: number;
  /** Multiplies mat1·mat2 (default 1). */
  alpha?: number;
}

/**
 * beta·input + alpha·(mat1·mat2) for 2-d mat1 [n, m] and mat2 [m, p], input broadcasting to
 * [n, p], as torch.addmm. With a bias row as input and beta = alpha = 1 (Hugging Face's Conv1D)
 * it is one GEMM with the bias in its epilogue, as linear.
 */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, opts: AddmmOptions = {}): Tensor {
  checkFloat("addmm", input, mat1, mat2);
  if (mat1.ndim !== 2 || mat2.ndim !== 2 || mat1.shape[1] !== mat2.shape[0]) {
    throw new RangeError(`addmm: mat1 of shape ${fmtShape(mat1.shape)} and mat2 of shape ${fmtShape(mat2.shape)} cannot be multiplied (expected 2-d [n, m] and [m, p])`);
  }
  const outShape = [mat1.shape[0], mat2.shape[1]];
  broadcastShapes(input.shape, outShape, `addmm (input of shape ${fmtShape(input.shape)} against mat1·mat2 of shape ${fmtShape(outShape)})`);
  const beta = opts.beta ?? 1;
  const alpha = opts.alpha ?? 1;
  if (beta === 1 && alpha === 1 && input.ndim === 1 && input.shape[0] === outShape[1]) return affine("AddmmBackward", mat1, mat2, false, input);
  const product = matmul(mat1, mat2);
  return add(beta === 1 ? input : mul(input, beta), alpha === 1 ? product : mul(product, alpha));
}

/**
 * x·w + b over the last dim of x, w stored [out, in] (`wTransposed`, linear) or [in, out]
 * (addmm, Conv1D); b is [out] or null. Shapes already checked.
 */
function affine(name: string, x: Tensor, weight: Tensor, wTransposed: boolean, bias: Tensor | null): Tensor {
  const [inF, outF] = wTransposed ? [weight.shape[1], weight.shape[0]] : weight.shape;
  const rows = numel(x.shape.slice(0, -1)); // not x.numel() / inF: inF may be 0
  const xd = f32(x);
  const wd = f32(weight);
  const out = uninitialized([...x.shape.slice(0, -1), outF]);
  const od = out.data as Float32Array;
  // The bias enters the GEMM's epilogue: the micro-kernel starts its accumulators from it,
  // so the output is written once (pre-filling it with the bias rows cost a kernel call
  // and a pass over the output).
  K.gemm(1, rows, outF, inF, xd, 0, 0, false, wd, 0, 0, wTransposed, od, 0, 0, false, bias ? f32(bias) : null);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(name, out, inputs, (g) => {
    const gd = f32(g);
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (x.requiresGrad) {
      // gx = g·wᵀ: w [out, in] is already that matrix; w [in, out] is read transposed.
      gx = uninitialized(x.shape);
      K.gemm(1, rows, inF, outF, gd, 0, 0, false, wd, 0, 0, !wTransposed, gx.data as Float32Array, 0, 0, false);
    }
    if (weight.requiresGrad) {
      // gw = gᵀ·x for [out, in], xᵀ·g for [in, out].
      gw = uninitialized(weight.shape);
      if (wTransposed) K.gemm(1, outF, inF, rows, gd, 0, 0, true, xd, 0, 0, false, gw.data as Float32Array, 0, 0, false);
      else K.gemm(1, inF, outF, rows, xd, 0, 0, true, gd, 0, 0, false, gw.data as Float32Array, 0, 0, false);
    }
    if (bias?.requiresGrad) {
      gb = uninitialized([outF]);
      K.reduce("sum", gd, 0, 1, rows, outF, gb.data);
    }
    return bias ? [gx, gw, gb] : [gx, gw];
  }, { freshGrads: true });
}
