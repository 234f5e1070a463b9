import type { DType, TypedArray } from "./dtype.js";
import type { Shape } from "./shape.js";

const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

/**
 * PyTorch-like printing of row-major `values`: aligned columns, 4 decimals (or scientific
 * notation when magnitudes call for it), and past 1000 elements only the first and last
 * three entries of each dim around "...". An empty tensor prints as "[]" whatever its
 * shape. Continuation lines are indented by `indent`
 * columns plus their depth, so the text lines up after a prefix such as "tensor(".
 */
export function formatTensor(values: TypedArray, shape: Shape, dtype: DType, indent = 0): string {
  if (values.length === 0) return "[]";
  const summarise = values.length > SUMMARY_THRESHOLD;
  const shown = (n: number): (number | null)[] => {
    if (summarise && n > 2 * EDGE_ITEMS) {
      return [...range(0, EDGE_ITEMS), null, ...range(n - EDGE_ITEMS, n)];
    }
    return range(0, n);
  };
  // The flat positions of the printed elements, nested by dim, with null for "...".
  const walk = (dim: number, base: number): Layout => {
    if (dim === shape.length) return base;
    let stride = 1;
    for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
    return shown(shape[dim]).map((i) => (i === null ? null : walk(dim + 1, base + i * stride)));
  };
  const layout = walk(0, 0);
  const printed: number[] = [];
  const collect = (node: Layout): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node !== null) printed.push(values[node]);
  };
  collect(layout);
  const fmt = pickFormatter(printed, dtype);
  const width = Math.max(0, ...printed.map((v) => fmt(v).length));

  const render = (node: Layout, dim: number): string => {
    if (node === null) return "...";
    if (!Array.isArray(node)) return fmt(values[node]).padStart(width);
    const blankLines = "\n".repeat(Math.max(0, shape.length - dim - 2));
    const sep = dim === shape.length - 1 ? ", " : ",\n" + blankLines + " ".repeat(indent + dim + 1);
    return "[" + node.map((child) => render(child, dim + 1)).join(sep) + "]";
  };
  return render(layout, 0);
}

type Layout = number | null | Layout[];

function range(start: number, end: number): number[] {
  return Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
}

function nonFinite(v: number): string {
  return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

/** Scientific notation with PyTorch's two-digit exponent: 1.0000e-06. */
function scientific(v: number): string {
  return v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2");
}

/**
 * PyTorch's choice of float format: "1." when every finite value is an integer, else 4
 * decimals; scientific when the largest magnitude reaches 1e8, or, for non-integers, when
 * the smallest nonzero magnitude is below 1e-4 or the two are more than 1000 apart.
 */
function pickFormatter(values: readonly number[], dtype: DType): (v: number) => string {
  if (dtype === "bool") return (v) => (v ? "true" : "false");
  if (dtype === "int32") return (v) => String(v);
  let maxAbs = 0;
  let minAbs = Infinity;
  let allInt = true;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const a = Math.abs(v);
    if (a !== 0) {
      maxAbs = Math.max(maxAbs, a);
      minAbs = Math.min(minAbs, a);
    }
    if (!Number.isInteger(v)) allInt = false;
  }
  const sci = maxAbs >= 1e8 || (!allInt && maxAbs > 0 && (minAbs < 1e-4 || maxAbs / minAbs > 1000));
  const finite = sci ? scientific : allInt ? (v: number) => v.toFixed(0) + "." : (v: number) => v.toFixed(4);
  return (v) => (Number.isFinite(v) ? finite(v) : nonFinite(v));
}
