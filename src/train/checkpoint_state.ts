import { Tensor } from "../tensor/tensor.js";

/**
 * Training state (optimizer state dicts, callback states) is plain data with tensors in it,
 * and numbers JSON cannot hold (an early stopper's best of Infinity, a NaN metric). It is
 * stored as JSON in which each tensor is replaced by {"$tensor": key}, the tensors going to
 * a safetensors file under those keys, and each non-finite number by {"$number": "NaN"}.
 */

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** `value` as JSON-safe data, with its tensors moved into `tensors` under their dotted paths. */
export function encodeState(value: unknown, tensors: Record<string, Tensor>, path: string): unknown {
  if (value instanceof Tensor) {
    tensors[path] = value;
    return { $tensor: path };
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : { $number: String(value) };
  if (Array.isArray(value)) return value.map((v, i) => encodeState(v, tensors, `${path}.${i}`));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeState(v, tensors, `${path}.${k}`)]));
  }
  if (value === null || typeof value === "string" || typeof value === "boolean" || value === undefined) return value;
  throw new TypeError(`checkpoint: cannot save ${path}: a ${(value as object).constructor?.name ?? typeof value} is neither plain data nor a Tensor`);
}

/** The data encodeState made, with its tensors and numbers put back. */
export function decodeState(value: unknown, tensors: Record<string, Tensor>): unknown {
  if (Array.isArray(value)) return value.map((v) => decodeState(v, tensors));
  if (!isPlainObject(value)) return value;
  if (typeof value.$tensor === "string") {
    const t = tensors[value.$tensor];
    if (!t) throw new RangeError(`checkpoint: the state refers to tensor "${value.$tensor}", which its tensor file lacks`);
    return t;
  }
  if (typeof value.$number === "string") return Number(value.$number);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeState(v, tensors)]));
}
