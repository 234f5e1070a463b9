import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { before, test } from "node:test";
import { tmpDir } from "../data/tmp.js";
import { BREAST_CANCER, json, ok } from "./cli_helpers.js";

const tmp = tmpDir("cli-flow");
const bundle = tmp.path("bc");
const CLASSIFICATION_METRICS = ["accuracy", "precision", "recall", "f1", "logLoss", "rocAuc", "prAuc"];

let trained: any;
before(async () => {
  trained = await json(["train", "--data", BREAST_CANCER, "--target", "diagnosis", "--out", bundle, "--epochs", "15"]);
});

test("train --json prints one object with the bundle, task and both splits' metrics", () => {
  assert.equal(trained.bundle, bundle);
  assert.equal(trained.task, "classification");
  assert.deepEqual(trained.labels, [0, 1]);
  for (const split of ["test", "validation"]) assert.deepEqual(Object.keys(trained.metrics[split]).sort(), [...CLASSIFICATION_METRICS].sort());
  assert.ok(trained.metrics.test.accuracy > 0.9, `test accuracy ${trained.metrics.test.accuracy}`);
  assert.deepEqual(trained.rows, { train: 397, validation: 86, test: 86 });
  const cm = trained.confusionMatrix.matrix.flat().reduce((a: number, b: number) => a + b, 0);
  assert.equal(cm, 86);
  for (const file of ["lathe.json", "model.safetensors", "report.html", "history.jsonl", "checkpoints/last.json"]) {
    assert.ok(existsSync(`${bundle}/${file}`), `${file} written`);
  }
  assert.match(readFileSync(`${bundle}/report.html`, "utf8"), /^<!DOCTYPE html>/);
});

test("evaluate scores the bundle through the same path: a labelled CSV gives the same metric names", async () => {
  const [e, human] = await Promise.all([json(["evaluate", bundle, "--data", BREAST_CANCER]), ok(["evaluate", bundle, "--data", BREAST_CANCER])]);
  assert.equal(e.task, "classification");
  assert.equal(e.rows, 569);
  assert.deepEqual(Object.keys(e.metrics.test).sort(), [...CLASSIFICATION_METRICS].sort());
  // Most rows were seen in training, so the whole file scores at least as well as the held-out part.
  assert.ok(e.metrics.test.accuracy >= 0.95);
  assert.match(human.stdout, /accuracy 0\.\d{4}/);
});

test("predict writes labels with per-class probabilities as CSV and JSONL", async () => {
  const csv = tmp.path("preds.csv");
  const jsonl = tmp.path("preds.jsonl");
  const [, , p] = await Promise.all([
    ok(["predict", bundle, "--data", BREAST_CANCER, "--out", csv]),
    ok(["predict", bundle, "--data", BREAST_CANCER, "--out", jsonl]),
    json(["predict", bundle, "--data", BREAST_CANCER]),
  ]);
  const lines = readFileSync(csv, "utf8").trimEnd().split("\n");
  assert.equal(lines[0], "prediction,probability_0,probability_1");
  assert.equal(lines.length, 570);
  for (const line of lines.slice(1, 20)) {
    const [label, p0, p1] = line.split(",").map(Number);
    assert.ok(Math.abs(p0 + p1 - 1) < 1e-9);
    assert.equal(label, p1 > p0 ? 1 : 0);
  }
  const rows = readFileSync(jsonl, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(rows.length, 569);
  assert.deepEqual(Object.keys(rows[0].probabilities), ["0", "1"]);
  assert.equal(p.rows, 569);
  assert.deepEqual(p.predictions[0], rows[0]);
  assert.deepEqual(p.metrics, trained.metrics);
});

test("info describes the bundle: architecture, parameters, metrics", async () => {
  const [info, human] = await Promise.all([json(["info", bundle]), ok(["info", bundle])]);
  assert.equal(info.task, "classification");
  assert.deepEqual(info.architecture, { type: "mlp", inputs: 30, hidden: [128, 64], outputs: 1, dropout: 0, batchNorm: false, activation: "relu" });
  assert.equal(info.parameters, 30 * 128 + 128 + 128 * 64 + 64 + 64 + 1);
  assert.deepEqual(info.metrics, trained.metrics);
  assert.match(human.stdout, /MLP 30 → 128 → 64 → 1 \(relu\), 12289 parameters/);
});
