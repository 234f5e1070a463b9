import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tmpDir } from "../data/tmp.js";
import { CSV, DIGITS, json, lathe, ok } from "./cli_helpers.js";

const tmp = tmpDir("cli-datasets");
const REGRESSION_METRICS = ["mae", "mse", "r2", "rmse"];

test("iris with only --data and --target: a 3-class classifier in ./lathe-model", async () => {
  const r = await ok(["train", "--data", join(CSV, "iris.csv"), "--target", "target"], { cwd: tmp.path("") });
  assert.match(r.stderr, /task: classification, detected: "target" holds 3 distinct integers/);
  const info = await json(["info", tmp.path("lathe-model")]);
  assert.deepEqual(info.labels, [0, 1, 2]);
  assert.equal(info.architecture.outputs, 3);
  assert.ok(info.metrics.test.accuracy >= 0.8, `accuracy ${info.metrics.test.accuracy}`);
  assert.ok(!("rocAuc" in info.metrics.test), "ROC AUC is reported for two classes only");
});

test("--task overrides the detected task", async () => {
  const r = await json(["train", "--data", join(CSV, "iris.csv"), "--target", "target", "--task", "regression", "--epochs", "2", "--out", tmp.path("iris-reg")]);
  assert.equal(r.task, "regression");
  assert.deepEqual(Object.keys(r.metrics.test).sort(), REGRESSION_METRICS);
});

test("digits: ten classes from 64 pixel columns", async () => {
  const r = await json(["train", "--data", DIGITS, "--target", "label", "--epochs", "3", "--out", tmp.path("digits")]);
  assert.equal(r.task, "classification");
  assert.deepEqual(r.labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(r.metrics.test.accuracy > 0.8, `accuracy ${r.metrics.test.accuracy}`);
  assert.equal(r.confusionMatrix.matrix.length, 10);
});

test("ai4i 2020: the identifier columns UDI and Product ID are detected, dropped and logged, and passed through by predict", async () => {
  const data = join(CSV, "ai4i2020_every5th.csv");
  const out = tmp.path("ai4i");
  const r = await ok(["train", "--data", data, "--target", "Machine failure", "--epochs", "3", "--out", out, "--json"]);
  assert.match(r.stderr, /dropping identifier column "UDI": /);
  assert.match(r.stderr, /dropping identifier column "Product ID": text unique per row/);
  const result = JSON.parse(r.stdout);
  assert.deepEqual(result.dropped.map((d: { name: string }) => d.name), ["UDI", "Product ID"]);
  assert.ok(!result.features.includes("UDI") && result.features.includes("Type"));
  const preds = tmp.path("ai4i.csv");
  await ok(["predict", out, "--data", data, "--out", preds]);
  const lines = readFileSync(preds, "utf8").split("\n");
  assert.equal(lines[0], "UDI,Product ID,prediction,probability_0,probability_1");
  assert.match(lines[1], /^1,M14860,[01],/);
});

test("a regression target with missing values, categorical and boolean and date columns", async () => {
  const data = join(CSV, "houses.csv");
  const out = tmp.path("houses");
  const r = await ok(["train", "--data", data, "--target", "price", "--out", out, "--json"]);
  assert.match(r.stderr, /task: regression, detected: "price" holds non-integer numbers/);
  assert.match(r.stderr, /SimpleImputer: filled \d+ missing values in "area_m2"/);
  assert.match(r.stderr, /dropping identifier column "listing"/);
  const result = JSON.parse(r.stdout);
  assert.equal(result.task, "regression");
  assert.deepEqual(Object.keys(result.metrics.test).sort(), REGRESSION_METRICS);
  assert.ok(result.metrics.test.r2 > 0.7, `r2 ${result.metrics.test.r2}`);
  const info = await json(["info", out]);
  const types = Object.fromEntries(info.features.map((f: { name: string; type: string }) => [f.name, f.type]));
  assert.deepEqual(types, { area_m2: "numeric", rooms: "numeric", city: "categorical", garden: "boolean", built: "date" });
  const p = await json(["predict", out, "--data", data]);
  assert.equal(p.predictions.length, 240);
  assert.equal(typeof p.predictions[0].prediction, "number");
  assert.equal(p.predictions[0].listing, "H-5MT");
});

test("a text target with missing cells in numeric and categorical columns: labels come back as text", async () => {
  const data = join(CSV, "churn.csv");
  const out = tmp.path("churn");
  const r = await json(["train", "--data", data, "--target", "outcome", "--out", out]);
  assert.deepEqual(r.labels, ["leave", "stay"]);
  assert.ok(r.metrics.test.rocAuc > 0.8, `ROC AUC ${r.metrics.test.rocAuc}`);
  const preds = tmp.path("churn.jsonl");
  await ok(["predict", out, "--data", data, "--out", preds]);
  const rows = readFileSync(preds, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.ok(rows.every((row) => ["leave", "stay"].includes(row.prediction)));
  // Row 1 has monthly_fee "?": imputed, not an error.
  assert.equal(rows[0].customer, "C100000");
  const e = await lathe(["evaluate", out, "--data", data]);
  assert.equal(e.code, 0, e.stderr);
});

test("a run config shapes the model, optimizer, schedule and preprocessing; rows without a target are dropped and logged", async () => {
  const lines = readFileSync(join(CSV, "iris.csv"), "utf8").split("\n");
  for (const i of [2, 40]) lines[i] = lines[i].replace(/,\d$/, ",");
  const data = tmp.write("iris-gaps.csv", lines.join("\n"));
  const config = tmp.write("run.yaml", [
    "model: { hidden: [16], dropout: 0.1, batchNorm: true, activation: tanh }",
    "optimizer: { name: sgd, lr: 0.05, momentum: 0.9 }",
    "schedule: { type: cosine }",
    "training: { epochs: 4, batchSize: 16, classWeight: balanced, earlyStopping: false }",
    "split: { validation: 0.2, test: 0.2 }",
    "preprocessing: { numeric: { scale: minmax }, columns: { 'sepal width (cm)': drop } }",
  ].join("\n"));
  const out = tmp.path("configured");
  const r = await ok(["train", "--data", data, "--target", "target", "--config", config, "--out", out, "--json"]);
  assert.match(r.stderr, /dropped 2 rows whose target "target" is missing \(the first at line 3\)/);
  const result = JSON.parse(r.stdout);
  assert.equal(result.epochs, 4);
  assert.deepEqual(result.rows, { train: 88, validation: 30, test: 30 });
  assert.deepEqual(result.dropped, [{ name: "sepal width (cm)", reason: "dropped by the config" }]);
  const info = await json(["info", out]);
  assert.deepEqual(info.architecture, { type: "mlp", inputs: 3, hidden: [16], outputs: 3, dropout: 0.1, batchNorm: true, activation: "tanh" });
  assert.equal(info.training.config.optimizer.name, "sgd");
  assert.deepEqual(info.training.config.schedule, { type: "cosine", minLr: 0 });
  assert.match(readFileSync(join(out, "history.jsonl"), "utf8").trim().split("\n")[3], /"lr":0\.0073/);
});
