import { Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { DataError } from "./errors.js";
import { Table, cellValue } from "./table.js";

/**
 * Seeded splits of row indices, with sklearn's conventions: a size is a fraction of the
 * rows (0 < f < 1) or a count; the test part gets ceil(f·n) rows; stratification keeps each
 * class's share in every part. The same seed gives the same split.
 */

export type Labels = ArrayLike<string | number | boolean | null> | Tensor;

export interface SplitOptions {
  /** Seed for the shuffle (default 0). */
  seed?: number;
  /** Shuffle before splitting (default true); false keeps the row order: first rows train, last rows test. */
  shuffle?: boolean;
  /** A class label per row, or with a table the name of the label column: each part keeps the class proportions. */
  stratify?: Labels | string;
}

export interface TrainTestSplitOptions extends SplitOptions {
  /** The test part: a fraction of the rows or a count (default 0.25, as sklearn). */
  testSize?: number;
}

export interface TrainValTestSplitOptions extends SplitOptions {
  /** The validation part, as a fraction of all rows or a count (default 0.15). */
  valSize?: number;
  /** The test part, as a fraction of all rows or a count (default 0.15). */
  testSize?: number;
}

export interface TrainTestIndices {
  train: Int32Array;
  test: Int32Array;
}

export interface TrainValTestIndices extends TrainTestIndices {
  val: Int32Array;
}

function count(size: number, n: number, what: string): number {
  if (size > 0 && size < 1) return Math.ceil(size * n);
  if (Number.isInteger(size) && size >= 0 && size <= n) return size;
  throw new RangeError(`${what} must be a fraction in (0, 1) or a count of rows in [0, ${n}], got ${size}`);
}

/** Row labels as text keys (classes), from an array, a tensor or a table column. */
function labelKeys(stratify: Labels | string, n: number, table: Table | null): string[] {
  let keys: string[];
  if (typeof stratify === "string") {
    if (!table) throw new TypeError(`stratify: a column name ("${stratify}") needs a table to split`);
    const col = table.column(stratify);
    keys = [];
    for (let r = 0; r < n; r++) {
      const v = cellValue(col, r);
      if (v === null) throw table.errorAt(r, stratify, "stratify: the label is missing");
      keys.push(String(v));
    }
    return keys;
  }
  const values = stratify instanceof Tensor ? stratify.toArray() : stratify;
  if (values.length !== n) throw new RangeError(`stratify: ${values.length} labels for ${n} rows`);
  keys = Array.from(values as ArrayLike<unknown>, (v, i) => {
    if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) throw new DataError("stratify: the label is missing", { line: i + 1 });
    return String(v);
  });
  return keys;
}

/** Row indices grouped by class, classes in order of first appearance. */
function byClass(keys: readonly string[]): Int32Array[] {
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => {
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(i);
  });
  return [...groups.values()].map((g) => Int32Array.from(g));
}

function shuffleInPlace(a: Int32Array, g: Generator): Int32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

function range(start: number, end: number): Int32Array {
  const out = new Int32Array(Math.max(0, end - start));
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}

/**
 * How many of each class go to a part of `total` rows: proportional shares, rounded down,
 * with the rows left over going to the classes with the largest remainders (sklearn's
 * approximate mode), ties to the larger class.
 */
function allocate(classSizes: readonly number[], total: number): number[] {
  const n = classSizes.reduce((a, b) => a + b, 0);
  const exact = classSizes.map((c) => (c * total) / n);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = classSizes.map((_, i) => i).sort((a, b) => exact[b] - out[b] - (exact[a] - out[a]) || classSizes[b] - classSizes[a] || a - b);
  for (const i of order) {
    if (left === 0) break;
    out[i]++;
    left--;
  }
  return out;
}

/** Splits rows into parts of `sizes` rows and the rest: [part 0, part 1, …, rest]. */
function splitRows(n: number, sizes: readonly number[], opts: SplitOptions, table: Table | null): Int32Array[] {
  const shuffle = opts.shuffle ?? true;
  const g = new Generator(opts.seed ?? 0);
  const rest = n - sizes.reduce((a, b) => a + b, 0);
  if (rest < 0) throw new RangeError(`split: the parts (${sizes.join(" + ")} rows) are larger than the ${n} rows`);
  if (opts.stratify === undefined) {
    const order = shuffle ? shuffleInPlace(range(0, n), g) : range(0, n);
    // The rest (train) comes first in row order, so an unshuffled split trains on the
    // earliest rows and tests on the latest, as sklearn does.
    const parts: Int32Array[] = [];
    let at = rest;
    for (const s of sizes) {
      parts.push(order.slice(at, at + s));
      at += s;
    }
    parts.push(order.slice(0, rest));
    return parts;
  }
  if (!shuffle) throw new TypeError("split: stratify needs shuffle (a stratified split of rows in file order is not defined)");
  const keys = labelKeys(opts.stratify, n, table);
  const classes = byClass(keys);
  const tooSmall = classes.find((c) => c.length < 2);
  if (tooSmall) throw new DataError(`split: class "${keys[tooSmall[0]]}" has only 1 row; stratification needs at least 2 per class`, { file: table?.file ?? null });
  const pools = classes.map((c) => shuffleInPlace(c.slice(), g));
  const taken = pools.map(() => 0);
  const parts: Int32Array[] = [];
  let remaining = n;
  for (const s of sizes) {
    // Each part takes its share of what is left, so later parts keep the proportions too.
    const shares = allocate(pools.map((p, i) => p.length - taken[i]), s);
    const part: number[] = [];
    pools.forEach((p, i) => {
      for (let k = 0; k < shares[i]; k++) part.push(p[taken[i]++]);
    });
    parts.push(shuffleInPlace(Int32Array.from(part), g));
    remaining -= s;
  }
  const last: number[] = [];
  pools.forEach((p, i) => {
    for (let k = taken[i]; k < p.length; k++) last.push(p[k]);
  });
  parts.push(shuffleInPlace(Int32Array.from(last), g));
  return parts;
}

