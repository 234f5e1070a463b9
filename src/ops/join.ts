/**
 * Ops that join, split, tile, pad and rearrange tensors: cat, stack, split, chunk, repeat,
 * pad, tril/triu, flip and roll.
 */
import { K } from "../backend/index.js";
import { record } from "../autograd/node.js";
import { promoteTypes } from "../tensor/dtype.js";
import { type Shape, fmtShape, normDim, shapesEqual } from "../tensor/shape.js";
import type { StridedView } from "../tensor/strided.js";
import { Tensor } from "../tensor/tensor.js";
import { where } from "./elementwise.js";
import { indexSelect } from "./indexing.js";
import { alloc, uninitialized } from "./util.js";
import { clone, expand, flatten, narrow, reshape, unsqueeze } from "./view.js";

/** The block of t starting at `starts` with extent `shape`, for kernels. */
function window(t: StridedView, starts: readonly number[], shape: Shape): StridedView {
  let offset = t.offset;
  for (let d = 0; d < starts.length; d++) offset += starts[d] * t.strides[d];
  return { data: t.data, shape, strides: t.strides, offset };
}

// ---------------------------------------------------------------- cat / stack / split

/** Joins tensors along an existing dim; dtypes promote as torch.cat. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError("cat: expected a non-empty list of tensors");
  tensors.forEach((t, i) => {
    if (t.ndim === 0) throw new RangeError(`cat: zero-dimensional tensor (at position ${i}) cannot be concatenated`);
  });
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  // As in PyTorch, 1-d empty tensors are skipped, so an empty tensor can start an accumulation.
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (parts.length === 0) return alloc([0], dtype);
  const ref = parts[0];
  const d = normDim(dim, ref.ndim, "cat");
  let total = 0;
  for (const t of parts) {
    if (t.ndim !== ref.ndim || t.shape.some((s, i) => i !== d && s !== ref.shape[i])) {
      throw new RangeError(
        `cat: tensors must match in all dims except dim ${d}; got ${fmtShape(ref.shape)} (tensor ${tensors.indexOf(ref)}) ` +
          `and ${fmtShape(t.shape)} (tensor ${tensors.indexOf(t)})`,
      );
    }
    total += t.shape[d];
  }
  const shape = ref.shape.slice();
  shape[d] = total;
  const out = uninitialized(shape, dtype);
  const starts = new Array<number>(shape.length).fill(0);
  for (const t of parts) {
    K.copy(t, window(out, starts, t.shape)); // the copy also converts the dtype
    starts[d] += t.shape[d];
  }
  return record("CatBackward", out, parts, (g) => {
    let start = 0;
    return parts.map((t) => {
      const gi = narrow(g, d, start, t.shape[d]);
      start += t.shape[d];
      return gi;
    });
  });
}

/** Joins same-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError("stack: expected a non-empty list of tensors");
  const ref = tensors[0];
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, ref.shape)) {
      throw new RangeError(`stack: expected all tensors to have the same shape; got ${fmtShape(ref.shape)} (tensor 0) and ${fmtShape(t.shape)} (tensor ${i})`);
    }
  });
  const d = normDim(dim, ref.ndim + 1, "stack");
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/**
 * Views of consecutive pieces along dim: of `splitSizeOrSections` elements each (the last
 * may be smaller), or of the listed sizes, which must add up to the dim's size.
 */
export function split(x: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  if (x.ndim === 0) throw new RangeError("split: expects at least a 1-d tensor, got a 0-d tensor");
  const d = normDim(dim, x.ndim, "split");
  const n = x.shape[d];
  let sizes: number[];
  if (typeof splitSizeOrSections === "number") {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && n !== 0)) {
      throw new RangeError(`split: split size must be a positive integer, got ${s} for dim ${d} of shape ${fmtShape(x.shape)}`);
    }
    const count = n === 0 ? 1 : Math.ceil(n / s);
    sizes = Array.from({ length: count }, (_, i) => Math.min(s, n - i * s));
  } else {
    sizes = splitSizeOrSections.slice();
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new RangeError(`split: sections ${fmtShape(sizes)} must be non-negative integers adding up to ${n} (dim ${d} of shape ${fmtShape(x.shape)})`);
    }
  }
  let start = 0;
  return sizes.map((len) => {
    const piece = narrow(x, d, start, len);
    start += len;
    return piece;
  });
}

