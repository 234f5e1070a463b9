/**
 * Tensor methods for the core ops: each forwards to the function of the same name, so
 * `x.add(y)` and `add(x, y)` are one implementation. Other op files attach their own
 * methods the same way.
 */
import { backward, type BackwardOptions } from "../autograd/engine.js";
import type { DType } from "../tensor/dtype.js";
import type { Generator } from "../tensor/random.js";
import type { Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import * as E from "./elementwise.js";
import * as I from "./inplace.js";
import * as L from "./linalg.js";
import * as R from "./reduce.js";
import * as V from "./view.js";

type Operand = Tensor | number;

declare module "../tensor/tensor.js" {
  interface Tensor {
    // autograd
    backward(gradient?: Tensor, opts?: BackwardOptions): void;
    retainGrad(): this;
    detach(): Tensor;
    // elementwise
    add(other: Operand, opts?: { alpha?: number }): Tensor;
    sub(other: Operand, opts?: { alpha?: number }): Tensor;
    mul(other: Operand): Tensor;
    div(other: Operand): Tensor;
    pow(exponent: Operand): Tensor;
    remainder(other: Operand): Tensor;
    maximum(other: Operand): Tensor;
    minimum(other: Operand): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    sign(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    expm1(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    elu(alpha?: number): Tensor;
    gelu(opts?: { approximate?: "none" | "tanh" }): Tensor;
    silu(): Tensor;
    softplus(opts?: { beta?: number; threshold?: number }): Tensor;
    erf(): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    round(): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;
    eq(other: Operand): Tensor;
    ne(other: Operand): Tensor;
    lt(other: Operand): Tensor;
    le(other: Operand): Tensor;
    gt(other: Operand): Tensor;
    ge(other: Operand): Tensor;
    logicalNot(): Tensor;
    logicalAnd(other: Operand): Tensor;
    logicalOr(other: Operand): Tensor;
    logicalXor(other: Operand): Tensor;
    /** this where cond is true, other elsewhere, as torch.Tensor.where. */
    where(cond: Tensor, other: Operand): Tensor;
    // reductions
    sum(dim?: R.Dims, keepdim?: boolean): Tensor;
    mean(dim?: R.Dims, keepdim?: boolean): Tensor;
    var(dim?: R.Dims, opts?: R.VarOptions): Tensor;
    std(dim?: R.Dims, opts?: R.VarOptions): Tensor;
    max(): Tensor;
    max(dim: number, keepdim?: boolean): R.ValuesIndices;
    min(): Tensor;
    min(dim: number, keepdim?: boolean): R.ValuesIndices;
    argmax(dim?: number, keepdim?: boolean): Tensor;
    argmin(dim?: number, keepdim?: boolean): Tensor;
    prod(dim?: number, keepdim?: boolean): Tensor;
    logsumexp(dim?: R.Dims, keepdim?: boolean): Tensor;
    all(dim?: number, keepdim?: boolean): Tensor;
    any(dim?: number, keepdim?: boolean): Tensor;
    // views and copies
    reshape(shape: Shape): Tensor;
    view(shape: Shape): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    unflatten(dim: number, sizes: Shape): Tensor;
    permute(dims: readonly number[]): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    t(): Tensor;
    expand(shape: Shape): Tensor;
    expandAs(other: Tensor): Tensor;
    squeeze(dim?: number | readonly number[]): Tensor;
    unsqueeze(dim: number): Tensor;
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    select(dim: number, index: number): Tensor;
    contiguous(): Tensor;
    clone(): Tensor;
    to(dtype: DType): Tensor;
    float(): Tensor;
    int(): Tensor;
    bool(): Tensor;
    // linear algebra
    matmul(other: Tensor): Tensor;
    mm(other: Tensor): Tensor;
    bmm(other: Tensor): Tensor;
    /** beta·this + alpha·(mat1·mat2), as torch.Tensor.addmm. */
    addmm(mat1: Tensor, mat2: Tensor, opts?: L.AddmmOptions): Tensor;
    // in place
    copy_(src: Tensor): this;
    fill_(value: number): this;
    zero_(): this;
    uniform_(from?: number, to?: number, opts?: { generator?: Generator }): this;
    normal_(mean?: number, std?: number, opts?: { generator?: Generator }): this;
  }
}

const P = Tensor.prototype;

P.backward = function (gradient, opts) { backward(this, gradient, opts); };
P.retainGrad = function () {
  if (!this.requiresGrad) throw new Error("retainGrad: the tensor does not require grad");
  if (!this.isLeaf) this.retainsGrad = true;
  return this;
};
P.detach = function () { return V.detach(this); };

P.add = function (o, opts) { return E.add(this, o, opts); };
P.sub = function (o, opts) { return E.sub(this, o, opts); };
P.mul = function (o) { return E.mul(this, o); };
P.div = function (o) { return E.div(this, o); };
P.pow = function (o) { return E.pow(this, o); };
P.remainder = function (o) { return E.remainder(this, o); };
P.maximum = function (o) { return E.maximum(this, o); };
P.minimum = function (o) { return E.minimum(this, o); };
P.neg = function () { return E.neg(this); };
P.abs = function () { return E.abs(this); };
P.sign = function () { return E.sign(this); };
P.exp = function () { return E.exp(this); };
P.log = function () { return E.log(this); };
P.log1p = function () { return E.log1p(this); };
P.expm1 = function () { return E.expm1(this); };
P.sqrt = function () { return E.sqrt(this); };
P.rsqrt = function () { return E.rsqrt(this); };
P.square = function () { return E.square(this); };
P.reciprocal = function () { return E.reciprocal(this); };
P.sin = function () { return E.sin(this); };
P.cos = function () { return E.cos(this); };
P.tanh = function () { return E.tanh(this); };
P.sigmoid = function () { return E.sigmoid(this); };
P.relu = function () { return E.relu(this); };
P.leakyRelu = function (s) { return E.leakyRelu(this, s); };
P.elu = function (a) { return E.elu(this, a); };
P.gelu = function (opts) { return E.gelu(this, opts); };
P.silu = function () { return E.silu(this); };
P.softplus = function (opts) { return E.softplus(this, opts); };
P.erf = function () { return E.erf(this); };
P.floor = function () { return E.floor(this); };
P.ceil = function () { return E.ceil(this); };
P.round = function () { return E.round(this); };
P.clamp = function (lo, hi) { return E.clamp(this, lo, hi); };
P.eq = function (o) { return E.eq(this, o); };
P.ne = function (o) { return E.ne(this, o); };
P.lt = function (o) { return E.lt(this, o); };
P.le = function (o) { return E.le(this, o); };
P.gt = function (o) { return E.gt(this, o); };
P.ge = function (o) { return E.ge(this, o); };
P.logicalNot = function () { return E.logicalNot(this); };
P.logicalAnd = function (o) { return E.logicalAnd(this, o); };
P.logicalOr = function (o) { return E.logicalOr(this, o); };
P.logicalXor = function (o) { return E.logicalXor(this, o); };
P.where = function (cond, other) { return E.where(cond, this, other); };

P.sum = function (dim, keepdim) { return R.sum(this, dim, keepdim); };
P.mean = function (dim, keepdim) { return R.mean(this, dim, keepdim); };
P.var = function (dim, opts) { return R.variance(this, dim, opts); };
P.std = function (dim, opts) { return R.std(this, dim, opts); };
P.max = function (this: Tensor, dim?: number, keepdim?: boolean) { return dim === undefined ? R.max(this) : R.max(this, dim, keepdim); } as Tensor["max"];
P.min = function (this: Tensor, dim?: number, keepdim?: boolean) { return dim === undefined ? R.min(this) : R.min(this, dim, keepdim); } as Tensor["min"];
P.argmax = function (dim, keepdim) { return R.argmax(this, dim, keepdim); };
P.argmin = function (dim, keepdim) { return R.argmin(this, dim, keepdim); };
P.prod = function (dim, keepdim) { return R.prod(this, dim, keepdim); };
P.logsumexp = function (dim, keepdim) { return R.logsumexp(this, dim, keepdim); };
P.all = function (dim, keepdim) { return R.all(this, dim, keepdim); };
P.any = function (dim, keepdim) { return R.any(this, dim, keepdim); };

P.reshape = function (s) { return V.reshape(this, s); };
P.view = function (s) { return V.view(this, s); };
P.flatten = function (a, b) { return V.flatten(this, a, b); };
P.unflatten = function (d, s) { return V.unflatten(this, d, s); };
P.permute = function (d) { return V.permute(this, d); };
P.transpose = function (a, b) { return V.transpose(this, a, b); };
P.t = function () { return V.t(this); };
P.expand = function (s) { return V.expand(this, s); };
P.expandAs = function (o) { return V.expand(this, o.shape); };
P.squeeze = function (d) { return V.squeeze(this, d); };
P.unsqueeze = function (d) { return V.unsqueeze(this, d); };
P.slice = function (d, s, e, st) { return V.slice(this, d, s, e, st); };
P.narrow = function (d, s, l) { return V.narrow(this, d, s, l); };
P.select = function (d, i) { return V.select(this, d, i); };
P.contiguous = function () { return V.contiguous(this); };
P.clone = function () { return V.clone(this); };
P.to = function (dtype) { return V.to(this, dtype); };
P.float = function () { return V.to(this, "float32"); };
P.int = function () { return V.to(this, "int32"); };
P.bool = function () { return V.to(this, "bool"); };

P.matmul = function (o) { return L.matmul(this, o); };
P.mm = function (o) { return L.mm(this, o); };
P.bmm = function (o) { return L.bmm(this, o); };
P.addmm = function (m1, m2, opts) { return L.addmm(this, m1, m2, opts); };

P.copy_ = function (src) { return I.copy_(this, src) as typeof this; };
P.fill_ = function (v) { return I.fill_(this, v) as typeof this; };
P.zero_ = function () { return I.zero_(this) as typeof this; };
P.uniform_ = function (a, b, opts) { return I.uniform_(this, a, b, opts) as typeof this; };
P.normal_ = function (m, s, opts) { return I.normal_(this, m, s, opts) as typeof this; };
