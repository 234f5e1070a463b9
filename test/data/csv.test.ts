import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Column, DataError, Table, parseCsv, readCsv, readCsvSync, readNumericCsv, sniffDelimiter, streamCsv } from "../../src/data/index.js";
import { tmpDir } from "./tmp.js";

const tmp = tmpDir("csv");

function values(col: Column): unknown[] {
  return Array.from(col.values as ArrayLike<unknown>);
}

describe("CSV type inference", () => {
  const csv = [
    "num,cat,flag,when,int,mixed,empty",
    "1.5,a,true,2021-01-02,1,1,",
    "-2e3,b,False,2021-01-03 10:30:00,2,x,",
    "NA,,yes,,3,2,",
  ].join("\n");
  const t = parseCsv(csv);

  it("gives each column the narrowest type that reads all its cells", () => {
    assert.deepEqual(
      t.columns.map((c) => [c.name, c.type]),
      [
        ["num", "numeric"],
        ["cat", "categorical"],
        ["flag", "boolean"],
        ["when", "date"],
        ["int", "numeric"],
        ["mixed", "categorical"],
        ["empty", "numeric"],
      ],
    );
  });

  it("stores numbers in Float64Array with NaN for missing, text as strings with null", () => {
    const num = t.column("num");
    assert.ok(num.values instanceof Float64Array);
    assert.deepEqual(values(num), [1.5, -2000, NaN]);
    assert.deepEqual(values(t.column("cat")), ["a", "b", null]);
    assert.deepEqual(values(t.column("flag")), [1, 0, 1]);
    assert.deepEqual(values(t.column("when")), [Date.UTC(2021, 0, 2), Date.UTC(2021, 0, 3, 10, 30), NaN]);
    assert.deepEqual(values(t.column("mixed")), ["1", "x", "2"]);
    assert.deepEqual(values(t.column("empty")), [NaN, NaN, NaN]);
  });

  it("remembers the line each row came from", () => {
    assert.deepEqual(Array.from(t.lines!), [2, 3, 4]);
    assert.equal(t.file, "<csv text>");
  });

  it("row() gives plain values", () => {
    assert.deepEqual(t.row(0), { num: 1.5, cat: "a", flag: true, when: "2021-01-02T00:00:00.000Z", int: 1, mixed: "1", empty: null });
  });

  it("reads numeric columns as float32 on request", () => {
    assert.ok(parseCsv("a\n1\n2\n", { float32: true }).column("a").values instanceof Float32Array);
  });

  it("does not take hex, Infinity or blanks for numbers", () => {
    const u = parseCsv("a,b\n0x1F,1\nInfinity,2\n");
    assert.equal(u.column("a").type, "categorical");
  });

  it("reads date-times with a zone as UTC instants", () => {
    const u = parseCsv("t,v\n2020-05-01T12:00:00+02:00,1\n2020-05-01T10:00:00Z,2\n");
    assert.deepEqual(values(u.column("t")), [Date.UTC(2020, 4, 1, 10), Date.UTC(2020, 4, 1, 10)]);
  });
});

describe("CSV missing values", () => {
  it("reads the default tokens as missing", () => {
    const t = parseCsv("a,b\n1,x\n,NA\n?,?\nNaN,null\nN/A,None\n");
    assert.deepEqual(values(t.column("a")), [1, NaN, NaN, NaN, NaN]);
    assert.deepEqual(values(t.column("b")), ["x", null, null, null, null]);
  });

  it("takes its own list of missing tokens", () => {
    const t = parseCsv("a,b\n-999,NA\n2,y\n", { missing: ["-999"] });
    assert.deepEqual(values(t.column("a")), [NaN, 2]);
    assert.deepEqual(values(t.column("b")), ["NA", "y"]);
  });
});

