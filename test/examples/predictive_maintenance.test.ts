import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { main } from "../../examples/predictive_maintenance.js";
import { tmpDir } from "../data/tmp.js";

test("the maintenance model ranks failures far above chance and writes a report", async () => {
  const dir = tmpDir("maintenance");
  const lines: string[] = [];
  const r = await main({ epochs: 15, seed: 0, reportPath: dir.path("report.html"), log: (l) => lines.push(l) });

  assert.deepEqual(r.droppedColumns, ["UDI", "Product ID", "TWF", "HDF", "PWF", "OSF", "RNF"]);
  assert.match(lines.join("\n"), /dropping identifier column "UDI"/);
  assert.ok(r.posWeight > 20 && r.posWeight < 40, `posWeight ${r.posWeight}`);
  // Failures are 3.4% of the rows: a PR AUC of 0.034 is what guessing gets.
  assert.ok(Math.abs(r.test.positiveRate - 0.034) < 0.002);
  assert.ok(r.test.prAuc > 10 * r.test.positiveRate, `PR AUC ${r.test.prAuc}`);
  assert.ok(r.test.rocAuc > 0.9, `ROC AUC ${r.test.rocAuc}`);
  assert.ok(r.validation.recall >= 0.9, "the threshold reaches the target recall on the validation rows");
  assert.ok(r.test.recall > 0.7, `test recall ${r.test.recall}`);
  const [[tn, fp], [fn, tp]] = r.confusionMatrix;
  assert.equal(tn + fp + fn + tp, 1500);
  assert.equal(fn + tp, 51, "the stratified test part keeps its 51 failures");
  assert.ok(Math.abs(r.test.recall - tp / (tp + fn)) < 1e-12);

  const html = readFileSync(r.reportPath!, "utf8");
  for (const part of ["Loss per epoch", "Confusion matrix of 2 classes", "ROC curve", "Precision-recall curve", "Test PR AUC", "synthetic by design"]) {
    assert.ok(html.includes(part), part);
  }
});
