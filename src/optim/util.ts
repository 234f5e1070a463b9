import { K } from "../backend/index.js";
import { f32 } from "../ops/util.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * Merges `options` over `defaults`, rejecting keys the defaults do not know (a misspelt
 * option would otherwise train silently with its default) and values of the wrong type.
 * Undefined values fall back to the default.
 */
export function withDefaults<D extends object>(owner: string, options: object, defaults: D): D {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(options)) {
    if (!(key in defaults)) {
      throw new TypeError(`${owner}: unknown option '${key}' (known: ${Object.keys(defaults).join(", ")})`);
    }
    if (value === undefined) continue;
    const def = (defaults as Record<string, unknown>)[key];
    if (def !== undefined && def !== null && typeof value !== typeof def) {
      throw new TypeError(`${owner}: option '${key}' must be a ${typeof def}, got ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  return out as D;
}

/** Throws unless `value` is a number >= 0 (NaN fails too). */
export function checkNonNegative(owner: string, name: string, value: unknown): void {
  if (!(typeof value === "number" && value >= 0)) {
    const shown = typeof value === "number" ? String(value) : JSON.stringify(value);
    throw new RangeError(`${owner}: invalid ${name} ${shown} (must be a number >= 0)`);
  }
}

/** A deep copy of plain data: tensors get their own storage, arrays and plain objects are copied. */
export function cloneValue<T>(value: T): T {
  if (value instanceof Tensor) return new Tensor(value.toArray(), value.shape) as T;
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneValue(v)])) as T;
  }
  return value;
}

/**
 * Runs `update` over t's elements as one contiguous Float32Array and keeps the result in t:
 * a contiguous t is updated in place; a strided view is gathered, updated and copied back.
 */
export function updateInPlace(t: Tensor, update: (data: Float32Array) => void): void {
  if (t.dtype !== "float32") throw new TypeError(`expected a float32 tensor, got ${t.dtype} of shape ${fmtShape(t.shape)}`);
  if (t.isContiguous()) {
    update((t.data as Float32Array).subarray(t.offset, t.offset + t.numel()));
    return;
  }
  const data = f32(t);
  update(data);
  K.copy(new Tensor(data, t.shape), t);
}

/** p.grad as a contiguous Float32Array, negated (into a copy) when maximizing. */
export function gradValues(p: Tensor, maximize: boolean): Float32Array {
  const grad = p.grad as Tensor;
  if (!shapesEqual(grad.shape, p.shape)) {
    throw new RangeError(`optimizer: gradient of shape ${fmtShape(grad.shape)} does not match its parameter of shape ${fmtShape(p.shape)}`);
  }
  const g = f32(grad);
  if (!maximize) return g;
  const neg = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) neg[i] = -g[i];
  return neg;
}
