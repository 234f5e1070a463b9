import { createReadStream, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Options as ParseOptions } from "csv-parse";
import type { Tensor } from "../tensor/tensor.js";
import { type AssemblerOptions, RecordAssembler } from "./csv_builder.js";
import { WHITESPACE, sniffDelimiter } from "./csv_sniff.js";
import { DataError } from "./errors.js";
import { DEFAULT_MISSING } from "./infer.js";
import { type ColumnType, Table } from "./table.js";

// csv-parse is loaded when a CSV is read, not with the library (see serve/entry.ts).
const require = createRequire(import.meta.url);

/**
 * How to read a CSV file. Whatever the options, whitespace around unquoted fields is
 * ignored, empty lines are skipped, a UTF-8 byte-order mark is dropped, and every row must
 * have as many fields as the header (or first row).
 */
export interface CsvOptions {
  /**
   * The field separator. Detected from the first lines when absent: one of `,` `;` tab `|`,
   * or "whitespace" (runs of spaces and tabs, as in C-MAPSS; empty fields cannot exist there).
   */
  delimiter?: string;
  /** Whether the first row names the columns; "auto" (the default) guesses: no number in it. */
  header?: boolean | "auto";
  /** Column names, replacing the header's or naming a file without one (column1, column2, … otherwise). */
  columns?: readonly string[];
  /** The quote character (default `"`, doubled inside a quoted field); false turns quoting off. */
  quote?: string | false;
  /** Lines starting with this are skipped. */
  comment?: string;
  /** Cells that mean "missing" (default: DEFAULT_MISSING — empty, NA, N/A, NaN, null, None, ?, …). */
  missing?: readonly string[];
  /** Column types by name, overriding inference; a cell that does not fit is an error naming it. */
  schema?: Readonly<Record<string, ColumnType>>;
  /** The type of every column the schema does not name; inferred when absent. */
  defaultType?: ColumnType;
  /** The decimal mark of numbers ("," for files such as `1,5;2,25`). */
  decimal?: "." | ",";
  /** Store numeric columns as Float32Array (half the memory of the default Float64Array). */
  float32?: boolean;
  /**
   * Data rows to infer column types from. readCsv and readCsvSync look at every row;
   * streamCsv at the first 1000, after which a cell that does not fit its column's
   * inferred type is an error that says so.
   */
  inferRows?: number;
  encoding?: BufferEncoding;
}

export interface StreamCsvOptions extends CsvOptions {
  /** Rows per table yielded (default 10000). */
  chunkSize?: number;
}

/** A numeric CSV as a float32 tensor, as read by readNumericCsv. */
export interface NumericTable {
  columns: string[];
  /** Values row-major as a [rows, columns] float32 tensor. */
  values: Tensor;
}

const SNIFF_BYTES = 1 << 16;

function assemblerOptions(file: string, o: CsvOptions, inferRows: number, chunkSize: number): AssemblerOptions {
  return {
    file,
    header: o.header ?? "auto",
    columns: o.columns ?? null,
    schema: o.schema ?? {},
    defaultType: o.defaultType ?? null,
    missing: new Set(o.missing ?? DEFAULT_MISSING),
    decimal: o.decimal ?? ".",
    float32: o.float32 ?? false,
    inferRows: o.inferRows ?? inferRows,
    chunkSize,
  };
}

function parserOptions(delimiter: string, o: CsvOptions): ParseOptions {
  const whitespace = delimiter === WHITESPACE;
  return {
    delimiter: whitespace ? [" ", "\t"] : delimiter,
    quote: o.quote === false ? false : o.quote ?? '"',
    comment: o.comment,
    encoding: o.encoding ?? "utf8",
    bom: true,
    trim: !whitespace,
    skip_empty_lines: true,
    // Widths are checked by the assembler, whose error names the column.
    relax_column_count: true,
  };
}

/** The fields of a record; in whitespace mode the empty ones between runs of spaces go. */
function fields(record: string[], delimiter: string): string[] {
  return delimiter === WHITESPACE ? record.filter((f) => f !== "") : record;
}

/** csv-parse counts lines up to a record's end; a quoted field may span several. */
function startLine(record: string[], endLine: number): number {
  let breaks = 0;
  for (const f of record) for (let i = f.indexOf("\n"); i >= 0; i = f.indexOf("\n", i + 1)) breaks++;
  return endLine - breaks;
}

/**
 * A csv-parse error (an unclosed quote, a stray one) with the file and line in front.
 * csv-parse reports an unclosed quote at the end of the file; the record that opened it
 * starts after the last good one, so that line is the one to look at.
 */
