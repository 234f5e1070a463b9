import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tensor } from "../../src/index.js";
import {
  ColumnTransformer,
  DataError,
  LabelEncoder,
  MinMaxScaler,
  OneHotEncoder,
  OrdinalEncoder,
  SimpleImputer,
  StandardScaler,
  Table,
  parseCsv,
  preprocessorFromJSON,
} from "../../src/data/index.js";
import { assertClose } from "../helpers.js";

function col(t: Table, name: string): unknown[] {
  return Array.from(t.column(name).values as ArrayLike<unknown>);
}

function near(actual: unknown[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (Number.isNaN(e)) assert.ok(Number.isNaN(a as number), `${what}[${i}]: expected NaN, got ${a}`);
    else assert.ok(Math.abs((a as number) - e) < 1e-12, `${what}[${i}]: expected ${e}, got ${a}`);
  });
}

/** A saved form that went through JSON text, as in a model bundle. */
function roundTrip<T>(x: { toJSON(): unknown }, load: (j: unknown) => T): T {
  return load(JSON.parse(JSON.stringify(x)));
}

describe("SimpleImputer", () => {
  const t = Table.fromObject({ a: [1, NaN, 3, 10], b: [4, 1, NaN, 3], c: ["b", "a", null, "b"] });

  it("mean and median ignore missing values (even counts average the middle two)", () => {
    near(col(new SimpleImputer().fitTransform(t.select(["a"])), "a"), [1, 14 / 3, 3, 10], "mean");
    near(col(new SimpleImputer({ strategy: "median" }).fitTransform(t.select(["a"])), "a"), [1, 3, 3, 10], "median");
    const even = Table.fromObject({ x: [4, 1, NaN, 3, 10] });
    near(col(new SimpleImputer({ strategy: "median" }).fitTransform(even), "x"), [4, 1, 3.5, 3, 10], "even median");
  });

  it("mostFrequent takes the smallest value on a tie, as sklearn", () => {
    const nums = Table.fromObject({ x: [2, 2, 1, 1, NaN, 3] });
    near(col(new SimpleImputer({ strategy: "mostFrequent" }).fitTransform(nums), "x"), [2, 2, 1, 1, 1, 3], "numbers");
    const text = Table.fromObject({ s: ["b", "a", "b", "a", null] });
    assert.deepEqual(col(new SimpleImputer({ strategy: "mostFrequent" }).fitTransform(text), "s"), ["b", "a", "b", "a", "a"]);
  });

  it("constant fills 0 or missing_value by default, or the given value", () => {
    const out = new SimpleImputer({ strategy: "constant" }).fitTransform(t.select(["a", "c"]));
    near(col(out, "a"), [1, 0, 3, 10], "a");
    assert.deepEqual(col(out, "c"), ["b", "a", "missing_value", "b"]);
    near(col(new SimpleImputer({ strategy: "constant", fillValue: -1 }).fitTransform(t.select(["a"])), "a"), [1, -1, 3, 10], "fill");
  });

  it("uses the training statistics on new data and logs what it filled", () => {
    const imp = new SimpleImputer({ strategy: "median" }).fit(Table.fromObject({ v: [1, 2, 9] }));
    const log: string[] = [];
    near(col(imp.transform(Table.fromObject({ v: [NaN, NaN, 5] }), { log: (m) => log.push(m) }), "v"), [2, 2, 5], "v");
    assert.deepEqual(log, [`SimpleImputer: filled 2 missing values in "v" with 2 (median)`]);
  });

  it("a mean of text, or of a column with no values, is an error naming the column", () => {
    assert.throws(() => new SimpleImputer().fit(t.select(["c"])), { message: `column "c": SimpleImputer: strategy "mean" needs numbers but the column is categorical; use "mostFrequent" or "constant"` });
    assert.throws(() => new SimpleImputer().fit(Table.fromObject({ e: [NaN, NaN] })), {
      message: `column "e": SimpleImputer: the column has no values in the training data to take the mean of; drop it or use strategy "constant"`,
    });
  });

  it("round-trips through JSON", () => {
    const imp = new SimpleImputer({ strategy: "mostFrequent" }).fit(t);
    const back = roundTrip(imp, SimpleImputer.fromJSON);
    assert.deepEqual(back.statistics, [1, 1, "b"]);
    assert.deepEqual(col(back.transform(t), "c"), col(imp.transform(t), "c"));
    assert.ok(preprocessorFromJSON(imp.toJSON()) instanceof SimpleImputer);
    assert.throws(() => preprocessorFromJSON({ type: "Magic" }), {
      message: `preprocessorFromJSON: unknown step type "Magic" (known: SimpleImputer, StandardScaler, MinMaxScaler, OneHotEncoder, OrdinalEncoder)`,
    });
  });
});

