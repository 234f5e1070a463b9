import type { TypedArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

/** What a dataset sample may be made of, for the default collate. */
export type Sample = Tensor | number | boolean | readonly Sample[] | { readonly [key: string]: Sample };

/** A batch of samples of type T: tensors stacked, numbers and booleans made tensors, arrays and objects collated field by field. */
export type Collated<T> = T extends Tensor | number | boolean
  ? Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: Collated<T[K]> }
    : T extends object
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : never;

/** The contiguous values of a tensor, without copying when it already is contiguous. */
export function contiguousValues(t: Tensor): TypedArray {
  return t.isContiguous() ? t.data.subarray(t.offset, t.offset + t.numel()) : t.toArray();
}

/** Tensors of one shape and dtype stacked along a new first dimension, as torch.stack. */
export function stackTensors(ts: readonly Tensor[]): Tensor {
  if (ts.length === 0) throw new RangeError("collate: no samples to stack");
  const first = ts[0];
  const size = first.numel();
  const out = new (first.data.constructor as new (n: number) => TypedArray)(size * ts.length);
  ts.forEach((t, i) => {
    if (t.dtype !== first.dtype || t.shape.length !== first.shape.length || t.shape.some((d, j) => d !== first.shape[j])) {
      throw new RangeError(`collate: sample ${i} is a ${t.dtype} tensor of shape [${t.shape.join(", ")}], sample 0 a ${first.dtype} tensor of shape [${first.shape.join(", ")}]; all samples of a batch must match`);
    }
    out.set(contiguousValues(t), i * size);
  });
  return new Tensor(out, [ts.length, ...first.shape]);
}

/**
 * PyTorch's default_collate: tensors are stacked; numbers become a float32 tensor (as
 * tensor() makes them; give class labels as int32 tensors to get int32 batches); booleans
 * a bool tensor; arrays and objects are collated position by position, key by key.
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  return collateAny(samples as readonly unknown[]) as Collated<T>;
}

function kind(v: unknown): string {
  return v instanceof Tensor ? "tensor" : Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
}

function collateAny(samples: readonly unknown[]): unknown {
  const first = samples[0];
  const k = kind(first);
  const odd = samples.findIndex((s) => kind(s) !== k);
  if (odd >= 0) throw new TypeError(`collate: sample ${odd} is a ${kind(samples[odd])} where sample 0 is a ${k}`);
  if (first instanceof Tensor) return stackTensors(samples as Tensor[]);
  if (typeof first === "number") return new Tensor(Float32Array.from(samples as number[]), [samples.length]);
  if (typeof first === "boolean") return new Tensor(Uint8Array.from(samples as boolean[], (b) => (b ? 1 : 0)), [samples.length]);
  if (Array.isArray(first)) {
    for (const s of samples as unknown[][]) {
      if (s.length !== first.length) throw new RangeError(`collate: samples are arrays of different lengths (${first.length} and ${s.length})`);
    }
    return first.map((_, j) => collateAny(samples.map((s) => (s as unknown[])[j])));
  }
  if (typeof first === "object" && first !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = collateAny(samples.map((s) => (s as Record<string, unknown>)[key]));
    return out;
  }
  throw new TypeError(`collate: cannot batch samples of type ${first === null ? "null" : typeof first}; pass a collate function`);
}
