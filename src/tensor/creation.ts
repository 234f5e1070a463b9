import { type DType, type TypedArray, allocate, dtypeOf } from "./dtype.js";
import { type Generator, defaultGenerator } from "./random.js";
import { type Shape, checkShape, fmtShape, numel } from "./shape.js";
import { type NestedArray, Tensor } from "./tensor.js";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

type ShapeArg = Shape | number;

function toShape(shape: ShapeArg, op: string): number[] {
  const s = typeof shape === "number" ? [shape] : shape.slice();
  checkShape(s, op);
  return s;
}

function finish(data: TypedArray, shape: Shape, opts: TensorOptions | undefined): Tensor {
  const t = new Tensor(data, shape);
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

function castArray(data: TypedArray, dtype: DType): TypedArray {
  if (dtypeOf(data) === dtype) return data;
  const out = allocate(dtype, data.length);
  if (dtype === "bool") for (let i = 0; i < data.length; i++) out[i] = data[i] ? 1 : 0;
  else out.set(data);
  return out;
}

/**
 * Builds a tensor from nested arrays, a typed array (used without copying when the dtype
 * matches) or a number. Numbers become float32 unless `dtype` says otherwise; booleans
 * become bool; an Int32Array becomes int32.
 */
export function tensor(values: NestedArray | TypedArray | readonly number[], opts: TensorOptions & { shape?: Shape } = {}): Tensor {
  let data: TypedArray;
  let shape: number[];
  if (ArrayBuffer.isView(values)) {
    data = castArray(values as TypedArray, opts.dtype ?? dtypeOf(values as TypedArray));
    shape = opts.shape ? opts.shape.slice() : [data.length];
  } else {
    shape = [];
    let isBool = false;
    const flat: number[] = [];
    const walk = (v: NestedArray | readonly number[], depth: number): void => {
      if (Array.isArray(v)) {
        if (depth === shape.length) shape.push(v.length);
        else if (shape[depth] !== v.length) {
          throw new RangeError(`tensor: ragged nested array: expected length ${shape[depth]} at depth ${depth}, got ${v.length}`);
        }
        for (const x of v) walk(x, depth + 1);
      } else {
        if (depth !== shape.length) throw new RangeError(`tensor: ragged nested array: a number at depth ${depth}, expected depth ${shape.length}`);
        if (typeof v === "boolean") isBool = true;
        else if (typeof v !== "number") throw new TypeError(`tensor: expected numbers or booleans, got ${typeof v}`);
        flat.push(Number(v));
      }
    };
    walk(values as NestedArray, 0);
    const dtype = opts.dtype ?? (isBool ? "bool" : "float32");
    data = allocate(dtype, flat.length);
    if (dtype === "bool") for (let i = 0; i < flat.length; i++) data[i] = flat[i] ? 1 : 0;
    else data.set(flat);
    if (opts.shape) shape = opts.shape.slice();
  }
  checkShape(shape, "tensor");
  if (numel(shape) !== data.length) {
    throw new RangeError(`tensor: shape ${fmtShape(shape)} needs ${numel(shape)} values, got ${data.length}`);
  }
  return finish(data, shape, opts);
}

export function full(shape: ShapeArg, value: number, opts?: TensorOptions): Tensor {
  const s = toShape(shape, "full");
  const data = allocate(opts?.dtype ?? "float32", numel(s));
  if (value !== 0) data.fill(value);
  return finish(data, s, opts);
}

export function zeros(shape: ShapeArg, opts?: TensorOptions): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: ShapeArg, opts?: TensorOptions): Tensor {
  return full(shape, 1, opts);
}

/** Uninitialised in PyTorch; here zero-filled, since typed arrays always are. */
export function empty(shape: ShapeArg, opts?: TensorOptions): Tensor {
  return full(shape, 0, opts);
}

export function zerosLike(t: Tensor, opts?: TensorOptions): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, ...opts });
}

export function onesLike(t: Tensor, opts?: TensorOptions): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, ...opts });
}

export function fullLike(t: Tensor, value: number, opts?: TensorOptions): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...opts });
}

/** Values start, start+step, … below end, as torch.arange. arange(n) counts 0..n-1. */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) throw new RangeError("arange: step must be nonzero");
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const data = allocate(opts?.dtype ?? (allInt ? "int32" : "float32"), n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(data, [n], opts);
}

export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const data = allocate(opts?.dtype ?? "float32", steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends so the last value is exactly `end`, as PyTorch does.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) data[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  return finish(data, [steps], opts);
}

export function eye(n: number, m = n, opts?: TensorOptions): Tensor {
  const data = allocate(opts?.dtype ?? "float32", n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(data, toShape([n, m], "eye"), opts);
}

/** Uniform on [0, 1). */
export function rand(shape: ShapeArg, opts?: RandomOptions): Tensor {
  const s = toShape(shape, "rand");
  const g = opts?.generator ?? defaultGenerator;
  const data = allocate(opts?.dtype ?? "float32", numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.random();
  return finish(data, s, opts);
}

/** Standard normal. */
export function randn(shape: ShapeArg, opts?: RandomOptions): Tensor {
  const s = toShape(shape, "randn");
  const g = opts?.generator ?? defaultGenerator;
  const data = allocate(opts?.dtype ?? "float32", numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return finish(data, s, opts);
}

/** Integers uniform in [low, high), int32 by default. */
export function randint(low: number, high: number, shape: ShapeArg, opts?: RandomOptions): Tensor {
  if (!(high > low)) throw new RangeError(`randint: high (${high}) must be greater than low (${low})`);
  const s = toShape(shape, "randint");
  const g = opts?.generator ?? defaultGenerator;
  const data = allocate(opts?.dtype ?? "int32", numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.integer(low, high);
  return finish(data, s, opts);
}

/** A random permutation of 0..n-1 (Fisher-Yates), int32. */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  const g = opts?.generator ?? defaultGenerator;
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    const t = data[i];
    data[i] = data[j];
    data[j] = t;
  }
  return finish(data, [n], opts);
}
