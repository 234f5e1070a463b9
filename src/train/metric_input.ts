import { Tensor } from "../tensor/tensor.js";

/** What a metric takes: a tensor, a flat array of numbers or booleans, or rows of numbers. */
export type MetricInput = Tensor | ArrayLike<number | boolean> | readonly ArrayLike<number>[];

/** A metric input as float64 values in rows: 1-d inputs are one column (ndim 1). */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
  ndim: 1 | 2;
}

/**
 * A value is undefined for this data (ROC AUC with one class in yTrue, log-loss with one
 * label): sklearn raises here too. fit and evaluate catch it and report NaN, so an unlucky
 * validation batch does not end a training run.
 */
export class UndefinedMetricError extends RangeError {
  override name = "UndefinedMetricError";
}

function isRows(x: object): x is readonly ArrayLike<number>[] {
  const first = (x as ArrayLike<unknown>)[0];
  return typeof first === "object" && first !== null && "length" in first;
}

/** Reads a metric input as a matrix, checking that it is 1-d or 2-d, not empty, and all finite. */
export function toMatrix(op: string, what: string, x: MetricInput): Matrix {
  let m: Matrix;
  if (x instanceof Tensor) {
    if (x.ndim !== 1 && x.ndim !== 2) throw new RangeError(`${op}: ${what} must be 1-d or 2-d, got shape [${x.shape.join(", ")}]`);
    m = { data: Float64Array.from(x.toArray()), rows: x.shape[0], cols: x.ndim === 2 ? x.shape[1] : 1, ndim: x.ndim };
  } else if (isRows(x)) {
    const cols = x[0].length;
    const data = new Float64Array(x.length * cols);
    x.forEach((row, r) => {
      if (row.length !== cols) throw new RangeError(`${op}: ${what} row ${r} has ${row.length} values, row 0 has ${cols}`);
      for (let c = 0; c < cols; c++) data[r * cols + c] = Number(row[c]);
    });
    m = { data, rows: x.length, cols, ndim: 2 };
  } else {
    m = { data: Float64Array.from(x as ArrayLike<number | boolean>, Number), rows: x.length, cols: 1, ndim: 1 };
  }
  if (m.rows === 0) throw new RangeError(`${op}: ${what} is empty`);
  const bad = m.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${op}: ${what} holds ${m.data[bad]} at flat index ${bad}; metrics need finite values`);
  return m;
}

/** Reads a 1-d input (an [N, 1] column is accepted too). */
export function toVector(op: string, what: string, x: MetricInput): Float64Array {
  const m = toMatrix(op, what, x);
  if (m.cols !== 1) throw new RangeError(`${op}: ${what} must be 1-d, got ${m.rows} rows of ${m.cols} values`);
  return m.data;
}

export function checkSameRows(op: string, a: { rows: number } | ArrayLike<number>, b: { rows: number } | ArrayLike<number>): void {
  const n = (v: { rows: number } | ArrayLike<number>): number => ("rows" in v ? v.rows : v.length);
  if (n(a) !== n(b)) throw new RangeError(`${op}: yTrue has ${n(a)} samples, the predictions ${n(b)}`);
}

/** The distinct values of the arrays, ascending (sklearn's unique_labels). */
export function uniqueSorted(...arrays: ArrayLike<number>[]): number[] {
  const set = new Set<number>();
  for (const a of arrays) for (let i = 0; i < a.length; i++) set.add(a[i]);
  return [...set].sort((x, y) => x - y);
}