function parserError(e: unknown, file: string, lastGoodLine: number, asm: RecordAssembler): Error {
  const err = e as Error & { code?: string; lines?: number; column?: unknown };
  if (err instanceof DataError || typeof err.code !== "string" || !err.code.startsWith("CSV_")) return err;
  if (err.code === "CSV_QUOTE_NOT_CLOSED") return new DataError(`a quoted field that starts in this record is never closed`, { file, line: lastGoodLine + 1 });
  const column = typeof err.column === "number" ? asm.columnName(err.column) : null;
  return new DataError(err.message, { file, line: err.lines ?? null, column });
}

function sniffSample(bytes: Buffer, complete: boolean, o: CsvOptions): string {
  let text = bytes.toString(o.encoding ?? "utf8");
  // A sample cut off mid-file ends mid-line; that last line would mislead the count.
  if (!complete) text = text.slice(0, Math.max(0, text.lastIndexOf("\n")));
  return text;
}

/** Reads CSV text held in memory (`file` names it in error messages). */
export function parseCsv(text: string | Buffer, options: CsvOptions & { file?: string } = {}): Table {
  const file = options.file ?? "<csv text>";
  const buf = typeof text === "string" ? Buffer.from(text, options.encoding ?? "utf8") : text;
  const delimiter = options.delimiter ?? sniffDelimiter(sniffSample(buf.subarray(0, SNIFF_BYTES), buf.length <= SNIFF_BYTES, options), options.comment);
  let table: Table | null = null;
  const asm = new RecordAssembler(assemblerOptions(file, options, Infinity, Infinity), (t) => (table = t));
  let lastLine = 0;
  try {
    (require("csv-parse/sync") as typeof import("csv-parse/sync")).parse(buf, {
      ...parserOptions(delimiter, options),
      // Records go straight to the assembler; returning null keeps csv-parse from collecting them.
      on_record: (record: string[], ctx) => {
        asm.push(fields(record, delimiter), startLine(record, ctx.lines));
        lastLine = ctx.lines;
        return null;
      },
    });
  } catch (e) {
    throw parserError(e, file, lastLine, asm);
  }
  asm.end();
  return table!;
}

/** Reads a whole CSV file into a table, synchronously. */
export function readCsvSync(path: string, options: CsvOptions = {}): Table {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new DataError(`cannot read the file: ${(e as Error).message}`, { file: path });
  }
  return parseCsv(buf, { ...options, file: path });
}

/** Reads a whole CSV file into a table, streaming it through the parser. */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<Table> {
  const chunks: Table[] = [];
  for await (const t of readChunks(path, options, Infinity, Infinity)) chunks.push(t);
  return Table.concat(chunks);
}

/**
 * Reads a CSV file as a stream of tables of `chunkSize` rows with the same columns, for
 * files too large to hold as text: column types come from the first `inferRows` rows (or
 * the schema), then every record is parsed straight into typed columns.
 */
export function streamCsv(path: string, options: StreamCsvOptions = {}): AsyncGenerator<Table> {
  const chunkSize = options.chunkSize ?? 10000;
  if (!(chunkSize >= 1)) throw new RangeError(`streamCsv: chunkSize must be at least 1, got ${chunkSize}`);
  return readChunks(path, options, 1000, chunkSize);
}

async function* readChunks(path: string, options: CsvOptions, inferRows: number, chunkSize: number): AsyncGenerator<Table> {
  let delimiter = options.delimiter;
  if (delimiter === undefined) {
    let sample: string;
    try {
      const fh = await open(path);
      try {
        const buf = Buffer.alloc(SNIFF_BYTES);
        const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
        sample = sniffSample(buf.subarray(0, bytesRead), bytesRead < SNIFF_BYTES, options);
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw new DataError(`cannot read the file: ${(e as Error).message}`, { file: path });
    }
    delimiter = sniffDelimiter(sample, options.comment);
  }
  const ready: Table[] = [];
  const asm = new RecordAssembler(assemblerOptions(path, options, inferRows, chunkSize), (t) => ready.push(t));
  const source = createReadStream(path);
  const parser = (require("csv-parse") as typeof import("csv-parse")).parse({ ...parserOptions(delimiter, options), info: true });
  source.on("error", (e) => parser.destroy(new DataError(`cannot read the file: ${e.message}`, { file: path })));
  source.pipe(parser);
  let lastLine = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      asm.push(fields(record, delimiter), startLine(record, info.lines));
      lastLine = info.lines;
      while (ready.length) yield ready.shift()!;
    }
    asm.end();
    while (ready.length) yield ready.shift()!;
  } catch (e) {
    throw parserError(e, path, lastLine, asm);
  } finally {
    // The consumer may stop early (break); close the file rather than read it to the end.
    source.destroy();
    parser.destroy();
  }
}

/**
 * Reads a CSV whose first row is a header and whose cells are all numbers. A ragged row,
 * an empty cell or one that is not a number is an error naming the file, the 1-based line
 * and the column.
 */
export function readNumericCsv(path: string): NumericTable {
  const table = readCsvSync(path, { header: true, defaultType: "numeric", missing: [] });
  return { columns: table.names, values: table.toTensor() };
}