describe("StandardScaler", () => {
  const t = Table.fromObject({ a: [1, 2, 3, 4], b: [5, 5, 5, 5], c: [1, NaN, 3, 5] });

  it("uses the population std, ignores missing values, and scales constant columns by 1", () => {
    const s = new StandardScaler().fit(t);
    near(s.mean, [2.5, 5, 3], "mean");
    near(s.scale, [Math.sqrt(1.25), 1, Math.sqrt(8 / 3)], "scale");
    const out = s.transform(t);
    near(col(out, "a"), [-1.5, -0.5, 0.5, 1.5].map((v) => v / Math.sqrt(1.25)), "a");
    near(col(out, "b"), [0, 0, 0, 0], "b");
    near(col(out, "c"), [-2 / Math.sqrt(8 / 3), NaN, 0, 2 / Math.sqrt(8 / 3)], "c");
  });

  it("treats a nearly constant column as constant, as sklearn", () => {
    const s = new StandardScaler().fit(Table.fromObject({ x: [0.1 + 0.2, 0.3, 0.3] }));
    assert.equal(s.scale[0], 1);
  });

  it("withMean / withStd switch the centring and scaling off", () => {
    const s = new StandardScaler({ withMean: false }).fit(t.select(["a"]));
    near(s.mean, [0], "mean");
    near(col(s.transform(t), "a"), [1, 2, 3, 4].map((v) => v / Math.sqrt(1.25)), "a");
  });

  it("works on tensors [rows, features]", () => {
    const x = tensor([
      [1, 10],
      [3, 30],
    ]);
    const s = new StandardScaler();
    assertClose(s.fitTransform(x), [-1, -1, 1, 1]);
    assert.deepEqual(s.columns, ["x0", "x1"]);
    assert.throws(() => s.transform(tensor([[1, 2, 3]])), { message: "StandardScaler.transform: expected a tensor [rows, 2], got shape [1, 3]" });
  });

  it("rejects text and missing columns, and use before fit", () => {
    assert.throws(() => new StandardScaler().fit(Table.fromObject({ s: ["x"] })), { message: `column "s": StandardScaler: the column is categorical; encode it first (OneHotEncoder or OrdinalEncoder)` });
    const s = new StandardScaler().fit(t);
    assert.throws(() => s.transform(t.select(["a"])), { message: `StandardScaler: column "b", seen in fit, is not in the data` });
    assert.throws(() => new StandardScaler().transform(t), { message: "StandardScaler: not fitted yet; call fit() on the training data first" });
  });

  it("round-trips through JSON", () => {
    const s = new StandardScaler().fit(t);
    const back = roundTrip(s, StandardScaler.fromJSON);
    near(col(back.transform(t), "a"), col(s.transform(t), "a") as number[], "a");
    assert.throws(() => StandardScaler.fromJSON({ ...s.toJSON(), scale: [1, null, 2] }), { message: `StandardScaler.fromJSON: "scale" must hold finite numbers, got null` });
    assert.throws(() => StandardScaler.fromJSON({ ...s.toJSON(), mean: [1] }), { message: `StandardScaler.fromJSON: "mean" must be an array with one entry per column (3)` });
  });
});

