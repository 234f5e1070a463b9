import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tensor } from "../../src/index.js";
import { DataError, Table, parseCsv, slidingWindows } from "../../src/data/index.js";

const series = Table.fromObject({ a: [0, 1, 2, 3, 4, 5], b: [10, 11, 12, 13, 14, 15], flag: [0, 0, 0, 0, 1, 0] });

function list(t: { toArray(): ArrayLike<number> }): number[] {
  return Array.from(t.toArray());
}

describe("slidingWindows", () => {
  it("windows of `window` rows with the targets `horizon` rows after each", () => {
    const w = slidingWindows(series.select(["a", "b"]), { window: 3 });
    assert.deepEqual(w.inputs.shape, [3, 3, 2]);
    assert.deepEqual(list(w.inputs).slice(0, 6), [0, 10, 1, 11, 2, 12]);
    assert.deepEqual(w.targets.shape, [3, 2]);
    assert.deepEqual(list(w.targets), [3, 13, 4, 14, 5, 15]);
    assert.deepEqual(Array.from(w.starts), [0, 1, 2]);
    assert.deepEqual([w.featureNames, w.targetNames], [["a", "b"], ["a", "b"]]);
  });

  it("feature and target columns, stride, horizon 0", () => {
    const w = slidingWindows(series, { window: 2, stride: 2, featureColumns: ["a"], targetColumns: ["b"] });
    assert.deepEqual([w.inputs.shape, list(w.inputs), list(w.targets)], [[2, 2, 1], [0, 1, 2, 3], [12, 14]]);
    const now = slidingWindows(series, { window: 2, horizon: 0, featureColumns: ["a"], targetColumns: ["flag"] });
    assert.deepEqual(list(now.targets), [0, 0, 0, 1, 0]);
  });

  it("sequence targets [N, horizon, targets] for multi-step forecasts", () => {
    const w = slidingWindows(series, { window: 2, horizon: 2, target: "sequence", featureColumns: ["a"], targetColumns: ["b"] });
    assert.deepEqual(w.targets.shape, [3, 2, 1]);
    assert.deepEqual(list(w.targets), [12, 13, 13, 14, 14, 15]);
  });

  it("max targets flag a failure anywhere within the horizon", () => {
    const w = slidingWindows(series, { window: 2, horizon: 2, target: "max", featureColumns: ["a", "b"], targetColumns: ["flag"] });
    assert.deepEqual(list(w.targets), [0, 1, 1]);
  });

  it("groupBy keeps windows inside one machine's run (C-MAPSS units)", () => {
    const t = parseCsv("1 1 0.5\n1 2 0.6\n1 3 0.7\n2 1 0.1\n2 2 0.2\n2 3 0.3\n2 4 0.4\n", { columns: ["unit", "cycle", "s1"] });
    const w = slidingWindows(t, { window: 2, groupBy: "unit", featureColumns: ["s1"] });
    assert.deepEqual(Array.from(w.starts), [0, 3, 4]);
    assert.deepEqual(list(w.targets).map((v) => Math.round(v * 10) / 10), [0.7, 0.3, 0.4]);
    assert.deepEqual(slidingWindows(t, { window: 2, groupBy: "unit" }).featureNames, ["cycle", "s1"]);
  });

  it("takes a tensor [T, F], columns by index", () => {
    const x = tensor([[0, 10], [1, 11], [2, 12], [3, 13]]);
    const w = slidingWindows(x, { window: 2, targetColumns: [1] });
    assert.deepEqual([w.inputs.shape, list(w.targets), w.targetNames], [[2, 2, 2], [12, 13], ["x1"]]);
  });

  it("errors: too short a series, missing values, text columns, bad sizes", () => {
    assert.throws(() => slidingWindows(series, { window: 6 }), { message: "slidingWindows: no series has the 7 rows one window of 6 plus a horizon of 1 needs" });
    const gap = parseCsv("v\n1\n\n3\n", { file: "s.csv" });
    assert.throws(() => slidingWindows(parseCsv("v\n1\nNA\n3\n", { file: "s.csv" }), { window: 1 }), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.message, `s.csv: line 3, column "v": slidingWindows: missing value; impute it first`);
      return true;
    });
    assert.equal(slidingWindows(gap, { window: 1 }).inputs.shape[0], 1);
    assert.throws(() => slidingWindows(Table.fromObject({ s: ["x", "y"] }), { window: 1 }), { message: `column "s": slidingWindows: the column is categorical; encode it first` });
    assert.throws(() => slidingWindows(series, { window: 0 }), { message: "slidingWindows: window must be an integer of at least 1, got 0" });
    assert.throws(() => slidingWindows(series, { window: 2, horizon: 0, target: "max" }), { message: "slidingWindows: horizon must be an integer of at least 1, got 0" });
  });
});
