import { DataError } from "./errors.js";
import { type Column, Table } from "./table.js";

/**
 * Guesses that a command-line tool needs before it can train on an unknown CSV: which
 * columns are row identifiers (to drop), and whether a target is a class or a quantity.
 * Each answer comes with a reason, so the tool can log why it decided.
 */

export interface IdentifierColumn {
  name: string;
  reason: string;
}

export interface DetectIdentifiersOptions {
  /** Columns never reported (the target). */
  exclude?: readonly string[];
  /** Tables with fewer rows are not judged: with a handful of rows, anything is unique. */
  minRows?: number;
}

// "id", "ID", "UDI", "Product ID", "customer_id", "index", "row no" …
const ID_NAME = /(^|[^a-z])(u?id|udi|uuid|index|idx|key|no|number)$|^id[^a-z]/i;

/**
 * Columns whose value is different on every row and says nothing about the row: text
 * unique per row ("Product ID": M14860, L47181, …), and integers unique per row that
 * count rows (1, 2, 3, … in any order) or sit under an identifier-like name ("UDI").
 * Distinct real numbers (measurements) are not identifiers.
 */
export function detectIdentifierColumns(table: Table, options: DetectIdentifiersOptions = {}): IdentifierColumn[] {
  const exclude = new Set(options.exclude ?? []);
  const n = table.numRows;
  if (n < (options.minRows ?? 20)) return [];
  const found: IdentifierColumn[] = [];
  for (const col of table.columns) {
    if (exclude.has(col.name)) continue;
    const reason = identifierReason(col, n);
    if (reason) found.push({ name: col.name, reason });
  }
  return found;
}

function identifierReason(col: Column, n: number): string | null {
  if (col.type === "categorical") {
    const seen = new Set<string>();
    for (const v of col.values) {
      if (v === null || seen.has(v)) return null;
      seen.add(v);
    }
    return `text unique per row (${n} distinct values in ${n} rows)`;
  }
  if (col.type !== "numeric") return null;
  const v = col.values;
  const seen = new Set<number>();
  let min = Infinity;
  let max = -Infinity;
  let increasing = true;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (!Number.isInteger(x) || seen.has(x)) return null;
    seen.add(x);
    if (i > 0 && x <= v[i - 1]) increasing = false;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  if (max - min + 1 === n) return `integers ${min}..${max}, one per row`;
  if (increasing) return `increasing integers unique per row (${min}..${max})`;
  if (ID_NAME.test(col.name.trim())) return `integers unique per row under an identifier-like name`;
  return null;
}

export type Task = "classification" | "regression";

export interface TaskGuess {
  task: Task;
  reason: string;
}

export interface DetectTaskOptions {
  /** An integer target with more distinct values than this is a regression target (default 20). */
  maxClasses?: number;
}

/**
 * Classification or regression for a target column: text and booleans are classes;
 * numbers with a fraction are quantities; whole numbers are classes when there are few
 * distinct values (at most `maxClasses`, and fewer than half the rows, so that a small
 * table of counts is not read as one class per row).
 */
export function detectTask(table: Table, target: string, options: DetectTaskOptions = {}): TaskGuess {
  const col = table.column(target);
  const maxClasses = options.maxClasses ?? 20;
  if (col.type === "categorical") return { task: "classification", reason: `"${target}" holds text` };
  if (col.type === "boolean") return { task: "classification", reason: `"${target}" holds booleans` };
  if (col.type === "date") throw new DataError(`a date column cannot be a target`, { file: table.file, column: target });
  const distinct = new Set<number>();
  for (const x of col.values) {
    if (Number.isNaN(x)) continue;
    if (!Number.isInteger(x)) return { task: "regression", reason: `"${target}" holds non-integer numbers (e.g. ${x})` };
    distinct.add(x);
  }
  if (distinct.size === 0) throw new DataError(`the target has no values`, { file: table.file, column: target });
  if (distinct.size <= maxClasses && distinct.size < 0.5 * table.numRows) {
    return { task: "classification", reason: `"${target}" holds ${distinct.size} distinct integers` };
  }
  return { task: "regression", reason: `"${target}" holds ${distinct.size} distinct integers in ${table.numRows} rows, too many for class labels` };
}
