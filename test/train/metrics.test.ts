import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tensor } from "../../src/index.js";
import {
  UndefinedMetricError, accuracy, confusionMatrix, f1, logLoss, mae, mse, prAuc, precision, r2, recall, rmse, rocAuc, rocCurve, topKAccuracy,
} from "../../src/train/index.js";
import { FIXTURES } from "../helpers.js";

type Value = number | "nan";
interface MetricCase {
  fn: string;
  args: (Value | Value[])[][];
  options: Record<string, unknown>;
  expected: Value | Value[] | Value[][];
}

const decode = (v: unknown): unknown => (v === "nan" ? NaN : Array.isArray(v) ? v.map(decode) : v);

// Every metric by its fixture name, taking the fixture's positional inputs and options.
const FNS: Record<string, (a: any, b: any, o: any) => unknown> = {
  accuracy: (a, b) => accuracy(a, b),
  confusionMatrix: (a, b, o) => confusionMatrix(a, b, o).matrix,
  precision, recall, f1, rocAuc, prAuc, logLoss, topKAccuracy,
  rocCurve: (a, b, o) => {
    const c = rocCurve(a, b, o);
    return [c.fpr, c.tpr];
  },
  mse: (a, b) => mse(a, b),
  rmse: (a, b) => rmse(a, b),
  mae: (a, b) => mae(a, b),
  r2: (a, b) => r2(a, b),
};

function assertNear(actual: unknown, expected: unknown, what: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${what}: expected an array`);
    assert.equal(actual.length, expected.length, `${what}: length`);
    expected.forEach((e, i) => assertNear(actual[i], e, `${what}[${i}]`));
    return;
  }
  if (Number.isNaN(expected)) return assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
  assert.ok(Math.abs((actual as number) - (expected as number)) <= 1e-12 + 1e-9 * Math.abs(expected as number), `${what}: got ${actual}, sklearn ${expected}`);
}

describe("metrics against sklearn", () => {
  const { cases } = JSON.parse(readFileSync(join(FIXTURES, "metrics.json"), "utf8")) as { cases: Record<string, MetricCase> };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const [a, b] = c.args.map(decode);
      assertNear(FNS[c.fn](a, b, c.options), decode(c.expected), name);
    });
  }
});

describe("metrics by hand", () => {
  it("takes tensors, booleans and [N, 1] columns", () => {
    assert.equal(accuracy(tensor([1, 0, 1], { dtype: "int32" }), tensor([[1], [1], [1]])), 2 / 3);
    assert.equal(precision([true, false, true], [true, true, false]), 0.5);
    assert.deepEqual(confusionMatrix([0, 1, 1, 2], [0, 2, 1, 2]), { labels: [0, 1, 2], matrix: [[1, 0, 0], [0, 1, 1], [0, 0, 1]] });
    assert.deepEqual(confusionMatrix([0, 1, 1, 2], [0, 2, 1, 2], { labels: [1, 0] }).matrix, [[1, 0], [0, 1]]);
  });

  it("ROC AUC counts tied scores half", () => {
    // One positive and one negative tie at 0.5, the other pair is ordered correctly: (1 + 0.5 + 1 + 1) / 4.
    assert.equal(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1]), 0.875);
    assert.deepEqual(rocCurve([0, 1], [0.2, 0.7]), { fpr: [0, 0, 1], tpr: [0, 1, 1], thresholds: [Infinity, 0.7, 0.2] });
  });

  it("average precision of a ranking with a miss in the middle", () => {
    // Positives at ranks 1 and 3: (1/2)·1 + (1/2)·(2/3).
    assert.ok(Math.abs(prAuc([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) - (0.5 + 1 / 3)) < 1e-15);
  });

  it("one-class data: ROC AUC and log-loss are undefined, as in sklearn", () => {
    assert.throws(() => rocAuc([1, 1, 1], [0.2, 0.5, 0.9]), UndefinedMetricError);
    assert.throws(() => rocCurve([0, 0], [0.2, 0.5]), /only negatives/);
    assert.throws(() => logLoss([1, 1], [0.9, 0.8]), /only the label 1; pass the classes as labels/);
    assert.equal(prAuc([0, 0, 0], [0.1, 0.5, 0.3]), 0);
    assert.ok(Number.isNaN(r2([3], [2])));
  });

  it("rejects bad input with the op and the problem", () => {
    assert.throws(() => accuracy([0, 1], [0, 1, 1]), /accuracy: yTrue has 2 samples, the predictions 3/);
    assert.throws(() => accuracy([0, 1], [[0.2, 0.8], [0.6, 0.4]]), /take their argmax first/);
    assert.throws(() => f1([0, 1, 2], [0, 1, 1]), /multiclass .* but average is "binary"/);
    assert.throws(() => precision([2, 3], [2, 2]), /posLabel 1 is not one of the labels \[2, 3\]/);
    assert.throws(() => rocAuc([0, 1, 2], [0.1, 0.2, 0.3]), /two classes, got 3/);
    assert.throws(() => mse([1, 2], [1, NaN]), /mse: yPred holds NaN at flat index 1/);
    assert.throws(() => mse([], []), /mse: yTrue is empty/);
    assert.throws(() => r2([[1, 2]], [1, 2]), /yTrue has 1 rows of 2 values, yPred 2 rows of 1/);
    assert.throws(() => topKAccuracy([0, 3], [[0.1, 0.9], [0.5, 0.5]], { k: 1 }), /label 3 at index 1 is not a class index/);
    assert.throws(() => logLoss([0, 1, 2], [0.1, 0.9, 0.5]), /one probability \(two classes\) per sample but there are 3 labels/);
  });
});