/** Splits into `chunks` pieces of ceil(size / chunks) elements, so there may be fewer pieces, as torch.chunk. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  if (x.ndim === 0) throw new RangeError("chunk: expects at least a 1-d tensor, got a 0-d tensor");
  const d = normDim(dim, x.ndim, "chunk");
  const n = x.shape[d];
  if (n === 0) return split(x, new Array<number>(chunks).fill(0), d);
  return split(x, Math.ceil(n / chunks), d);
}

// ---------------------------------------------------------------- repeat / pad

/** Tiles x `repeats[i]` times along dim i, as torch.Tensor.repeat; extra leading repeats add dims. */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < x.ndim) {
    throw new RangeError(`repeat: ${repeats.length} repeats given for input of shape ${fmtShape(x.shape)}; need at least one per dim`);
  }
  if (repeats.some((r) => !Number.isInteger(r) || r < 0)) throw new RangeError(`repeat: repeats must be non-negative integers, got ${fmtShape(repeats)}`);
  const sizes = [...new Array<number>(repeats.length - x.ndim).fill(1), ...x.shape];
  // [s0, s1, …] viewed as [1, s0, 1, s1, …] and expanded to [r0, s0, r1, s1, …]: one copy
  // lays out all tiles, and expand's backward sums the tiles' gradients.
  const interleaved = sizes.flatMap((s) => [1, s]);
  const tiled = sizes.flatMap((s, i) => [repeats[i], s]);
  return reshape(clone(expand(reshape(x, interleaved), tiled)), sizes.map((s, i) => s * repeats[i]));
}

export type PadMode = "constant" | "reflect" | "replicate";

export interface PadOptions {
  mode?: PadMode;
  /** Fill value of constant padding. */
  value?: number;
}

/**
 * Pads (or, with negative amounts, crops) the trailing dims, as torch.nn.functional.pad:
 * `padding` lists (before, after) pairs starting from the last dim. "reflect" mirrors about
 * the edge element (each amount must be below the dim's size); "replicate" repeats it.
 */
export function pad(x: Tensor, padding: readonly number[], opts: PadOptions = {}): Tensor {
  const mode = opts.mode ?? "constant";
  if (mode !== "constant" && mode !== "reflect" && mode !== "replicate") {
    throw new TypeError(`pad: mode must be "constant", "reflect" or "replicate", got ${JSON.stringify(mode)}`);
  }
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim || !padding.every((p) => Number.isInteger(p))) {
    throw new RangeError(`pad: padding ${fmtShape(padding)} must be (before, after) integer pairs for at most ${x.ndim} dims of input ${fmtShape(x.shape)}`);
  }
  const before = new Array<number>(x.ndim).fill(0);
  const after = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < padding.length / 2; i++) {
    before[x.ndim - 1 - i] = padding[2 * i];
    after[x.ndim - 1 - i] = padding[2 * i + 1];
  }
  const shape = x.shape.map((s, d) => s + before[d] + after[d]);
  if (shape.some((s) => s < 0)) throw new RangeError(`pad: padding ${fmtShape(padding)} gives negative size ${fmtShape(shape)} for input ${fmtShape(x.shape)}`);
  if (mode === "constant") return padConstant(x, before, shape, opts.value ?? 0);
  if (opts.value !== undefined && opts.value !== 0) throw new TypeError(`pad: mode "${mode}" takes no fill value, got value ${opts.value}`);
  let out = x;
  for (let d = 0; d < x.ndim; d++) {
    if (before[d] !== 0 || after[d] !== 0) out = indexSelect(out, d, padIndex(mode, x, d, before[d], after[d]));
  }
  return out;
}

function padConstant(x: Tensor, before: readonly number[], shape: Shape, value: number): Tensor {
  const out = alloc(shape, x.dtype);
  if (value !== 0) out.data.fill(x.dtype === "bool" ? Number(value !== 0) : value);
  // The part of x that survives cropping, and where it lands in out.
  const src = before.map((b) => Math.max(0, -b));
  const dst = before.map((b) => Math.max(0, b));
  const len = x.shape.map((s, d) => Math.max(0, Math.min(s - src[d], shape[d] - dst[d])));
  K.copy(window(x, src, len), window(out, dst, len));
  return record("ConstantPadBackward", out, [x], (g) => {
    const gx = alloc(x.shape);
    K.copy(window(g, dst, len), window(gx, src, len));
    return [gx];
  });
}

/** For each output position along dim d, the input position it reads in reflect/replicate mode. */
function padIndex(mode: "reflect" | "replicate", x: Tensor, d: number, before: number, after: number): Tensor {
  const n = x.shape[d];
  if (mode === "reflect" ? before >= n || after >= n : n === 0) {
    throw new RangeError(`pad: ${mode} padding (${before}, ${after}) must be smaller than dim ${d} of input ${fmtShape(x.shape)}`);
  }
  const len = n + before + after;
  const idx = new Int32Array(len);
  for (let p = 0; p < len; p++) {
    const i = p - before;
    if (i < 0) idx[p] = mode === "reflect" ? -i : 0;
    else if (i >= n) idx[p] = mode === "reflect" ? 2 * (n - 1) - i : n - 1;
    else idx[p] = i;
  }
  return new Tensor(idx, [len]);
}

