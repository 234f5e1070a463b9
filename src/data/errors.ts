/**
 * Bad data is reported with where it was found: the file, the 1-based line (or, for a
 * table built in memory, the 1-based row) and the column, so a user can open the file and
 * look. The fields are kept on the error as well, for programs that want to react to them.
 */
export class DataError extends Error {
  readonly file: string | null;
  readonly line: number | null;
  readonly column: string | null;

  constructor(message: string, where: { file?: string | null; line?: number | null; column?: string | null } = {}) {
    super(formatWhere(where) + message);
    this.name = "DataError";
    this.file = where.file ?? null;
    this.line = where.line ?? null;
    this.column = where.column ?? null;
  }
}

/** `data.csv: line 7, column "age": ` — the prefix of every located message. */
function formatWhere(where: { file?: string | null; line?: number | null; column?: string | null }): string {
  const parts: string[] = [];
  if (where.line != null) parts.push(where.file != null ? `line ${where.line}` : `row ${where.line}`);
  if (where.column != null) parts.push(`column "${where.column}"`);
  const place = parts.join(", ");
  if (where.file != null) return place ? `${where.file}: ${place}: ` : `${where.file}: `;
  return place ? `${place}: ` : "";
}