describe("CSV schema override", () => {
  it("forces the declared types", () => {
    const t = parseCsv("zip,code,flag\n01234,7,1\n99999,8,0\n", { schema: { zip: "categorical", code: "categorical" } });
    assert.deepEqual(values(t.column("zip")), ["01234", "99999"]);
    assert.equal(t.column("code").type, "categorical");
    assert.equal(t.column("flag").type, "numeric");
  });

  it("defaultType applies to the columns the schema does not name", () => {
    const t = parseCsv("a,b\n1,x\n", { defaultType: "categorical", schema: { a: "numeric" } });
    assert.deepEqual([t.column("a").type, t.column("b").type], ["numeric", "categorical"]);
  });
});

describe("CSV quoting, delimiters, headers", () => {
  it("reads quoted delimiters, doubled quotes and line breaks inside quotes", () => {
    const t = parseCsv('name,note,v\n"Smith, J.","say ""hi""",1\n"two\nlines",x,2\n3rd,y,3\n');
    assert.deepEqual(values(t.column("name")), ["Smith, J.", "two\nlines", "3rd"]);
    assert.deepEqual(values(t.column("note")), ['say "hi"', "x", "y"]);
    // The quoted line break makes the third record start on line 5.
    assert.deepEqual(Array.from(t.lines!), [2, 3, 5]);
  });

  it("takes another quote character", () => {
    const t = parseCsv("a,b\n'x,y',1\n", { quote: "'" });
    assert.deepEqual(values(t.column("a")), ["x,y"]);
  });

  it("detects ; with a decimal comma, tab, | and runs of whitespace", () => {
    assert.deepEqual(values(parseCsv("a;b\n1,5;2\n3;4,25\n", { decimal: "," }).column("b")), [2, 4.25]);
    assert.deepEqual(parseCsv("a\tb\n1\t2\n").names, ["a", "b"]);
    assert.deepEqual(values(parseCsv("a|b\n1|2\n").column("b")), [2]);
    const ws = parseCsv("1 1 -0.0007  518.67  \n1 2 0.0019  518.67  \n");
    assert.deepEqual(ws.names, ["column1", "column2", "column3", "column4"]);
    assert.deepEqual(values(ws.column("column3")), [-0.0007, 0.0019]);
  });

  it("sniffDelimiter prefers the candidate that splits every line alike", () => {
    assert.equal(sniffDelimiter("a,b;c\n1,2;3\n4,5;6\n"), ",");
    assert.equal(sniffDelimiter('"x;y",1\n"z;w",2\n'), ",");
    assert.equal(sniffDelimiter("a;b;c\n1;2;3\n"), ";");
  });

  it("an explicit delimiter wins over detection", () => {
    const t = parseCsv("a,b;c\n1,2;3\n", { delimiter: ";" });
    assert.deepEqual(t.names, ["a,b", "c"]);
  });

  it("detects a missing header and names the columns", () => {
    const t = parseCsv("1,x\n2,y\n");
    assert.deepEqual(t.names, ["column1", "column2"]);
    assert.equal(t.numRows, 2);
    assert.deepEqual(Array.from(t.lines!), [1, 2]);
    const named = parseCsv("1,x\n2,y\n", { columns: ["n", "s"] });
    assert.deepEqual(named.names, ["n", "s"]);
    const forced = parseCsv("name,city\nbob,paris\n", { header: false });
    assert.equal(forced.numRows, 2);
  });

  it("strips a byte-order mark and skips empty lines and comments", () => {
    const t = parseCsv("\ufeffa,b\n# note\n1,2\n\n3,4\n", { comment: "#" });
    assert.deepEqual(t.names, ["a", "b"]);
    assert.deepEqual(values(t.column("a")), [1, 3]);
    assert.deepEqual(Array.from(t.lines!), [3, 5]);
  });

  it("reads Windows line endings", () => {
    const t = parseCsv("a,b\r\n1,x\r\n2,y\r\n");
    assert.deepEqual(values(t.column("b")), ["x", "y"]);
    assert.deepEqual(Array.from(t.lines!), [2, 3]);
  });

  it("a header with no rows gives an empty table", () => {
    const t = parseCsv("a,b\n");
    assert.equal(t.numRows, 0);
    assert.deepEqual(t.names, ["a", "b"]);
  });
});