describe("MinMaxScaler", () => {
  const t = Table.fromObject({ a: [1, 2, 3, 5], k: [7, 7, 7, 7] });

  it("maps the training range onto [0, 1]; constant columns to 0", () => {
    const s = new MinMaxScaler().fit(t);
    const out = s.transform(t);
    near(col(out, "a"), [0, 0.25, 0.5, 1], "a");
    near(col(out, "k"), [0, 0, 0, 0], "k");
    near(col(s.transform(Table.fromObject({ a: [9, NaN], k: [8, 7] })), "a"), [2, NaN], "outside the range");
  });

  it("takes another featureRange and round-trips through JSON", () => {
    const s = new MinMaxScaler({ featureRange: [-1, 1] }).fit(t);
    near(col(s.transform(t), "a"), [-1, -0.5, 0, 1], "a");
    near(col(roundTrip(s, MinMaxScaler.fromJSON).transform(t), "a"), [-1, -0.5, 0, 1], "restored");
  });
});

describe("OneHotEncoder", () => {
  const train = Table.fromObject({ Type: ["M", "L", "H", "L"], n: [10, 2, 2, 10] });

  it("makes one 0/1 column per sorted category, named column_category", () => {
    const e = new OneHotEncoder().fit(train);
    assert.deepEqual(e.categories, [
      ["H", "L", "M"],
      ["2", "10"],
    ]);
    assert.deepEqual(e.featureNames, ["Type_H", "Type_L", "Type_M", "n_2", "n_10"]);
    const out = e.transform(train);
    assert.deepEqual(col(out, "Type_L"), [0, 1, 0, 1]);
    assert.deepEqual(col(out, "n_10"), [1, 0, 0, 1]);
  });

  it("handleUnknown error names the category and its row; ignore encodes zeros and logs", () => {
    const test = Table.fromObject({ Type: ["L", "X"], n: [2, 2] });
    assert.throws(() => new OneHotEncoder().fit(train).transform(test), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.message, `row 2, column "Type": category "X" was not seen in training (known: "H", "L", "M")`);
      return true;
    });
    const log: string[] = [];
    const out = new OneHotEncoder({ handleUnknown: "ignore" }).fit(train).transform(test, { log: (m) => log.push(m) });
    assert.deepEqual([col(out, "Type_H"), col(out, "Type_L"), col(out, "Type_M")], [[0, 0], [1, 0], [0, 0]]);
    assert.deepEqual(log, [`OneHotEncoder: 1 row of "Type" had categories not seen in training ("X"); encoded as all zeros`]);
  });

  it("names the file and line of an unknown category read from a CSV", () => {
    const e = new OneHotEncoder().fit(parseCsv("Type\nL\nM\n"));
    const test = parseCsv("Type\nM\n\nZ\n", { file: "new.csv" });
    assert.throws(() => e.transform(test), { message: `new.csv: line 4, column "Type": category "Z" was not seen in training (known: "L", "M")` });
  });

  it("takes categories in a given order, and rejects missing values", () => {
    const e = new OneHotEncoder({ categories: { Type: ["L", "M", "H"] } }).fit(train.select(["Type"]));
    assert.deepEqual(e.featureNames, ["Type_L", "Type_M", "Type_H"]);
    assert.throws(() => new OneHotEncoder().fit(Table.fromObject({ c: ["a", null] })), { message: `row 2, column "c": OneHotEncoder: missing value; impute it first (SimpleImputer)` });
  });

  it("round-trips through JSON", () => {
    const e = new OneHotEncoder({ handleUnknown: "ignore" }).fit(train);
    const back = roundTrip(e, OneHotEncoder.fromJSON);
    assert.equal(back.handleUnknown, "ignore");
    assert.deepEqual(back.featureNames, e.featureNames);
    assert.deepEqual(col(back.transform(train), "Type_M"), col(e.transform(train), "Type_M"));
  });
});

