import { looksLikeHeader } from "./csv_sniff.js";
import { DataError } from "./errors.js";
import { inferType, parserFor } from "./infer.js";
import { type Column, type ColumnType, type NumericArray, Table } from "./table.js";

/** What the record assembler needs from the reader's options, with defaults filled in. */
export interface AssemblerOptions {
  file: string;
  header: boolean | "auto";
  columns: readonly string[] | null;
  schema: Readonly<Record<string, ColumnType>>;
  defaultType: ColumnType | null;
  missing: ReadonlySet<string>;
  decimal: "." | ",";
  float32: boolean;
  /** Data rows buffered as text to infer column types from (Infinity: the whole file). */
  inferRows: number;
  /** Rows per emitted table (Infinity: one table at the end). */
  chunkSize: number;
}

/** A growable typed column that parses cells as they arrive. */
class NumberBuilder {
  private values: NumericArray;
  length = 0;
  private readonly parse: (cell: string) => number | undefined;

  constructor(
    readonly name: string,
    readonly type: "numeric" | "boolean" | "date",
    private readonly float32: boolean,
    decimal: "." | ",",
    private readonly why: string,
  ) {
    this.values = float32 && type === "numeric" ? new Float32Array(1024) : new Float64Array(1024);
    this.parse = parserFor(type, decimal);
  }

