import type { DType, TypedArray } from "./dtype.js";
import type { Shape } from "./shape.js";

/** PyTorch-like printing: aligned columns, 4 decimals, summarised past 1000 elements. */
export function formatTensor(values: TypedArray, shape: Shape, dtype: DType): string {
  const summarise = values.length > 1000;
  const edge = 3;
  const fmt = pickFormatter(values, dtype);
  const width = Math.max(1, ...Array.from(sample(values), (v) => fmt(v).length));
  const cell = (v: number) => fmt(v).padStart(width);

  const rec = (dim: number, base: number, indent: string): string => {
    if (shape.length === 0) return cell(values[0]);
    const n = shape[dim];
    let stride = 1;
    for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
    const idxs: (number | null)[] = [];
    if (summarise && n > 2 * edge) {
      for (let i = 0; i < edge; i++) idxs.push(i);
      idxs.push(null);
      for (let i = n - edge; i < n; i++) idxs.push(i);
    } else {
      for (let i = 0; i < n; i++) idxs.push(i);
    }
    if (dim === shape.length - 1) {
      return "[" + idxs.map((i) => (i === null ? "..." : cell(values[base + i]))).join(", ") + "]";
    }
    const sep = ",\n" + "\n".repeat(shape.length - dim - 2) + indent + " ";
    return "[" + idxs.map((i) => (i === null ? "..." : rec(dim + 1, base + i * stride, indent + " "))).join(sep) + "]";
  };
  return rec(0, 0, "");
}

function* sample(values: TypedArray): Iterable<number> {
  const n = values.length;
  if (n <= 1000) yield* values;
  else for (let i = 0; i < n; i += Math.ceil(n / 1000)) yield values[i];
}

function pickFormatter(values: TypedArray, dtype: DType): (v: number) => string {
  if (dtype === "bool") return (v) => (v ? "true" : "false");
  if (dtype === "int32") return (v) => String(v);
  let maxAbs = 0;
  let allInt = true;
  for (const v of sample(values)) {
    if (Number.isFinite(v)) {
      maxAbs = Math.max(maxAbs, Math.abs(v));
      if (!Number.isInteger(v)) allInt = false;
    }
  }
  if (maxAbs >= 1e8 || (maxAbs > 0 && maxAbs < 1e-4)) return (v) => (Number.isFinite(v) ? v.toExponential(4) : String(v));
  if (allInt) return (v) => (Number.isFinite(v) ? v.toFixed(0) + "." : String(v));
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : String(v));
}
