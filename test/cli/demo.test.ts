import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { tmpDir } from "../data/tmp.js";
import { json, ok } from "./cli_helpers.js";

const tmp = tmpDir("cli-demo");

test("lathe demo reaches >= 0.95 test accuracy and >= 0.98 ROC AUC with the default seed, and saves a bundle", async () => {
  const out = tmp.path("demo");
  const r = await json(["demo", "--out", out]);
  assert.equal(r.bundle, out);
  assert.equal(r.task, "classification");
  assert.ok(r.metrics.test.accuracy >= 0.95, `accuracy ${r.metrics.test.accuracy}`);
  assert.ok(r.metrics.test.rocAuc >= 0.98, `ROC AUC ${r.metrics.test.rocAuc}`);
  for (const name of ["accuracy", "rocAuc", "prAuc", "f1", "precision", "recall", "logLoss"]) {
    assert.equal(typeof r.metrics.validation[name], "number", name);
  }
  assert.ok(existsSync(`${out}/lathe.json`) && existsSync(`${out}/report.html`));
});

test("lathe demo prints progress, the test metrics, the confusion matrix and the next commands", async () => {
  const out = tmp.path("demo-short");
  const r = await ok(["demo", "--epochs", "3", "--out", out]);
  assert.match(r.stderr, /^Epoch 3\/3 /m);
  assert.match(r.stdout, /test accuracy \d+\.\d% \(\d+\/86 patients held out from training\), ROC-AUC 0\.\d{4}/);
  assert.match(r.stdout, /true \\ predicted\s+0\s+1\n\s+0\s+\d+\s+\d+\n\s+1\s+\d+\s+\d+/);
  for (const cmd of ["evaluate", "predict", "serve"]) assert.match(r.stdout, new RegExp(`lathe ${cmd} ${out}`));
});
