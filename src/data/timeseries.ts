import { Tensor } from "../tensor/tensor.js";
import { DataError } from "./errors.js";
import { type NumericArray, Table, cellValue } from "./table.js";

export interface SlidingWindowOptions {
  /** Rows per input window. */
  window: number;
  /** How far past a window's last row the target lies (default 1: the next row; 0: the last row itself, for "point"). */
  horizon?: number;
  /** Rows between the starts of consecutive windows (default 1). */
  stride?: number;
  /** Input columns (names for a table, indices for a tensor); default: every column except groupBy. */
  featureColumns?: readonly (string | number)[];
  /** Columns to predict; default: the feature columns (forecast the whole series). */
  targetColumns?: readonly (string | number)[];
  /**
   * "point" (default): the targets `horizon` rows after the window → [N, targets];
   * "sequence": the `horizon` rows after the window → [N, horizon, targets];
   * "max": the largest value over those rows → [N, targets] — for a 0/1 failure flag,
   * 1 when a failure happens within the horizon.
   */
  target?: "point" | "sequence" | "max";
  /** A column (a machine or engine id) whose runs of equal values are separate series: no window spans two. */
  groupBy?: string;
}

export interface Windows {
  /** float32 [N, window, features]. */
  inputs: Tensor;
  /** float32 [N, targets], or [N, horizon, targets] for target "sequence". */
  targets: Tensor;
  /** The row where each window starts. */
  starts: Int32Array;
  featureNames: string[];
  targetNames: string[];
}

function names(t: Table, cols: readonly (string | number)[] | undefined, fallback: string[], what: string): string[] {
  if (!cols) return fallback;
  return cols.map((c) => {
    if (typeof c === "number") {
      if (!Number.isInteger(c) || c < 0 || c >= t.numColumns) throw new RangeError(`slidingWindows: ${what} index ${c} is out of range for ${t.numColumns} columns`);
      return t.columns[c].name;
    }
    t.column(c);
    return c;
  });
}

function numeric(t: Table, name: string): NumericArray {
  const col = t.column(name);
  if (col.type === "categorical") throw new DataError("slidingWindows: the column is categorical; encode it first", { file: t.file, column: name });
  for (let r = 0; r < t.numRows; r++) if (Number.isNaN(col.values[r])) throw t.errorAt(r, name, "slidingWindows: missing value; impute it first");
  return col.values;
}

/** [start, end) row ranges of the separate series. */
function segments(t: Table, groupBy: string | undefined): [number, number][] {
  if (groupBy === undefined) return [[0, t.numRows]];
  const col = t.column(groupBy);
  const out: [number, number][] = [];
  let start = 0;
  for (let r = 1; r <= t.numRows; r++) {
    if (r === t.numRows || cellValue(col, r) !== cellValue(col, r - 1)) {
      out.push([start, r]);
      start = r;
    }
  }
  return out;
}

function intAtLeast(v: number, what: string, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`slidingWindows: ${what} must be an integer of at least ${min}, got ${v}`);
  return v;
}

/**
 * Cuts a time series — a table of sensor readings in time order, or a tensor [T, F] —
 * into overlapping windows for forecasting and failure prediction: window i holds rows
 * s..s+window-1 of the feature columns, and its target comes from the rows after it.
 * Series shorter than one window plus the horizon give no windows.
 */
export function slidingWindows(source: Table | Tensor, options: SlidingWindowOptions): Windows {
  const t = source instanceof Tensor ? Table.fromTensor(source) : source;
  if (source instanceof Tensor && options.groupBy !== undefined) throw new TypeError("slidingWindows: groupBy needs a table");
  const window = intAtLeast(options.window, "window", 1);
  const stride = intAtLeast(options.stride ?? 1, "stride", 1);
  const mode = options.target ?? "point";
  const horizon = intAtLeast(options.horizon ?? 1, "horizon", mode === "point" ? 0 : 1);
  const featureNames = names(t, options.featureColumns, t.names.filter((n) => n !== options.groupBy), "feature");
  const targetNames = names(t, options.targetColumns, featureNames, "target");
  const features = featureNames.map((n) => numeric(t, n));
  const targets = targetNames.map((n) => numeric(t, n));
  const starts: number[] = [];
  for (const [begin, end] of segments(t, options.groupBy)) {
    // The last row a window starting at s needs is s + window - 1 + horizon.
    for (let s = begin; s + window - 1 + horizon < end; s += stride) starts.push(s);
  }
  if (starts.length === 0) {
    throw new DataError(`slidingWindows: no series has the ${window + horizon} rows one window of ${window} plus a horizon of ${horizon} needs`, { file: t.file });
  }
  const F = features.length;
  const T = targets.length;
  const n = starts.length;
  const inputs = new Float32Array(n * window * F);
  const steps = mode === "sequence" ? horizon : 1;
  const out = new Float32Array(n * steps * T);
  starts.forEach((s, i) => {
    for (let k = 0; k < window; k++) for (let f = 0; f < F; f++) inputs[(i * window + k) * F + f] = features[f][s + k];
    const last = s + window - 1;
    for (let j = 0; j < T; j++) {
      const v = targets[j];
      if (mode === "point") out[i * T + j] = v[last + horizon];
      else if (mode === "sequence") for (let k = 0; k < horizon; k++) out[(i * horizon + k) * T + j] = v[last + 1 + k];
      else {
        let m = -Infinity;
        for (let k = 1; k <= horizon; k++) m = Math.max(m, v[last + k]);
        out[i * T + j] = m;
      }
    }
  });
  return {
    inputs: new Tensor(inputs, [n, window, F]),
    targets: new Tensor(out, mode === "sequence" ? [n, horizon, T] : [n, T]),
    starts: Int32Array.from(starts),
    featureNames,
    targetNames,
  };
}
