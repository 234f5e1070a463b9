import { Tensor } from "../tensor/tensor.js";
import { DataError } from "./errors.js";

/**
 * Column types. `numeric`, `boolean` and `date` columns hold numbers (boolean: 1/0, date:
 * milliseconds since 1970-01-01 UTC) with NaN marking a missing value, so every numeric
 * step can treat them alike; `categorical` columns hold strings with null for missing.
 */
export type ColumnType = "numeric" | "categorical" | "boolean" | "date";

export type NumericArray = Float64Array | Float32Array;

export interface NumberColumn {
  readonly name: string;
  readonly type: "numeric" | "boolean" | "date";
  readonly values: NumericArray;
}

export interface CategoricalColumn {
  readonly name: string;
  readonly type: "categorical";
  readonly values: readonly (string | null)[];
}

export type Column = NumberColumn | CategoricalColumn;

/** One cell as plain JavaScript: dates as ISO strings, booleans as booleans, missing as null. */
export type CellValue = number | string | boolean | null;

export function cellValue(col: Column, row: number): CellValue {
  if (col.type === "categorical") return col.values[row];
  const v = col.values[row];
  if (Number.isNaN(v)) return null;
  if (col.type === "boolean") return v !== 0;
  if (col.type === "date") return new Date(v).toISOString();
  return v;
}