describe("CSV files: sync, async, streaming", () => {
  const small = tmp.write("small.csv", "x,y,label\n1,2,a\n3,4,b\n");

  it("readCsvSync and readCsv read the same table, naming the file", async () => {
    const a = readCsvSync(small);
    const b = await readCsv(small);
    assert.deepEqual(a.names, b.names);
    assert.deepEqual(values(a.column("label")), values(b.column("label")));
    assert.deepEqual(Array.from(a.lines!), Array.from(b.lines!));
    assert.equal(b.file, small);
  });

  it("readNumericCsv gives a float32 tensor", () => {
    const { columns, values: v } = readNumericCsv(tmp.write("num.csv", "a,b\n1,2\n3,4.5\n"));
    assert.deepEqual(columns, ["a", "b"]);
    assert.deepEqual(v.shape, [2, 2]);
    assert.equal(v.dtype, "float32");
    assert.deepEqual(Array.from(v.toArray()), [1, 2, 3, 4.5]);
  });

  // 100,000 rows (~3 MB): read in chunks, types inferred from the first 1000 rows.
  const rows = 100_000;
  const lines = ["id,group,x,ok"];
  for (let i = 0; i < rows; i++) lines.push(`${i},g${i % 7},${(i % 1000) / 8},${i % 3 === 0 ? "true" : "false"}`);
  const big = tmp.write("big.csv", lines.join("\n") + "\n");

  it("streamCsv yields tables of chunkSize rows with the same typed columns", async () => {
    const chunks: Table[] = [];
    for await (const t of streamCsv(big, { chunkSize: 30_000 })) chunks.push(t);
    assert.deepEqual(chunks.map((c) => c.numRows), [30_000, 30_000, 30_000, 10_000]);
    for (const c of chunks) assert.deepEqual(c.columns.map((k) => k.type), ["numeric", "categorical", "numeric", "boolean"]);
    assert.equal(chunks[1].lineOf(0), 30_002);
    const all = Table.concat(chunks);
    let sum = 0;
    for (const v of all.column("x").values as Float64Array) sum += v;
    let expected = 0;
    for (let i = 0; i < rows; i++) expected += (i % 1000) / 8;
    assert.equal(sum, expected);
    assert.equal(all.column("group").values[99_999], `g${99_999 % 7}`);
  });

  it("streamCsv stops reading when the consumer stops", async () => {
    let seen = 0;
    for await (const t of streamCsv(big, { chunkSize: 1000 })) {
      seen += t.numRows;
      if (seen >= 3000) break;
    }
    assert.equal(seen, 3000);
  });

  it("readCsv reads the large file whole", async () => {
    const t = await readCsv(big);
    assert.equal(t.numRows, rows);
    assert.equal(t.column("id").values[rows - 1], rows - 1);
  });
});

