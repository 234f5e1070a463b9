import { type DType, type TypedArray, allocate } from "./dtype.js";
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

/** Typed arrays tensor() accepts: the storage types, used without a copy, and others it converts. */
export type NumericTypedArray =
  | TypedArray | Float64Array | Int8Array | Int16Array | Uint8ClampedArray | Uint16Array | Uint32Array;

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

const STORAGE = { float32: Float32Array, int32: Int32Array, bool: Uint8Array } as const;

/** The dtype a typed array maps to: its own for the storage types, float32 or int32 otherwise. */
function inferDtype(data: NumericTypedArray): DType {
  for (const dtype of ["float32", "int32", "bool"] as const) if (data instanceof STORAGE[dtype]) return dtype;
  return data instanceof Float64Array ? "float32" : "int32";
}

/** Values as `dtype` storage: the array itself when it already is, else a converted copy (bool: nonzero). */
function castArray(data: NumericTypedArray | readonly number[], dtype: DType): TypedArray {
  if (data instanceof STORAGE[dtype]) return data;
  const out = allocate(dtype, data.length);
  if (dtype === "bool") for (let i = 0; i < data.length; i++) out[i] = data[i] ? 1 : 0;
  else out.set(data);
  return out;
}

/** The shape of a nested array, read along its first elements (validated by flattenNested). */
function nestedShape(values: NestedArray): number[] {
  const shape: number[] = [];
  for (let v = values; Array.isArray(v); v = v[0]) shape.push(v.length);
  return shape;
}

/** Appends the numbers of a nested array to `flat`, checking it is rectangular; returns whether all were booleans. */
function flattenNested(v: NestedArray, shape: number[], depth: number, flat: number[]): boolean {
  if (depth === shape.length) {
    if (Array.isArray(v)) throw new RangeError(`tensor: ragged nested array: expected a number at depth ${depth}, got an array`);
    if (typeof v !== "number" && typeof v !== "boolean") throw new TypeError(`tensor: expected numbers or booleans, got ${typeof v}`);
    flat.push(Number(v));
    return typeof v === "boolean";
  }
  if (!Array.isArray(v)) throw new RangeError(`tensor: ragged nested array: expected an array of length ${shape[depth]} at depth ${depth}, got a number`);
  if (v.length !== shape[depth]) throw new RangeError(`tensor: ragged nested array: expected length ${shape[depth]} at depth ${depth}, got ${v.length}`);
  let allBool = true;
  for (const x of v) allBool = flattenNested(x, shape, depth + 1, flat) && allBool;
  return allBool;
}

/**
 * Builds a tensor from nested arrays, a typed array or a number. Numbers become float32
 * and booleans bool (a mix of both, float32) unless `dtype` says otherwise. A Float32Array,
 * Int32Array or Uint8Array (bool) of the requested dtype is used without copying; other
 * typed arrays are converted (Float64Array to float32, integer arrays to int32).
 */
export function tensor(values: NestedArray | NumericTypedArray | readonly number[], opts: TensorOptions & { shape?: Shape } = {}): Tensor {
  let data: TypedArray;
  let shape: number[];
  if (ArrayBuffer.isView(values)) {
    data = castArray(values, opts.dtype ?? inferDtype(values));
    shape = [data.length];
  } else {
    shape = nestedShape(values as NestedArray);
    const flat: number[] = [];
    const allBool = flattenNested(values as NestedArray, shape, 0, flat);
    data = castArray(flat, opts.dtype ?? (allBool && flat.length > 0 ? "bool" : "float32"));
  }
  if (opts.shape) shape = opts.shape.slice();
  checkShape(shape, "tensor");
  if (numel(shape) !== data.length) {
    throw new RangeError(`tensor: shape ${fmtShape(shape)} needs ${numel(shape)} values, got ${data.length}`);
  }
  return finish(data, shape, opts);
}

function filled(shape: ShapeArg, value: number, opts: TensorOptions | undefined, op: string): Tensor {
  const s = toShape(shape, op);
  const data = allocate(opts?.dtype ?? "float32", numel(s));
  if (value !== 0) data.fill(data instanceof Uint8Array ? Number(value !== 0) : value);
  return finish(data, s, opts);
}

export function full(shape: ShapeArg, value: number, opts?: TensorOptions): Tensor {
  return filled(shape, value, opts, "full");
}

export function zeros(shape: ShapeArg, opts?: TensorOptions): Tensor {
  return filled(shape, 0, opts, "zeros");
}

export function ones(shape: ShapeArg, opts?: TensorOptions): Tensor {
  return filled(shape, 1, opts, "ones");
}

/** Uninitialised in PyTorch; here zero-filled, since typed arrays always are. */
export function empty(shape: ShapeArg, opts?: TensorOptions): Tensor {
  return filled(shape, 0, opts, "empty");
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
  if (![start, end, step].every(Number.isFinite)) throw new RangeError(`arange: start, end and step must be finite, got ${start}, ${end}, ${step}`);
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
  // Fill from both ends so the last value is exactly `end`, as PyTorch does (one step gives start).
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) data[i] = i < half || steps === 1 ? start + step * i : end - step * (steps - 1 - i);
  return finish(data, [steps], opts);
}

export function eye(n: number, m = n, opts?: TensorOptions): Tensor {
  const shape = toShape([n, m], "eye");
  const data = allocate(opts?.dtype ?? "float32", n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(data, shape, opts);
}

function floatDtype(opts: TensorOptions | undefined, op: string): DType {
  const dtype = opts?.dtype ?? "float32";
  if (dtype !== "float32") throw new TypeError(`${op}: dtype must be float32, got ${dtype}`);
  return dtype;
}

/** Uniform on [0, 1). */
export function rand(shape: ShapeArg, opts?: RandomOptions): Tensor {
  const s = toShape(shape, "rand");
  const g = opts?.generator ?? defaultGenerator;
  const data = allocate(floatDtype(opts, "rand"), numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.random();
  return finish(data, s, opts);
}

/** Standard normal. */
export function randn(shape: ShapeArg, opts?: RandomOptions): Tensor {
  const s = toShape(shape, "randn");
  const g = opts?.generator ?? defaultGenerator;
  const data = allocate(floatDtype(opts, "randn"), numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return finish(data, s, opts);
}

/** Integers uniform in [low, high), int32 by default. */
export function randint(low: number, high: number, shape: ShapeArg, opts?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high)) throw new RangeError(`randint: low and high must be integers, got ${low} and ${high}`);
  if (!(high > low)) throw new RangeError(`randint: high (${high}) must be greater than low (${low})`);
  const s = toShape(shape, "randint");
  const g = opts?.generator ?? defaultGenerator;
  const data = allocate(opts?.dtype ?? "int32", numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.integer(low, high);
  return finish(data, s, opts);
}

/** A random permutation of 0..n-1 (Fisher-Yates), int32. */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
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
