import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tensor } from "../../src/index.js";
import { DataError, Table, detectIdentifierColumns, detectTask, parseCsv } from "../../src/data/index.js";

describe("Table", () => {
  const t = Table.fromObject({ n: [1, null, 3], s: ["a", "b", null], b: [true, false, true], d: [new Date(Date.UTC(2020, 0, 1)), null, null] });

  it("fromObject infers types from JavaScript values", () => {
    assert.deepEqual(t.columns.map((c) => c.type), ["numeric", "categorical", "boolean", "date"]);
    assert.deepEqual(t.row(0), { n: 1, s: "a", b: true, d: "2020-01-01T00:00:00.000Z" });
    assert.deepEqual(t.row(1), { n: null, s: "b", b: false, d: null });
  });

  it("select, drop, take, slice and withColumn keep rows and line numbers together", () => {
    const csv = parseCsv("x,y\n1,a\n2,b\n3,c\n", { file: "f.csv" });
    const taken = csv.take([2, 0]);
    assert.deepEqual(taken.row(0), { x: 3, y: "c" });
    assert.deepEqual(Array.from(taken.lines!), [4, 2]);
    assert.equal(taken.file, "f.csv");
    assert.deepEqual(csv.select(["y"]).names, ["y"]);
    assert.deepEqual(csv.drop(["y"]).names, ["x"]);
    assert.deepEqual(Array.from(csv.slice(1).lines!), [3, 4]);
    const added = csv.withColumn({ name: "z", type: "numeric", values: new Float64Array([7, 8, 9]) });
    assert.deepEqual(added.names, ["x", "y", "z"]);
    assert.throws(() => csv.take([3]), { message: "Table.take: row index 3 is out of range for 3 rows" });
    assert.throws(() => csv.column("q"), { message: `f.csv: no column "q" (columns: "x", "y")` });
  });

  it("toTensor makes float32 [rows, columns], refusing text and missing values with their place", () => {
    const u = parseCsv("a,b,c\n1,2,x\n3,,y\n", { file: "g.csv" });
    const x = u.toTensor(["a"]);
    assert.deepEqual([x.shape, x.dtype, Array.from(x.toArray())], [[2, 1], "float32", [1, 3]]);
    assert.throws(() => u.toTensor(["c"]), { message: `g.csv: Table.toTensor: column "c" is categorical; encode it first` });
    assert.throws(() => u.toTensor(), (e: unknown) => e instanceof DataError && e.message === `g.csv: line 3, column "b": missing value; impute it before making a tensor`);
  });

  it("fromTensor and concat", () => {
    const u = Table.fromTensor(tensor([[1, 2], [3, 4]]), ["p", "q"]);
    assert.deepEqual(Array.from(u.column("q").values as Float64Array), [2, 4]);
    const both = Table.concat([u, u]);
    assert.equal(both.numRows, 4);
    assert.throws(() => Table.concat([u, t]), (e: unknown) => e instanceof DataError && e.message.startsWith("Table.concat: tables have different columns"));
  });

  it("rejects columns of different lengths and duplicate names", () => {
    assert.throws(() => new Table([{ name: "a", type: "numeric", values: new Float64Array(2) }, { name: "b", type: "numeric", values: new Float64Array(3) }]), {
      message: `Table: column "b" has 3 values, column "a" has 2`,
    });
    assert.throws(() => new Table([{ name: "a", type: "numeric", values: new Float64Array(1) }, { name: "a", type: "categorical", values: ["x"] }]), { message: `Table: duplicate column name "a"` });
  });
});

describe("detectIdentifierColumns", () => {
  // Shaped like ai4i2020.csv: UDI 1..n, Product ID unique text, a few real features.
  const n = 50;
  const rows = ["UDI,Product ID,Type,Torque [Nm],Rotational speed [rpm],Machine failure"];
  for (let i = 0; i < n; i++) rows.push(`${i + 1},${"LMH"[i % 3]}${14860 + i * 7},${"LMH"[i % 3]},${(40 + i * 0.37).toFixed(2)},${1400 + (i % 9) * 10},${i % 10 === 0 ? 1 : 0}`);
  const t = parseCsv(rows.join("\n"));

  it("finds row counters and unique text, not measurements or classes", () => {
    assert.deepEqual(detectIdentifierColumns(t), [
      { name: "UDI", reason: "integers 1..50, one per row" },
      { name: "Product ID", reason: "text unique per row (50 distinct values in 50 rows)" },
    ]);
  });

  it("honours exclude, an identifier-like name, and small tables", () => {
    assert.deepEqual(detectIdentifierColumns(t, { exclude: ["UDI", "Product ID"] }), []);
    const shuffledIds = Table.fromObject({ customer_id: Array.from({ length: 30 }, (_, i) => ((i * 7919) % 1000) + 5000), x: Array.from({ length: 30 }, (_, i) => i % 4) });
    assert.deepEqual(detectIdentifierColumns(shuffledIds).map((c) => c.name), ["customer_id"]);
    assert.deepEqual(detectIdentifierColumns(t.slice(0, 10)), []);
  });
});

describe("detectTask", () => {
  it("classes for text, booleans and few integers; regression for fractions and many integers", () => {
    const t = Table.fromObject({
      label: ["a", "b", "a", "b"],
      flag: [true, false, true, true],
      digit: [0, 1, 2, 1],
      price: [1.5, 2, 3.25, 4],
    });
    assert.deepEqual(detectTask(t, "label"), { task: "classification", reason: `"label" holds text` });
    assert.equal(detectTask(t, "flag").task, "classification");
    assert.equal(detectTask(Table.fromObject({ y: Array.from({ length: 100 }, (_, i) => i % 3) }), "y").task, "classification");
    assert.deepEqual(detectTask(t, "price"), { task: "regression", reason: `"price" holds non-integer numbers (e.g. 1.5)` });
    const counts = Table.fromObject({ y: Array.from({ length: 100 }, (_, i) => i * 3) });
    assert.deepEqual(detectTask(counts, "y"), { task: "regression", reason: `"y" holds 100 distinct integers in 100 rows, too many for class labels` });
    assert.equal(detectTask(t, "digit").task, "regression", "3 distinct values in 4 rows are not enough to call classes");
    assert.equal(detectTask(counts, "y", { maxClasses: 200 }).task, "regression");
  });
});