describe("CSV errors name the file, line and column", () => {
  function throwsAt(fn: () => unknown, message: string, where: { file: string; line?: number; column?: string }) {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof DataError, `expected a DataError, got ${e}`);
      assert.equal(e.message, message);
      assert.equal(e.file, where.file);
      assert.equal(e.line, where.line ?? null);
      assert.equal(e.column, where.column ?? null);
      return true;
    });
  }

  it("a short row names the first column without a value", () => {
    const p = tmp.write("short.csv", "a,b,c\n1,2,3\n4,5\n");
    throwsAt(() => readCsvSync(p), `${p}: line 3, column "c": the row has 2 fields, the header has 3 (no value for this column or those after it)`, { file: p, line: 3, column: "c" });
  });

  it("a long row names the extra field", () => {
    const p = tmp.write("long.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n");
    throwsAt(() => readCsvSync(p), `${p}: line 4: the row has 4 fields, the header has 3 (extra field 4: "10" after the last column "c")`, { file: p, line: 4 });
  });

  it("a value that does not fit a declared type", () => {
    const p = tmp.write("declared.csv", 'a,b\n1,2\n"multi\nline",x\n');
    throwsAt(() => readCsvSync(p, { schema: { b: "numeric" } }), `${p}: line 3, column "b": "x" is not a number, and the column is declared numeric`, { file: p, line: 3, column: "b" });
    throwsAt(
      () => parseCsv("f\ntrue\nmaybe\n", { file: "flags.csv", schema: { f: "boolean" } }),
      `flags.csv: line 3, column "f": "maybe" is not a boolean (true/false, yes/no), and the column is declared boolean`,
      { file: "flags.csv", line: 3, column: "f" },
    );
    throwsAt(
      () => parseCsv("d\n2021-02-28\n2021-02-30\n", { file: "dates.csv", schema: { d: "date" } }),
      `dates.csv: line 3, column "d": "2021-02-30" is not a date (YYYY-MM-DD[ HH:MM[:SS]]), and the column is declared date`,
      { file: "dates.csv", line: 3, column: "d" },
    );
  });

  it("readNumericCsv rejects an empty cell", () => {
    const p = tmp.write("gap.csv", "a,b\n1,2\n3,\n");
    throwsAt(() => readNumericCsv(p), `${p}: line 3, column "b": "" is not a number, and the column is declared numeric`, { file: p, line: 3, column: "b" });
  });

  it("a streamed value that does not fit the type inferred from the first rows", async () => {
    const p = tmp.write("drift.csv", "a,b\n1,2\n3,4\n5,oops\n");
    await assert.rejects(
      async () => {
        for await (const _ of streamCsv(p, { inferRows: 2 })) void _;
      },
      { message: `${p}: line 4, column "b": "oops" is not a number, and the column was inferred numeric from the first 2 rows; pass a schema to read it otherwise` },
    );
  });

  it("a ragged row while streaming", async () => {
    const p = tmp.write("ragged-stream.csv", "a,b\n1,2\n3\n");
    await assert.rejects(readCsv(p), { message: `${p}: line 3, column "b": the row has 1 fields, the header has 2 (no value for this column or those after it)` });
  });

  it("an unclosed quote", async () => {
    const p = tmp.write("quote.csv", 'a,b\n1,"2\n3,4\n');
    const message = `${p}: line 2: a quoted field that starts in this record is never closed`;
    throwsAt(() => readCsvSync(p), message, { file: p, line: 2 });
    await assert.rejects(readCsv(p), { message });
  });

  it("a stray quote", () => {
    const p = tmp.write("stray.csv", 'a,b\n1,2\n3,"4"x\n');
    assert.throws(() => readCsvSync(p), (e: unknown) => e instanceof DataError && e.line === 3 && e.column === "b" && e.message.startsWith(`${p}: line 3, column "b": Invalid Closing Quote`));
  });

  it("a schema naming a column the file lacks", () => {
    const p = tmp.write("schema.csv", "a,b\n1,2\n");
    throwsAt(() => readCsvSync(p, { schema: { zzz: "numeric" } }), `${p}: the schema names column "zzz", which is not in the file (columns: "a", "b")`, { file: p });
  });

  it("duplicate header names, wrong number of given names", () => {
    const p = tmp.write("dup.csv", "a,b,a\n1,2,3\n");
    throwsAt(() => readCsvSync(p), `${p}: line 1: duplicate column name "a" (columns 1 and 3); pass \`columns\` to name them`, { file: p, line: 1 });
    throwsAt(() => readCsvSync(p, { columns: ["x"] }), `${p}: line 1: 1 column names were given, the header has 3 fields`, { file: p, line: 1 });
  });

  it("an empty or missing file", async () => {
    const p = tmp.write("empty.csv", "");
    throwsAt(() => readCsvSync(p), `${p}: the file is empty`, { file: p });
    await assert.rejects(readCsv(p), { message: `${p}: the file is empty` });
    const gone = tmp.path("nope.csv");
    assert.throws(() => readCsvSync(gone), (e: unknown) => e instanceof DataError && e.file === gone && /cannot read the file: ENOENT/.test(e.message));
    await assert.rejects(readCsv(gone), (e: unknown) => e instanceof DataError && /cannot read the file: ENOENT/.test(e.message));
  });
});