  add(cell: string, missing: boolean, file: string, line: number): void {
    let v = NaN;
    if (!missing) {
      const parsed = this.parse(cell);
      if (parsed === undefined) {
        const what = this.type === "numeric" ? "a number" : this.type === "boolean" ? "a boolean (true/false, yes/no)" : "a date (YYYY-MM-DD[ HH:MM[:SS]])";
        throw new DataError(`"${cell}" is not ${what}, and the column ${this.why}`, { file, line, column: this.name });
      }
      v = parsed;
    }
    if (this.length === this.values.length) {
      const grown = new (this.values.constructor as new (n: number) => NumericArray)(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = v;
  }

  take(): Column {
    const col: Column = { name: this.name, type: this.type, values: this.values.slice(0, this.length) };
    this.values = new (this.values.constructor as new (n: number) => NumericArray)(1024);
    this.length = 0;
    return col;
  }
}

class CategoricalBuilder {
  private values: (string | null)[] = [];
  // One string per distinct value: a million rows of "M"/"L"/"H" then share three strings.
  private readonly interned = new Map<string, string>();

  constructor(readonly name: string) {}

  get length(): number {
    return this.values.length;
  }

  add(cell: string, missing: boolean): void {
    if (missing) {
      this.values.push(null);
      return;
    }
    let s = this.interned.get(cell);
    if (s === undefined) {
      s = cell;
      this.interned.set(s, s);
    }
    this.values.push(s);
  }

  take(): Column {
    const col: Column = { name: this.name, type: "categorical", values: this.values };
    this.values = [];
    return col;
  }
}

/**
 * Turns parsed records into tables: decides the header, checks every record's width,
 * infers column types from the first `inferRows` data rows (held as text meanwhile) or
 * takes them from the schema, then parses each later record straight into typed columns,
 * so after inference no text is kept. Tables come out through `emit` every `chunkSize` rows.
 */
export class RecordAssembler {
  private names: string[] | null = null;
  private builders: (NumberBuilder | CategoricalBuilder)[] | null = null;
  private pending: { cells: string[]; line: number }[] = [];
  private lines: number[] = [];
  private first = true;
  private emitted = false;
  /** What set the row width, for ragged-row messages. */
  private widthFrom = "the header";

  constructor(
    private readonly opts: AssemblerOptions,
    private readonly emit: (t: Table) => void,
  ) {}

  push(cells: string[], line: number): void {
    if (this.first) {
      this.first = false;
      const header = this.opts.header === "auto" ? looksLikeHeader(cells, this.opts.decimal) : this.opts.header;
      this.setNames(header ? cells : null, cells.length, line);
      if (header) return;
    }
    const names = this.names!;
    if (cells.length !== names.length) this.ragged(cells, line);
    if (this.builders) this.addRow(cells, line);
    else {
      this.pending.push({ cells, line });
      if (this.pending.length >= this.opts.inferRows) this.resolveTypes();
    }
  }

  /** The name of the column at a 0-based index, once the header is read. */
  columnName(index: number): string | null {
    return this.names?.[index] ?? null;
  }

  /** Flushes what is left; a file with a header and no rows gives an empty table. */
  end(): void {
    if (this.first) throw new DataError("the file is empty", { file: this.opts.file });
    if (!this.builders) this.resolveTypes();
    if (this.lines.length > 0 || !this.emitted) this.flush();
  }

  private setNames(header: string[] | null, width: number, line: number): void {
    const given = this.opts.columns;
    if (given && given.length !== width) {
      throw new DataError(`${given.length} column names were given, the ${header ? "header" : "first row"} has ${width} fields`, { file: this.opts.file, line });
    }
    const names = given ? given.slice() : header ? header.map((h, i) => h || `column${i + 1}`) : Array.from({ length: width }, (_, i) => `column${i + 1}`);
    const seen = new Map<string, number>();
    names.forEach((n, i) => {
      const j = seen.get(n);
      if (j !== undefined) {
        throw new DataError(`duplicate column name "${n}" (columns ${j + 1} and ${i + 1}); pass \`columns\` to name them`, { file: this.opts.file, line });
      }
      seen.set(n, i);
    });
    for (const n of Object.keys(this.opts.schema)) {
      if (!seen.has(n)) throw new DataError(`the schema names column "${n}", which is not in the file (columns: ${names.map((x) => `"${x}"`).join(", ")})`, { file: this.opts.file });
    }
    this.names = names;
    this.widthFrom = header ? "the header" : "the first row";
  }

  private ragged(cells: string[], line: number): never {
    const names = this.names!;
    const file = this.opts.file;
    if (cells.length < names.length) {
      throw new DataError(`the row has ${cells.length} fields, ${this.widthFrom} has ${names.length} (no value for this column or those after it)`, { file, line, column: names[cells.length] });
    }
    throw new DataError(`the row has ${cells.length} fields, ${this.widthFrom} has ${names.length} (extra field ${names.length + 1}: "${cells[names.length]}" after the last column "${names[names.length - 1]}")`, { file, line });
  }

  private resolveTypes(): void {
    const { schema, defaultType, missing, decimal } = this.opts;
    const isMissing = (cell: string) => missing.has(cell);
    this.builders = this.names!.map((name, c) => {
      const declared = schema[name] ?? defaultType;
      const type = declared ?? inferType(columnCells(this.pending, c), isMissing, decimal);
      if (type === "categorical") return new CategoricalBuilder(name);
      const why = declared ? `is declared ${type}` : `was inferred ${type} from the first ${this.pending.length} rows; pass a schema to read it otherwise`;
      return new NumberBuilder(name, type, this.opts.float32, decimal, why);
    });
    const pending = this.pending;
    this.pending = [];
    for (const { cells, line } of pending) this.addRow(cells, line);
  }

  private addRow(cells: string[], line: number): void {
    const missing = this.opts.missing;
    const builders = this.builders!;
    for (let c = 0; c < builders.length; c++) {
      const cell = cells[c];
      const b = builders[c];
      if (b instanceof CategoricalBuilder) b.add(cell, missing.has(cell));
      else b.add(cell, missing.has(cell), this.opts.file, line);
    }
    this.lines.push(line);
    if (this.lines.length >= this.opts.chunkSize) this.flush();
  }

  private flush(): void {
    const lines = Int32Array.from(this.lines);
    this.lines = [];
    this.emitted = true;
    this.emit(new Table(this.builders!.map((b) => b.take()), { file: this.opts.file, lines }));
  }
}

function* columnCells(rows: { cells: string[] }[], c: number): Iterable<string> {
  for (const r of rows) yield r.cells[c];
}