/** The values of `rows` of a column, in that order. */
function takeColumn(col: Column, rows: ArrayLike<number>): Column {
  if (col.type === "categorical") {
    const out = new Array<string | null>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = col.values[rows[i]];
    return { name: col.name, type: col.type, values: out };
  }
  const out = new (col.values.constructor as new (n: number) => NumericArray)(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = col.values[rows[i]];
  return { name: col.name, type: col.type, values: out };
}

export interface TableSource {
  /** The file the rows came from, for error messages. */
  file?: string | null;
  /** The 1-based line in `file` where each row starts. */
  lines?: Int32Array | null;
}

/**
 * A columnar table: equal-length typed columns, and optionally where each row came from,
 * so that a bad value found long after reading (an unseen label at prediction time, a
 * missing value reaching a scaler) is still reported by file and line.
 */
export class Table {
  readonly columns: readonly Column[];
  readonly numRows: number;
  readonly file: string | null;
  readonly lines: Int32Array | null;
  private readonly byName: Map<string, Column>;

  constructor(columns: readonly Column[], source: TableSource = {}) {
    this.columns = columns.slice();
    this.numRows = columns.length ? columns[0].values.length : source.lines?.length ?? 0;
    this.file = source.file ?? null;
    this.lines = source.lines ?? null;
    this.byName = new Map();
    for (const col of columns) {
      if (this.byName.has(col.name)) throw new DataError(`Table: duplicate column name "${col.name}"`);
      if (col.values.length !== this.numRows) {
        throw new DataError(`Table: column "${col.name}" has ${col.values.length} values, column "${columns[0].name}" has ${this.numRows}`);
      }
      this.byName.set(col.name, col);
    }
    if (this.lines && this.lines.length !== this.numRows) {
      throw new DataError(`Table: ${this.lines.length} line numbers for ${this.numRows} rows`);
    }
  }

  /**
   * A table from plain arrays: numbers (NaN or null for missing) make numeric columns,
   * booleans boolean, Date objects date, and strings categorical. Strings are taken as
   * they are, not parsed; `types` forces a column's type (for a numeric column of strings,
   * use the CSV reader instead).
   */
  static fromObject(data: Record<string, ArrayLike<CellValue | Date | undefined>>, types: Record<string, ColumnType> = {}): Table {
    const columns = Object.entries(data).map(([name, values]) => columnFromValues(name, values, types[name]));
    return new Table(columns);
  }

  /** The columns of a 2-d tensor [rows, features] as numeric columns named `names` (x0, x1, … by default). */
  static fromTensor(t: Tensor, names?: readonly string[]): Table {
    if (t.ndim !== 2) throw new RangeError(`Table.fromTensor: expected a 2-d tensor [rows, features], got shape [${t.shape.join(", ")}]`);
    const [rows, cols] = t.shape;
    if (names && names.length !== cols) throw new RangeError(`Table.fromTensor: ${names.length} names for ${cols} columns`);
    const flat = t.toArray();
    const columns: Column[] = [];
    for (let c = 0; c < cols; c++) {
      const values = new Float64Array(rows);
      for (let r = 0; r < rows; r++) values[r] = flat[r * cols + c];
      columns.push({ name: names ? names[c] : `x${c}`, type: "numeric", values });
    }
    return new Table(columns);
  }

  /** The rows of several tables with the same columns, one after another. */
  static concat(tables: readonly Table[]): Table {
    if (tables.length === 0) throw new RangeError("Table.concat: no tables");
    if (tables.length === 1) return tables[0];
    const first = tables[0];
    for (const t of tables) {
      const same = t.columns.length === first.columns.length && t.columns.every((c, i) => c.name === first.columns[i].name && c.type === first.columns[i].type);
      if (!same) throw new DataError(`Table.concat: tables have different columns (${describe(first)} and ${describe(t)})`);
    }
    const total = tables.reduce((n, t) => n + t.numRows, 0);
    const columns = first.columns.map((c, ci): Column => {
      if (c.type === "categorical") {
        const values: (string | null)[] = [];
        for (const t of tables) for (const v of t.columns[ci].values as readonly (string | null)[]) values.push(v);
        return { name: c.name, type: c.type, values };
      }
      const values = new (c.values.constructor as new (n: number) => NumericArray)(total);
      let at = 0;
      for (const t of tables) {
        values.set(t.columns[ci].values as NumericArray, at);
        at += t.numRows;
      }
      return { name: c.name, type: c.type, values };
    });
    let lines: Int32Array | null = null;
    if (tables.every((t) => t.lines)) {
      lines = new Int32Array(total);
      let at = 0;
      for (const t of tables) {
        lines.set(t.lines!, at);
        at += t.numRows;
      }
    }
    return new Table(columns, { file: first.file, lines });
  }

  get numColumns(): number {
    return this.columns.length;
  }

  get names(): string[] {
    return this.columns.map((c) => c.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  column(name: string): Column {
    const col = this.byName.get(name);
    if (!col) throw new DataError(`no column "${name}" (columns: ${this.names.map((n) => `"${n}"`).join(", ")})`, { file: this.file });
    return col;
  }

  /** The named columns, in the order given. */
  select(names: readonly string[]): Table {
    return new Table(names.map((n) => this.column(n)), this);
  }

  /** All columns except the named ones (each of which must exist). */
  drop(names: readonly string[]): Table {
    for (const n of names) this.column(n);
    const dropped = new Set(names);
    return new Table(this.columns.filter((c) => !dropped.has(c.name)), this);
  }

  /** This table with `col` added, or replacing the column of the same name. */
  withColumn(col: Column): Table {
    const columns = this.columns.slice();
    const i = columns.findIndex((c) => c.name === col.name);
    if (i >= 0) columns[i] = col;
    else columns.push(col);
    return new Table(columns, this);
  }

  /** The given rows, in that order (a split, a shuffle); line numbers travel with them. */
  take(rows: ArrayLike<number>): Table {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (!Number.isInteger(r) || r < 0 || r >= this.numRows) throw new RangeError(`Table.take: row index ${r} is out of range for ${this.numRows} rows`);
    }
    let lines: Int32Array | null = null;
    if (this.lines) {
      lines = new Int32Array(rows.length);
      for (let i = 0; i < rows.length; i++) lines[i] = this.lines[rows[i]];
    }
    return new Table(this.columns.map((c) => takeColumn(c, rows)), { file: this.file, lines });
  }

  /** Rows start..end-1. */
  slice(start: number, end = this.numRows): Table {
    const s = Math.max(0, Math.min(start, this.numRows));
    const e = Math.max(s, Math.min(end, this.numRows));
    const rows = new Int32Array(e - s);
    for (let i = 0; i < rows.length; i++) rows[i] = s + i;
    return this.take(rows);
  }

  /** One row as an object of plain values. */
  row(index: number): Record<string, CellValue> {
    if (!Number.isInteger(index) || index < 0 || index >= this.numRows) throw new RangeError(`Table.row: row ${index} is out of range for ${this.numRows} rows`);
    const out: Record<string, CellValue> = {};
    for (const c of this.columns) out[c.name] = cellValue(c, index);
    return out;
  }

  /** The 1-based line (row, for a table built in memory) where row `index` came from. */
  lineOf(index: number): number {
    return this.lines ? this.lines[index] : index + 1;
  }

  /** An error located at a row (and column) of this table. */
  errorAt(index: number, column: string | null, message: string): DataError {
    return new DataError(message, { file: this.file, line: this.lineOf(index), column });
  }

  /**
   * The numeric, boolean and date columns (all of them, or the named ones) as a float32
   * tensor [rows, columns]. A categorical column or a missing value is an error naming
   * where it is: encode and impute first (see ColumnTransformer).
   */
  toTensor(names: readonly string[] = this.names): Tensor {
    const cols = names.map((n) => this.column(n));
    const out = new Float32Array(this.numRows * cols.length);
    cols.forEach((col, c) => {
      if (col.type === "categorical") throw new DataError(`Table.toTensor: column "${col.name}" is categorical; encode it first`, { file: this.file });
      const v = col.values;
      for (let r = 0; r < this.numRows; r++) {
        if (Number.isNaN(v[r])) throw this.errorAt(r, col.name, "missing value; impute it before making a tensor");
        out[r * cols.length + c] = v[r];
      }
    });
    return new Tensor(out, [this.numRows, cols.length]);
  }

  toString(): string {
    return `Table(${this.numRows} rows × ${this.numColumns} columns: ${describe(this)})`;
  }
}

function describe(t: Table): string {
  return t.columns.map((c) => `${c.name}: ${c.type}`).join(", ");
}

function columnFromValues(name: string, values: ArrayLike<CellValue | Date | undefined>, type?: ColumnType): Column {
  const n = values.length;
  const items = Array.from(values);
  const present = items.filter((v) => v !== null && v !== undefined && !(typeof v === "number" && Number.isNaN(v)));
  const inferred: ColumnType =
    type ??
    (present.every((v) => typeof v === "number")
      ? "numeric"
      : present.every((v) => typeof v === "boolean")
        ? "boolean"
        : present.every((v) => v instanceof Date)
          ? "date"
          : "categorical");
  if (inferred === "categorical") {
    return { name, type: inferred, values: items.map((v) => (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v)) ? null : v instanceof Date ? v.toISOString() : String(v))) };
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = items[i];
    if (v === null || v === undefined) out[i] = NaN;
    else if (typeof v === "number") out[i] = v;
    else if (typeof v === "boolean") out[i] = v ? 1 : 0;
    else if (v instanceof Date) out[i] = v.getTime();
    else throw new DataError(`Table.fromObject: value ${JSON.stringify(v)} at row ${i + 1} does not fit column type ${inferred}`, { column: name });
  }
  return { name, type: inferred, values: out };
}