// ---------------------------------------------------------------- triangles, flip, roll

function triangle(op: string, x: Tensor, diagonal: number, lower: boolean): Tensor {
  if (x.ndim < 2) throw new RangeError(`${op}: input of shape ${fmtShape(x.shape)} must have at least 2 dims`);
  if (!Number.isInteger(diagonal)) throw new TypeError(`${op}: diagonal must be an integer, got ${diagonal}`);
  const rows = x.shape[x.ndim - 2];
  const cols = x.shape[x.ndim - 1];
  const keep = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) keep[i * cols + j] = (lower ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
  }
  return where(new Tensor(keep, [rows, cols]), x, 0);
}

/** The lower triangle of the last two dims (j - i <= diagonal kept), zeros elsewhere. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle("tril", x, diagonal, true);
}

/** The upper triangle of the last two dims (j - i >= diagonal kept), zeros elsewhere. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle("triu", x, diagonal, false);
}

function normDims(dims: number | readonly number[], ndim: number, op: string): number[] {
  const ds = (typeof dims === "number" ? [dims] : dims).map((d) => normDim(d, ndim, op));
  if (new Set(ds).size !== ds.length) throw new RangeError(`${op}: dims ${fmtShape(typeof dims === "number" ? [dims] : dims)} has duplicates`);
  return ds;
}

/** A copy of x with the order of elements reversed along `dims`. */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const ds = normDims(dims, x.ndim, "flip");
  // Read through a view with negated strides, starting at the last element of each flipped dim.
  const strides = x.strides.slice();
  let offset = x.offset;
  for (const d of ds) {
    if (x.shape[d] > 0) offset += (x.shape[d] - 1) * x.strides[d];
    strides[d] = -x.strides[d];
  }
  const out = uninitialized(x.shape, x.dtype);
  K.copy({ data: x.data, shape: x.shape, strides, offset }, out);
  return record("FlipBackward", out, [x], (g) => [flip(g, ds)]);
}

/**
 * Shifts elements along `dims` by `shifts` with wrap-around, as torch.roll; without dims the
 * tensor is rolled as if flattened.
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  const sh = typeof shifts === "number" ? [shifts] : shifts;
  if (dims === undefined) {
    if (sh.length !== 1) throw new RangeError(`roll: without dims, shifts must be a single number, got ${fmtShape(sh)}`);
    return reshape(roll(flatten(x), sh[0], 0), x.shape);
  }
  const ds = normDims(dims, x.ndim, "roll");
  if (ds.length !== sh.length) throw new RangeError(`roll: got ${sh.length} shifts for ${ds.length} dims`);
  let out = x;
  ds.forEach((d, k) => {
    const n = x.shape[d];
    const s = n === 0 ? 0 : ((sh[k] % n) + n) % n;
    if (s !== 0) out = cat([narrow(out, d, n - s, s), narrow(out, d, 0, n - s)], d);
  });
  return out === x ? clone(x) : out;
}

// ---------------------------------------------------------------- Tensor methods

declare module "../tensor/tensor.js" {
  interface Tensor {
    split(splitSizeOrSections: number | readonly number[], dim?: number): Tensor[];
    chunk(chunks: number, dim?: number): Tensor[];
    /** Tiles the tensor: x.repeat([2, 3]) or x.repeat(2, 3), as torch.Tensor.repeat. */
    repeat(repeats: readonly number[]): Tensor;
    repeat(...repeats: number[]): Tensor;
    tril(diagonal?: number): Tensor;
    triu(diagonal?: number): Tensor;
    flip(dims: number | readonly number[]): Tensor;
    roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor;
  }
}

const P = Tensor.prototype;
P.split = function (s, dim) { return split(this, s, dim); };
P.chunk = function (c, dim) { return chunk(this, c, dim); };
P.repeat = function (this: Tensor, ...args: (number | readonly number[])[]) {
  return repeat(this, typeof args[0] === "number" ? (args as number[]) : (args[0] ?? []));
} as Tensor["repeat"];
P.tril = function (k) { return tril(this, k); };
P.triu = function (k) { return triu(this, k); };
P.flip = function (dims) { return flip(this, dims); };
P.roll = function (s, dims) { return roll(this, s, dims); };