describe("OrdinalEncoder", () => {
  const train = Table.fromObject({ size: ["M", "S", "L", null] });

  it("codes categories by sorted or given order, keeping missing as NaN", () => {
    near(col(new OrdinalEncoder().fitTransform(train), "size"), [1, 2, 0, NaN], "sorted");
    near(col(new OrdinalEncoder({ categories: { size: ["S", "M", "L"] } }).fitTransform(train), "size"), [1, 0, 2, NaN], "given");
  });

  it("an unknown category is an error or the configured code", () => {
    const test = Table.fromObject({ size: ["XL"] });
    assert.throws(() => new OrdinalEncoder().fit(train).transform(test), { message: `row 1, column "size": category "XL" was not seen in training (known: "L", "M", "S")` });
    const e = new OrdinalEncoder({ handleUnknown: "useEncodedValue", unknownValue: -1 }).fit(train);
    near(col(e.transform(test), "size"), [-1], "unknown");
    const nan = new OrdinalEncoder({ handleUnknown: "useEncodedValue", unknownValue: NaN }).fit(train);
    near(col(roundTrip(nan, OrdinalEncoder.fromJSON).transform(test), "size"), [NaN], "NaN survives JSON");
  });
});

describe("LabelEncoder", () => {
  it("codes sorted classes; numbers sort numerically", () => {
    const e = new LabelEncoder();
    const y = e.fitTransform(["cat", "dog", "cat", "bird"]);
    assert.equal(y.dtype, "int32");
    assert.deepEqual(Array.from(y.toArray()), [1, 2, 1, 0]);
    assert.deepEqual(e.classes, ["bird", "cat", "dog"]);
    assert.deepEqual(e.inverseTransform([0, 2]), ["bird", "dog"]);
    const n = new LabelEncoder().fit([1, 0, 10, 2]);
    assert.deepEqual(n.classes, [0, 1, 2, 10]);
    assert.deepEqual(Array.from(n.transform(["10", 0]).toArray()), [3, 0]);
  });

  it("an unseen label is an error naming the value, and the file, line and column of a table", () => {
    const e = new LabelEncoder().fit(["bird", "cat", "dog"]);
    assert.throws(() => e.transform(["cat", "fish"]), { message: `row 2: label "fish" was not seen in training (known: "bird", "cat", "dog")` });
    const t = parseCsv("x,species\n1,cat\n2,dog\n3,fish\n", { file: "zoo.csv" });
    assert.throws(() => e.transform(t, "species"), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.message, `zoo.csv: line 4, column "species": label "fish" was not seen in training (known: "bird", "cat", "dog")`);
      assert.deepEqual([err.file, err.line, err.column], ["zoo.csv", 4, "species"]);
      return true;
    });
    assert.throws(() => e.fit(parseCsv("y\na\nNA\n", { file: "y.csv" }), "y"), { message: `y.csv: line 3, column "y": LabelEncoder: the label is missing` });
  });

  it("reads a table's target column and round-trips through JSON", () => {
    const t = parseCsv("f,target\n0.5,1\n0.1,0\n0.7,1\n");
    const e = new LabelEncoder().fit(t, "target");
    assert.deepEqual(e.classes, [0, 1]);
    const back = roundTrip(e, LabelEncoder.fromJSON);
    assert.deepEqual(Array.from(back.transform(t, "target").toArray()), [1, 0, 1]);
    assert.throws(() => e.inverseTransform([2]), { message: "LabelEncoder.inverseTransform: class index 2 is out of range for 2 classes" });
  });
});

