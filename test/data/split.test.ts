import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tensor } from "../../src/index.js";
import { Table, kFold, stratifiedKFold, trainTestSplit, trainValTestSplit } from "../../src/data/index.js";

function sorted(...parts: Int32Array[]): number[] {
  return parts.flatMap((p) => Array.from(p)).sort((a, b) => a - b);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function countBy(rows: Int32Array, labels: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[labels[r]] = (out[labels[r]] ?? 0) + 1;
  return out;
}

// 100 rows: 60 "a", 30 "b", 10 "c".
const labels = range(100).map((i) => (i < 60 ? "a" : i < 90 ? "b" : "c"));

describe("trainTestSplit", () => {
  it("partitions the rows: ceil(testSize·n) to test, sklearn's rounding", () => {
    const { train, test } = trainTestSplit(10, { testSize: 0.25, seed: 1 });
    assert.equal(test.length, 3);
    assert.equal(train.length, 7);
    assert.deepEqual(sorted(train, test), range(10));
    assert.equal(trainTestSplit(10, { testSize: 4 }).test.length, 4);
  });

  it("the same seed gives the same split, another seed another", () => {
    const a = trainTestSplit(50, { seed: 7 });
    const b = trainTestSplit(50, { seed: 7 });
    const c = trainTestSplit(50, { seed: 8 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(Array.from(a.test), Array.from(c.test));
  });

  it("shuffle false keeps row order: first rows train, last rows test", () => {
    const { train, test } = trainTestSplit(5, { testSize: 2, shuffle: false });
    assert.deepEqual([Array.from(train), Array.from(test)], [[0, 1, 2], [3, 4]]);
    const three = trainValTestSplit(10, { valSize: 2, testSize: 3, shuffle: false });
    assert.deepEqual([three.train, three.val, three.test].map((p) => Array.from(p)), [[0, 1, 2, 3, 4], [5, 6], [7, 8, 9]]);
  });

  it("stratify keeps each class's share", () => {
    const { train, test } = trainTestSplit(100, { testSize: 0.2, stratify: labels, seed: 3 });
    assert.deepEqual(countBy(test, labels), { a: 12, b: 6, c: 2 });
    assert.deepEqual(countBy(train, labels), { a: 48, b: 24, c: 8 });
    assert.deepEqual(sorted(train, test), range(100));
  });

  it("splits a table by a label column, carrying line numbers", () => {
    const t = Table.fromObject({ x: range(100), y: labels });
    const { train, test } = trainTestSplit(t, { testSize: 0.1, stratify: "y", seed: 0 });
    assert.equal(test.numRows, 10);
    assert.equal(train.numRows, 90);
    const testY = Array.from(test.column("y").values as string[]);
    assert.deepEqual([testY.filter((v) => v === "a").length, testY.filter((v) => v === "b").length, testY.filter((v) => v === "c").length], [6, 3, 1]);
  });

  it("stratifies by an int32 tensor", () => {
    const y = tensor(range(40).map((i) => i % 2), { dtype: "int32" });
    const { test } = trainTestSplit(40, { testSize: 0.5, stratify: y, seed: 2 });
    assert.equal(Array.from(test).filter((r) => r % 2 === 0).length, 10);
  });

  it("errors: bad sizes, single-member classes, stratify without shuffle", () => {
    assert.throws(() => trainTestSplit(10, { testSize: 1.5 }), { message: "trainTestSplit: testSize must be a fraction in (0, 1) or a count of rows in [0, 10], got 1.5" });
    assert.throws(() => trainTestSplit(3, { stratify: ["a", "a", "b"] }), { message: `split: class "b" has only 1 row; stratification needs at least 2 per class` });
    assert.throws(() => trainTestSplit(4, { stratify: ["a", "a", "b", "b"], shuffle: false }), { message: "split: stratify needs shuffle (a stratified split of rows in file order is not defined)" });
    assert.throws(() => trainTestSplit(3, { stratify: ["a", "b"] }), { message: "stratify: 2 labels for 3 rows" });
  });
});

describe("trainValTestSplit", () => {
  it("three disjoint parts sized from all rows, stratified and seeded", () => {
    const a = trainValTestSplit(100, { valSize: 0.1, testSize: 0.2, stratify: labels, seed: 5 });
    assert.deepEqual([a.train.length, a.val.length, a.test.length], [70, 10, 20]);
    assert.deepEqual(sorted(a.train, a.val, a.test), range(100));
    assert.deepEqual(countBy(a.test, labels), { a: 12, b: 6, c: 2 });
    assert.deepEqual(countBy(a.val, labels), { a: 6, b: 3, c: 1 });
    assert.deepEqual(a, trainValTestSplit(100, { valSize: 0.1, testSize: 0.2, stratify: labels, seed: 5 }));
  });
});

describe("kFold and stratifiedKFold", () => {
  it("kFold: every row tested once; the first n % k folds one row larger", () => {
    const folds = kFold(10, { k: 3 });
    assert.deepEqual(folds.map((f) => f.test.length), [4, 3, 3]);
    assert.deepEqual(Array.from(folds[0].test), [0, 1, 2, 3]);
    assert.deepEqual(sorted(...folds.map((f) => f.test)), range(10));
    for (const f of folds) assert.deepEqual(sorted(f.train, f.test), range(10));
    const shuffled = kFold(10, { k: 3, shuffle: true, seed: 4 });
    assert.deepEqual(shuffled, kFold(10, { k: 3, shuffle: true, seed: 4 }));
    assert.notDeepEqual(shuffled, folds);
    assert.throws(() => kFold(2, { k: 3 }), { message: "kFold: k = 3 folds need at least 3 rows, got 2" });
  });

  it("stratifiedKFold keeps the class proportions in every fold", () => {
    const folds = stratifiedKFold(labels, { k: 5, shuffle: true, seed: 9 });
    for (const f of folds) {
      assert.deepEqual(countBy(f.test, labels), { a: 12, b: 6, c: 2 });
      assert.equal(f.train.length, 80);
    }
    assert.deepEqual(sorted(...folds.map((f) => f.test)), range(100));
    assert.deepEqual(folds, stratifiedKFold(labels, { k: 5, shuffle: true, seed: 9 }));
  });
});
