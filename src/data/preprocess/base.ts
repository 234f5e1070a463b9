import { Tensor } from "../../tensor/tensor.js";
import { DataError } from "../errors.js";
import { type CellValue, type Column, Table, cellValue } from "../table.js";

/** Where a preprocessor reports treatments it applied to the data (imputation, unknown categories). */
export interface TransformContext {
  log?: (message: string) => void;
}

/** The saved form of a fitted preprocessor: its kind, the columns it was fitted on, its settings and statistics. */
export interface PreprocessorJSON {
  type: string;
  columns: string[];
  [key: string]: unknown;
}

/**
 * A preprocessing step with sklearn's life cycle: `fit` learns statistics from the
 * training split only, `transform` applies them to any split, and `toJSON` saves them
 * with the model. Steps work column by column on a Table (or on the columns of a 2-d
 * tensor, named x0, x1, …); `transform` reads the columns seen by `fit` by name, so extra
 * columns are ignored and a missing one is an error that names it.
 */
export abstract class Preprocessor {
  /** The class name, saved in the JSON form. */
  abstract readonly type: string;
  /** The columns seen by fit, in order. */
  protected fittedColumns: string[] | null = null;

  protected abstract fitTable(t: Table): void;
  protected abstract transformTable(t: Table, ctx: TransformContext): Table;
  /** Settings and learned statistics, without `type` and `columns`. */
  protected abstract stateJSON(): Record<string, unknown>;

  get fitted(): boolean {
    return this.fittedColumns !== null;
  }

  /** The column names seen by fit. */
  get columns(): string[] {
    return this.requireFitted().slice();
  }

  fit(x: Table | Tensor): this {
    const t = x instanceof Tensor ? Table.fromTensor(x) : x;
    this.fitTable(t);
    this.fittedColumns = t.names;
    return this;
  }

  transform(x: Table, ctx?: TransformContext): Table;
  transform(x: Tensor, ctx?: TransformContext): Tensor;
  transform(x: Table | Tensor, ctx: TransformContext = {}): Table | Tensor {
    const cols = this.requireFitted();
    if (x instanceof Tensor) {
      if (x.ndim !== 2 || x.shape[1] !== cols.length) {
        throw new RangeError(`${this.type}.transform: expected a tensor [rows, ${cols.length}], got shape [${x.shape.join(", ")}]`);
      }
      return this.transformTable(Table.fromTensor(x, cols), ctx).toTensor();
    }
    for (const c of cols) {
      if (!x.has(c)) throw new DataError(`${this.type}: column "${c}", seen in fit, is not in the data`, { file: x.file });
    }
    return this.transformTable(x.select(cols), ctx);
  }

  fitTransform(x: Table, ctx?: TransformContext): Table;
  fitTransform(x: Tensor, ctx?: TransformContext): Tensor;
  fitTransform(x: Table | Tensor, ctx: TransformContext = {}): Table | Tensor {
    this.fit(x);
    return x instanceof Tensor ? this.transform(x, ctx) : this.transform(x, ctx);
  }

  toJSON(): PreprocessorJSON {
    const columns = this.requireFitted().slice();
    return { type: this.type, columns, ...this.stateJSON() };
  }

  protected requireFitted(): string[] {
    if (!this.fittedColumns) throw new Error(`${this.type}: not fitted yet; call fit() on the training data first`);
    return this.fittedColumns;
  }

  /** Restores the fitted columns from a saved form (for fromJSON). */
  protected restoreColumns(json: PreprocessorJSON): this {
    this.fittedColumns = json.columns.slice();
    return this;
  }
}

/** Checks a saved form before it is trusted: its type, its columns, and per-column arrays of the right length. */
export function checkJSON(json: unknown, type: string, perColumn: readonly string[]): PreprocessorJSON {
  const j = json as PreprocessorJSON;
  if (typeof j !== "object" || j === null || j.type !== type) throw new TypeError(`${type}.fromJSON: not a saved ${type} (type ${JSON.stringify((j as { type?: unknown })?.type)})`);
  if (!Array.isArray(j.columns) || !j.columns.every((c) => typeof c === "string")) throw new TypeError(`${type}.fromJSON: "columns" must be an array of names`);
  for (const key of perColumn) {
    const v = j[key];
    if (!Array.isArray(v) || v.length !== j.columns.length) throw new TypeError(`${type}.fromJSON: "${key}" must be an array with one entry per column (${j.columns.length})`);
  }
  return j;
}

/** JSON has no NaN or Infinity; statistics are finite, but say so rather than load null as 0. */
export function checkNumbers(values: unknown[], type: string, key: string): number[] {
  for (const v of values) if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${type}.fromJSON: "${key}" must hold finite numbers, got ${JSON.stringify(v)}`);
  return values as number[];
}

/** A column's values as category keys (strings), or null where missing. */
export function categoryKey(col: Column, row: number): string | null {
  const v: CellValue = cellValue(col, row);
  return v === null ? null : String(v);
}

/** Categories in sklearn's order: numerically for number columns, by code point for text. */
export function sortCategories(col: Column, keys: Iterable<string>): string[] {
  const out = [...keys];
  if (col.type === "numeric") return out.sort((a, b) => Number(a) - Number(b));
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The numeric values of a column, or an error naming it when it holds text. */
export function numericValues(col: Column, t: Table, type: string, hint: string): Float64Array | Float32Array {
  if (col.type === "categorical") throw new DataError(`${type}: the column is categorical; ${hint}`, { file: t.file, column: col.name });
  return col.values;
}
