import type { ColumnType } from "./table.js";

/**
 * Parsing one CSV cell, and inferring a column's type from its cells. Parsers return
 * `undefined` for a cell they cannot read, so the caller decides whether that is a
 * different type (inference) or an error (a declared type).
 */

/** Cells read as missing unless the reader is given its own list (pandas' defaults plus UCI's "?"). */
export const DEFAULT_MISSING: readonly string[] = ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "-nan", "NULL", "null", "None", "none", "?", "#N/A", "<NA>"];

// Plain decimal numbers only: Number() would also take "0x1F", "Infinity" and " ".
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(cell: string, decimal: "." | "," = "."): number | undefined {
  const s = decimal === "," ? cell.replace(",", ".") : cell;
  return NUMBER.test(s) ? Number(s) : undefined;
}

const TRUE = new Set(["true", "yes"]);
const FALSE = new Set(["false", "no"]);

/** true/false and yes/no in any case; 0 and 1 stay numbers. */
export function parseBoolean(cell: string): number | undefined {
  const s = cell.toLowerCase();
  if (TRUE.has(s)) return 1;
  if (FALSE.has(s)) return 0;
  return undefined;
}

// ISO 8601 dates and date-times (a space or T between), "/" also accepted between date parts.
const DATE = /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Milliseconds since 1970-01-01 UTC. A date-time without a zone is read as UTC, so the
 * same file gives the same numbers on every machine.
 */
export function parseDate(cell: string): number | undefined {
  const m = DATE.exec(cell);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone = ""] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  let t = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), frac ? Math.round(Number(frac) * 1000) : 0);
  // Date.UTC rolls 2021-02-30 over into March; such a cell is not a date.
  if (new Date(t).getUTCDate() !== day) return undefined;
  if (zone && zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60000;
  }
  return t;
}

/** The parser for a non-categorical type. */
export function parserFor(type: "numeric" | "boolean" | "date", decimal: "." | ","): (cell: string) => number | undefined {
  if (type === "numeric") return (cell) => parseNumber(cell, decimal);
  return type === "boolean" ? parseBoolean : parseDate;
}

/**
 * The narrowest type that reads every present cell: numeric, then boolean, then date,
 * else categorical. A column with no present cells is numeric (all missing), as pandas does.
 */
export function inferType(cells: Iterable<string>, isMissing: (cell: string) => boolean, decimal: "." | "," = "."): ColumnType {
  let numeric = true;
  let boolean = true;
  let date = true;
  for (const cell of cells) {
    if (isMissing(cell)) continue;
    numeric &&= parseNumber(cell, decimal) !== undefined;
    boolean &&= parseBoolean(cell) !== undefined;
    date &&= parseDate(cell) !== undefined;
    if (!numeric && !boolean && !date) return "categorical";
  }
  return numeric ? "numeric" : boolean ? "boolean" : date ? "date" : "categorical";
}