function rowsOf(data: number | Table): { n: number; table: Table | null } {
  if (data instanceof Table) return { n: data.numRows, table: data };
  if (!Number.isInteger(data) || data < 0) throw new RangeError(`split: the number of rows must be a non-negative integer, got ${data}`);
  return { n: data, table: null };
}

/**
 * Splits `n` rows (or a table's rows) into train and test, as sklearn's train_test_split.
 * With a table it returns the two tables; with a number, the row indices.
 */
export function trainTestSplit(data: Table, options?: TrainTestSplitOptions): { train: Table; test: Table };
export function trainTestSplit(n: number, options?: TrainTestSplitOptions): TrainTestIndices;
export function trainTestSplit(data: number | Table, options: TrainTestSplitOptions = {}): TrainTestIndices | { train: Table; test: Table } {
  const { n, table } = rowsOf(data);
  const nTest = count(options.testSize ?? 0.25, n, "trainTestSplit: testSize");
  const [test, train] = splitRows(n, [nTest], options, table);
  return table ? { train: table.take(train), test: table.take(test) } : { train, test };
}

/** Splits rows into train, validation and test parts (sizes relative to all rows). */
export function trainValTestSplit(data: Table, options?: TrainValTestSplitOptions): { train: Table; val: Table; test: Table };
export function trainValTestSplit(n: number, options?: TrainValTestSplitOptions): TrainValTestIndices;
export function trainValTestSplit(data: number | Table, options: TrainValTestSplitOptions = {}): TrainValTestIndices | { train: Table; val: Table; test: Table } {
  const { n, table } = rowsOf(data);
  const nTest = count(options.testSize ?? 0.15, n, "trainValTestSplit: testSize");
  const nVal = count(options.valSize ?? 0.15, n, "trainValTestSplit: valSize");
  const [val, test, train] = splitRows(n, [nVal, nTest], options, table);
  return table ? { train: table.take(train), val: table.take(val), test: table.take(test) } : { train, val, test };
}

export interface KFoldOptions {
  /** Number of folds (default 5). */
  k?: number;
  /** Shuffle rows before making folds (default false, as sklearn). */
  shuffle?: boolean;
  seed?: number;
}

function checkK(k: number, n: number, op: string): void {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`${op}: k must be an integer of at least 2, got ${k}`);
  if (k > n) throw new RangeError(`${op}: k = ${k} folds need at least ${k} rows, got ${n}`);
}

/** k (train, test) index pairs; every row is in exactly one test fold; the first n % k folds have one row more. */
export function kFold(n: number, options: KFoldOptions = {}): TrainTestIndices[] {
  const k = options.k ?? 5;
  checkK(k, n, "kFold");
  const order = options.shuffle ? shuffleInPlace(range(0, n), new Generator(options.seed ?? 0)) : range(0, n);
  const folds: number[][] = [];
  let at = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    folds.push(Array.from(order.subarray(at, at + size)));
    at += size;
  }
  return foldsToSplits(folds);
}

/**
 * k folds that each keep the class proportions: each class's rows (shuffled if asked)
 * are dealt to the folds in turn, carrying on from where the previous class stopped, so
 * fold sizes differ by at most one. A class with fewer than k rows is absent from some folds.
 */
export function stratifiedKFold(labels: Labels, options: KFoldOptions = {}): TrainTestIndices[] {
  const n = labels instanceof Tensor ? labels.numel() : labels.length;
  const k = options.k ?? 5;
  checkK(k, n, "stratifiedKFold");
  const classes = byClass(labelKeys(labels, n, null));
  if (classes.every((c) => c.length < k)) throw new RangeError(`stratifiedKFold: k = ${k} is more than the rows of every class`);
  const g = new Generator(options.seed ?? 0);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let f = 0;
  for (const c of classes) {
    const rows = options.shuffle ? shuffleInPlace(c.slice(), g) : c;
    for (const r of rows) {
      folds[f].push(r);
      f = (f + 1) % k;
    }
  }
  return foldsToSplits(folds);
}

function foldsToSplits(folds: number[][]): TrainTestIndices[] {
  return folds.map((test, f) => {
    const train: number[] = [];
    folds.forEach((other, j) => {
      if (j !== f) for (const r of other) train.push(r);
    });
    return { train: Int32Array.from(train.sort((a, b) => a - b)), test: Int32Array.from(test.sort((a, b) => a - b)) };
  });
}
