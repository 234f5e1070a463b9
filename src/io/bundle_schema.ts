import type { CsvOptions } from "../data/csv.js";
import { DataError } from "../data/errors.js";
import { parserFor } from "../data/infer.js";
import { type Column, type ColumnType, Table, cellValue } from "../data/table.js";
import type { ColumnSpec, FeatureSchema } from "./bundle_manifest.js";

/**
 * The feature schema of a bundle: which columns the model reads and as what type. Data
 * to predict is brought to that schema — read with it (a CSV), or converted to it (a table
 * or JSON records) — so a cell that does not fit is an error naming its row and column,
 * not a silently wrong prediction.
 */

/** The schema of `features` in the training table: types, each categorical column's values, and the missing-value cells if not the defaults. */
export function featureSchema(train: Table, features: readonly string[], dropped: FeatureSchema["dropped"], missing?: readonly string[]): FeatureSchema {
  const columns = features.map((name): ColumnSpec => {
    const col = train.column(name);
    if (col.type !== "categorical") return { name, type: col.type };
    const seen = new Set<string>();
    for (const v of col.values) if (v !== null) seen.add(v);
    return { name, type: col.type, categories: [...seen].sort() };
  });
  return { columns, dropped: dropped.map((d) => ({ ...d })), ...(missing ? { missing: missing.slice() } : {}) };
}

/** CSV options that read the schema's columns (and the target, for evaluation) with their training types and missing-value cells. */
export function schemaCsvOptions(schema: FeatureSchema, extra: Record<string, ColumnType> = {}): CsvOptions {
  const types = { ...Object.fromEntries(schema.columns.map((c) => [c.name, c.type])), ...extra };
  return { schema: types, ...(schema.missing ? { missing: schema.missing } : {}) };
}

type Located = (message: string) => DataError;

/** One plain value as a value of column type `type` (a number, or a string for categorical); null means missing. */
function convert(v: unknown, type: ColumnType, at: Located): number | string | null {
  if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return type === "categorical" ? null : NaN;
  if (type === "categorical") {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
    throw at(`expected text, got ${JSON.stringify(v)}`);
  }
  if (typeof v === "boolean" && type !== "date") return v ? 1 : 0;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string") {
    const parsed = parserFor(type, ".")(v.trim());
    if (parsed !== undefined) return parsed;
  }
  const want = type === "numeric" ? "a number" : type === "boolean" ? "true/false" : "a date (ISO 8601)";
  throw at(`${JSON.stringify(v)} is not ${want}, and the column was ${type} in training`);
}

function columnOf(spec: ColumnSpec, n: number, value: (row: number) => unknown, at: (row: number) => Located): Column {
  if (spec.type === "categorical") {
    const values = new Array<string | null>(n);
    for (let r = 0; r < n; r++) values[r] = convert(value(r), "categorical", at(r)) as string | null;
    return { name: spec.name, type: "categorical", values };
  }
  const values = new Float64Array(n);
  for (let r = 0; r < n; r++) values[r] = convert(value(r), spec.type, at(r)) as number;
  return { name: spec.name, type: spec.type, values };
}

/**
 * The schema's columns of `table`, each converted to its training type where it differs
 * (numbers in a categorical column become text, text in a numeric column is parsed). A
 * missing column, or a cell that cannot be converted, is an error naming where it is.
 */
export function conformTable(table: Table, schema: FeatureSchema): Table {
  const columns = schema.columns.map((spec): Column => {
    if (!table.has(spec.name)) throw new DataError(`column "${spec.name}", a feature of the model, is not in the data`, { file: table.file });
    const col = table.column(spec.name);
    if (col.type === spec.type) return col;
    return columnOf(spec, table.numRows, (r) => cellValue(col, r), (r) => (msg) => table.errorAt(r, spec.name, msg));
  });
  return new Table(columns, table);
}

/** JSON records (one object per row) as a table of the schema's columns; every record must have every feature (null for missing). */
export function tableFromRecords(records: readonly unknown[], schema: FeatureSchema): Table {
  if (!Array.isArray(records)) throw new TypeError("the records must be an array of objects");
  records.forEach((rec, i) => {
    if (typeof rec !== "object" || rec === null || Array.isArray(rec)) throw new DataError(`the record is not an object`, { line: i + 1 });
    for (const spec of schema.columns) {
      if (!Object.hasOwn(rec, spec.name)) throw new DataError(`no value for "${spec.name}", a feature of the model (use null for a missing value)`, { line: i + 1, column: spec.name });
    }
  });
  const rows = records as Record<string, unknown>[];
  const at = (column: string) => (r: number) => (msg: string) => new DataError(msg, { line: r + 1, column });
  return new Table(schema.columns.map((spec) => columnOf(spec, rows.length, (r) => rows[r][spec.name], at(spec.name))));
}
