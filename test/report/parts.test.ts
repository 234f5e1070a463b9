import assert from "node:assert/strict";
import { test } from "node:test";
import { binaryCurves } from "../../src/report/index.js";
import { thinCurve } from "../../src/report/curves.js";
import { esc, fmt } from "../../src/report/escape.js";
import { bestEpoch, historyCurves } from "../../src/report/history.js";
import { metricLabel } from "../../src/report/labels.js";
import { linearScale } from "../../src/report/scale.js";

test("axes get nice ticks that end the axis", () => {
  const s = linearScale([0.083, 0.62], [300, 0]);
  assert.deepEqual(s.domain, [0, 0.7]);
  assert.deepEqual(s.ticks.map(s.format), ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]);
  assert.equal(s.map(0), 300);
  assert.equal(s.map(0.7), 0);
  const big = linearScale([1200, 18800], [0, 100]);
  assert.deepEqual(big.ticks.map(big.format), ["0", "5000", "10000", "15000", "20000"]);
});

test("epoch axes tick whole numbers over the data's own range", () => {
  const s = linearScale(Array.from({ length: 30 }, (_, i) => i + 1), [0, 100], { integer: true, ticks: 8 });
  assert.deepEqual(s.domain, [1, 30]);
  assert.deepEqual(s.ticks, [5, 10, 15, 20, 25, 30]);
  const one = linearScale([1], [0, 100], { integer: true });
  assert.deepEqual(one.domain, [0.5, 1.5]);
  assert.deepEqual(one.ticks, [1]);
});

test("a scale over no finite values, or one value, still has an extent", () => {
  assert.deepEqual(linearScale([NaN, Infinity], [0, 1]).domain, [0, 1]);
  const flat = linearScale([0.9, 0.9], [0, 1]);
  assert.ok(flat.domain[0] < 0.9 && flat.domain[1] > 0.9);
  assert.deepEqual(linearScale([5], [0, 1], { domain: [0, 1] }).domain, [0, 1]);
});

test("numbers read the same everywhere: n/a for NaN, no negative zero", () => {
  assert.equal(fmt(NaN), "n/a");
  assert.equal(fmt(Infinity), "∞");
  assert.equal(fmt(0.97345), "0.9735");
  assert.equal(fmt(-0.00001), "-1.00e-5");
  assert.equal(fmt(-0), "0");
  assert.equal(fmt(-0.00004), "-4.00e-5");
  assert.equal(fmt(1402), "1402");
  assert.equal(fmt(12345.678), "12345.7");
  assert.equal(fmt(2.5e7), "2.50e+7");
});

test("esc turns markup characters into entities", () => {
  assert.equal(esc(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});

test("metric names read as words", () => {
  assert.equal(metricLabel("rocAuc"), "ROC AUC");
  assert.equal(metricLabel("top3Accuracy"), "Top-3 accuracy");
  assert.equal(metricLabel("myCustomScore"), "My custom score");
});

test("history curves pair training and validation values, in logging order", () => {
  const h = historyCurves({
    epochs: [
      { epoch: 1, loss: 1, accuracy: 0.5, valLoss: 1.1, valAccuracy: 0.4, lr: 0.1, seconds: 1 },
      { epoch: 2, loss: 0.5, accuracy: 0.7, valLoss: 0.9, valAccuracy: 0.6, lr: 0.1, seconds: 1 },
      { epoch: 3, loss: 0.4, valLoss: 0.95, lr: 0.1, seconds: 1 } as never,
    ],
  });
  assert.deepEqual(h.epochs, [1, 2, 3]);
  assert.deepEqual(h.loss, { name: "loss", train: [1, 0.5, 0.4], val: [1.1, 0.9, 0.95] });
  assert.deepEqual(h.metrics.map((c) => c.name), ["accuracy"]);
  assert.ok(Number.isNaN(h.metrics[0].train![2]), "an epoch without the key is a gap");
  assert.equal(h.lr, null, "a constant learning rate is no chart");
});

test("the best epoch is the lowest loss, or the highest accuracy-like metric", () => {
  const history = {
    epochs: [
      { epoch: 1, loss: 1, valLoss: 0.9, valPrAuc: 0.5, lr: 0.1, seconds: 1 },
      { epoch: 2, loss: 0.5, valLoss: 0.7, valPrAuc: NaN, lr: 0.1, seconds: 1 },
      { epoch: 3, loss: 0.4, valLoss: 0.8, valPrAuc: 0.6, lr: 0.1, seconds: 1 },
      { epoch: 4, loss: 0.3, valLoss: 0.7, valPrAuc: 0.6, lr: 0.1, seconds: 1 },
    ],
  };
  assert.deepEqual(bestEpoch(history), { key: "valLoss", name: "loss", val: true, epoch: 2, value: 0.7 });
  assert.deepEqual(bestEpoch(history, "valPrAuc"), { key: "valPrAuc", name: "prAuc", val: true, epoch: 3, value: 0.6 });
  assert.equal(bestEpoch(history, "valAccuracy"), null);
  assert.equal(bestEpoch(undefined), null);
});

test("binaryCurves gives ROC and precision-recall points from the same thresholds", () => {
  const y = [0, 0, 1, 1, 0, 1];
  const s = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9];
  const { rocCurve, prCurve } = binaryCurves(y, s);
  assert.ok(rocCurve && prCurve);
  assert.deepEqual(rocCurve.fpr.length, rocCurve.tpr.length);
  assert.ok(Math.abs(rocCurve.auc - 8 / 9) < 1e-12);
  // Thresholds 0.9, 0.8: two positives, precision 1; 0.4: one negative joins (2/3); 0.35: 3/4.
  assert.deepEqual(prCurve.recall.slice(0, 5), [0, 1 / 3, 2 / 3, 2 / 3, 1]);
  assert.deepEqual(prCurve.precision.slice(0, 5), [1, 1, 1, 2 / 3, 3 / 4]);
  assert.equal(prCurve.positiveRate, 0.5);
  assert.ok(Math.abs(prCurve.ap! - (1 / 3 + 1 / 3 + (1 / 3) * 0.75)) < 1e-12);
  assert.deepEqual(binaryCurves([1, 1, 1], [0.2, 0.5, 0.9]), {});
});

test("curve thinning keeps the corners of horizontal and vertical runs", () => {
  const c = thinCurve([0, 0, 0, 0.5, 1, 1], [0, 0.5, 1, 1, 1, 1]);
  assert.deepEqual(c, { xs: [0, 0, 1], ys: [0, 1, 1] });
});