describe("ColumnTransformer", () => {
  const csv = ["id,age,city,smoker,income,target", "1,20,A,yes,100,0", "2,30,B,no,,1", "3,,A,,300,0", "4,50,,yes,400,1"].join("\n");
  const train = parseCsv(csv, { file: "train.csv" });

  it("imputes, scales and one-hot encodes by type into a float32 matrix with feature names", () => {
    const ct = new ColumnTransformer({ drop: ["id", "target"] });
    const x = ct.fitTransform(train);
    assert.deepEqual(ct.featureNames, ["age", "income", "city_A", "city_B", "smoker"]);
    assert.deepEqual(x.shape, [4, 5]);
    assert.equal(x.dtype, "float32");
    // age: median 30 fills row 3 → [20, 30, 30, 50], mean 32.5, population variance 118.75.
    const age = [20, 30, 30, 50].map((v) => (v - 32.5) / Math.sqrt(118.75));
    // income: median 300 fills row 2 → [100, 300, 300, 400], mean 275, variance 11875.
    const income = [100, 300, 300, 400].map((v) => (v - 275) / Math.sqrt(11875));
    // city: most frequent "A" fills row 4; smoker: most frequent 1 (yes) fills row 3.
    const city = [[1, 0], [0, 1], [1, 0], [1, 0]];
    const smoker = [1, 0, 1, 1];
    const expected = [0, 1, 2, 3].flatMap((r) => [age[r], income[r], ...city[r], smoker[r]]);
    assertClose(x, expected, { atol: 1e-6, rtol: 1e-6 });
    assert.deepEqual(ct.inputColumns, ["age", "income", "city", "smoker"]);
  });

  it("applies the training statistics to new data, logging imputation and unknown categories", () => {
    const ct = new ColumnTransformer({ drop: ["id", "target"] }).fit(train);
    const test = parseCsv("age,city,smoker,income\n,C,no,275\n", { file: "test.csv" });
    const log: string[] = [];
    const x = ct.transform(test, { log: (m) => log.push(m) });
    assertClose(x, [(30 - 32.5) / Math.sqrt(118.75), 0, 0, 0, 0], { atol: 1e-6 });
    assert.deepEqual(log, [
      `SimpleImputer: filled 1 missing value in "age" with 30 (median)`,
      `OneHotEncoder: 1 row of "city" had categories not seen in training ("C"); encoded as all zeros`,
    ]);
  });

  it("per-column steps override the type's; [] passes a column through", () => {
    const ct = new ColumnTransformer({
      drop: ["id", "target"],
      columns: { city: [new SimpleImputer({ strategy: "constant", fillValue: "Z" }), new OrdinalEncoder()], age: [new SimpleImputer({ strategy: "mean" }), new MinMaxScaler()], income: "drop" },
    });
    const x = ct.fitTransform(train);
    assert.deepEqual(ct.featureNames, ["age", "city", "smoker"]);
    // age: mean 100/3 fills row 3; min 20, max 50. city: categories A, B, Z.
    assertClose(x, [0, 0, 1, 1 / 3, 1, 0, (100 / 3 - 20) / 30, 0, 1, 1, 2, 1], { atol: 1e-6 });
  });

  it("round-trips through JSON and gives the same matrix", () => {
    const ct = new ColumnTransformer({ drop: ["id", "target"] }).fit(train);
    const back = roundTrip(ct, ColumnTransformer.fromJSON);
    assert.deepEqual(back.featureNames, ct.featureNames);
    assertClose(back.transform(train), ct.transform(train), { atol: 0, rtol: 0 });
  });

  it("errors: a missing input column, a missing value left, text left, a reused step", () => {
    const ct = new ColumnTransformer({ drop: ["id", "target"] }).fit(train);
    assert.throws(() => ct.transform(train.drop(["city"])), { message: `train.csv: ColumnTransformer: column "city", used in training, is not in the data` });
    const raw = new ColumnTransformer({ drop: ["id", "target", "city"], numeric: [], boolean: [] });
    assert.throws(() => raw.fit(train), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.message, `train.csv: line 4, column "age": ColumnTransformer: missing value left after the column's steps; add a SimpleImputer`);
      return true;
    });
    assert.throws(() => new ColumnTransformer({ drop: ["id", "target"], categorical: [new SimpleImputer({ strategy: "mostFrequent" })] }).fit(train), {
      message: `train.csv: column "city": ColumnTransformer: the column is still text after its steps; add an encoder (OneHotEncoder or OrdinalEncoder)`,
    });
    const shared = new StandardScaler();
    assert.throws(() => new ColumnTransformer({ drop: ["target"], columns: { age: [shared], income: [shared] } }).fit(train), {
      message: `ColumnTransformer: one StandardScaler instance is used for column "income" and elsewhere; give each its own`,
    });
    assert.throws(() => new ColumnTransformer({ drop: ["nope"] }).fit(train), (e: unknown) => e instanceof DataError && e.message.startsWith(`train.csv: no column "nope"`));
  });
});
