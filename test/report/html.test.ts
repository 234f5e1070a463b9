import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { renderReport, writeReport } from "../../src/report/index.js";
import { tmpDir } from "../data/tmp.js";
import { count, sampleInput, section } from "./sample.js";

test("the report has its sections, one chart per curve, and the SVG elements of each", () => {
  const html = renderReport(sampleInput());
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<title>Failure prediction<\/title>/);
  for (const id of ["summary", "training", "evaluation", "notes", "run"]) assert.ok(html.includes(`id="${id}"`), `section ${id}`);

  const training = section(html, "training");
  // loss, accuracy, and the learning rate (the schedule changed it)
  assert.equal(count(training, "<svg"), 3);
  assert.ok(training.includes('aria-label="Loss per epoch"') && training.includes('aria-label="Accuracy per epoch"'));
  assert.ok(training.includes('aria-label="Learning rate per epoch"'));
  assert.ok(training.includes(">training</text>") && training.includes(">validation</text>"), "legend");
  assert.ok(training.includes(">Epoch</text>"), "x axis title");
  assert.ok(training.includes("best epoch 3"), "the lowest validation loss is marked");
  assert.ok(html.includes("best validation loss 0.2500 at epoch 3"));
  assert.ok(count(training, "<circle") >= 20, "dots with tooltips");

  const evaluation = section(html, "evaluation");
  assert.ok(evaluation.includes('aria-label="Confusion matrix of 2 classes"'));
  assert.equal(count(evaluation, /<rect[^>]*><title>true /), 4, "one cell per (true, predicted) pair");
  assert.ok(evaluation.includes(">90</text>") && evaluation.includes(">13</text>"), "counts in the cells");
  assert.ok(evaluation.includes("ROC curve") && evaluation.includes("model (AUC 0.9700)"));
  assert.ok(evaluation.includes("Precision-recall curve") && evaluation.includes("chance (16.0% positive)"));
  assert.ok(evaluation.includes("threshold 0.3"));
  assert.match(evaluation, /<td[^>]*>ROC AUC<\/td><td class="num">0\.9600<\/td><td class="num">0\.9700<\/td>/);

  assert.ok(section(html, "summary").includes("Test Accuracy"));
  assert.ok(section(html, "run").includes("ai4i2020.csv"));
  assert.ok(section(html, "run").includes("Values per epoch (5)"));
});

test("the monitor's best epoch is marked on its own chart, and the headline metrics can be chosen", () => {
  const input = sampleInput();
  input.monitor = "valAccuracy";
  input.headline = ["prAuc", "rocAuc"];
  const html = renderReport(input);
  const accuracyChart = html.slice(html.indexOf('aria-label="Accuracy per epoch"'));
  assert.ok(accuracyChart.slice(0, accuracyChart.indexOf("</svg>")).includes("best epoch 5"));
  assert.equal(count(html, "best epoch"), 1);
  assert.ok(html.includes("best validation accuracy 0.9300 at epoch 5"));
  const cards = section(html, "summary");
  assert.ok(cards.indexOf("Test PR AUC") < cards.indexOf("Test ROC AUC"));
  assert.ok(!cards.includes("Test Accuracy"));
});

test("the report is self-contained: no scripts, external resources or network addresses", () => {
  const html = renderReport(sampleInput());
  assert.equal(count(html, "<script"), 0);
  assert.doesNotMatch(html, /\b(src|href)=/);
  assert.doesNotMatch(html, /@import|url\(|@font-face/);
  // The only address is the SVG namespace, which is a name, not something fetched.
  const urls = html.match(/https?:\/\/[^"'\s)]+/g) ?? [];
  assert.deepEqual([...new Set(urls)], ["http://www.w3.org/2000/svg"]);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test("hostile text from the data is escaped everywhere it appears", () => {
  const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)>'</style>&amp;`;
  const input = sampleInput();
  input.title = evil;
  input.confusionMatrix = { labels: [evil, `${evil}2`, 7], matrix: [[1, 2, 0], [0, 3, 1], [2, 0, 5]] };
  input.notes = [evil];
  input.meta = { [evil]: evil };
  input.metrics = { test: { [evil]: 0.5 }, validation: {} };
  input.history = { epochs: [{ epoch: 1, loss: 1, lr: 0.1, seconds: 1, [evil]: 0.3 }, { epoch: 2, loss: 0.5, lr: 0.1, seconds: 1, [evil]: 0.4 }] };
  const html = renderReport(input);
  assert.equal(count(html, "<script"), 0);
  assert.equal(count(html, "<img"), 0);
  assert.equal(count(html, "</style>"), 1, "only the stylesheet's own end tag");
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img"), "shown as text");
  assert.ok(html.includes("&amp;amp;"), "an entity in the data is shown literally, not decoded");
  // Every tag the page opens is one the renderer writes.
  const tags = new Set((html.match(/<([a-zA-Z][a-zA-Z0-9]*)/g) ?? []).map((t) => t.slice(1)));
  const allowed = ["html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "p", "span", "section", "div", "figure", "figcaption", "svg", "g", "line", "path", "text", "circle", "rect", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "details", "summary", "footer"];
  assert.deepEqual([...tags].filter((t) => !allowed.includes(t)), []);
});

test("control characters in labels are replaced, not passed into the SVG", () => {
  const input = sampleInput();
  input.confusionMatrix = { labels: ["a\u0000b", "c\u001bd"], matrix: [[1, 0], [0, 1]] };
  const html = renderReport(input);
  assert.doesNotMatch(html, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  assert.ok(html.includes("a\ufffdb"));
});

test("NaN and infinite values leave gaps and read n/a, never NaN in the markup", () => {
  const input = sampleInput();
  const epochs = input.history!.epochs;
  epochs[1].valLoss = NaN;
  epochs[2].accuracy = Infinity;
  epochs.forEach((e) => (e.rocAuc = NaN));
  input.metrics = { test: { accuracy: NaN, rocAuc: 0.9 } };
  input.rocCurve!.auc = NaN;
  const html = renderReport(input);
  assert.doesNotMatch(html, /NaN|Infinity/);
  assert.ok(html.includes("n/a"));
  // The validation loss line is broken at epoch 2: its path starts over (a second M).
  const loss = html.slice(html.indexOf('aria-label="Loss per epoch"'), html.indexOf("</svg>", html.indexOf('aria-label="Loss per epoch"')));
  assert.ok(loss.includes('stroke="#ea580c"'));
  const valPath = /<path d="([^"]+)" fill="none" stroke="#ea580c"/.exec(loss)![1];
  assert.equal(count(valPath, "M"), 2);
  // A metric that is NaN in every epoch gets a note instead of an empty chart.
  assert.ok(section(html, "training").includes("ROC AUC</h3></figcaption><p class=\"empty\">Not defined in any epoch"));
});

test("empty and missing histories, and a single epoch, render", () => {
  for (const history of [undefined, { epochs: [] }]) {
    const html = renderReport({ title: "t", task: "regression", history, metrics: {} });
    assert.ok(html.includes("No training history"));
    assert.equal(count(html, "<svg"), 0);
    assert.equal(section(html, "evaluation"), "");
  }
  const one = renderReport({ title: "t", task: "regression", history: { epochs: [{ epoch: 1, loss: 2, lr: 0.1, seconds: 1, mae: 1 }] }, metrics: { test: { r2: 0.5, mae: 1 } } });
  assert.equal(count(section(one, "training"), "<svg"), 2);
  assert.doesNotMatch(one, /NaN|Infinity/);
  assert.ok(section(one, "summary").includes("Test R²"));
  const allNan = renderReport({ title: "t", task: "classification", history: { epochs: [{ epoch: 1, loss: NaN, lr: 0.1, seconds: NaN }] } });
  assert.doesNotMatch(allNan, /NaN|Infinity/);
  assert.ok(allNan.includes("training (no values)"));
});

test("the same input gives the same bytes", () => {
  const a = renderReport(sampleInput());
  const b = renderReport(sampleInput());
  assert.equal(a, b);
  assert.ok(!/\d{4}-\d{2}-\d{2}T/.test(a), "no timestamps");
});

test("malformed input is an error naming the field", () => {
  const bad = (patch: object) => () => renderReport({ ...sampleInput(), ...patch });
  assert.throws(bad({ task: "clustering" }), /task must be "classification" or "regression"/);
  assert.throws(bad({ title: 3 }), /title must be a string/);
  assert.throws(bad({ history: [] }), /history must be \{ epochs/);
  assert.throws(bad({ confusionMatrix: { labels: ["a", "b"], matrix: [[1, 2]] } }), /2 labels but 1 rows/);
  assert.throws(bad({ confusionMatrix: { labels: ["a", "b"], matrix: [[1, 2], [3]] } }), /row 1 has 1 counts for 2 labels/);
  assert.throws(bad({ confusionMatrix: { labels: ["a"], matrix: [[-1]] } }), /not a finite number >= 0/);
  assert.throws(bad({ rocCurve: { fpr: [0, 1], tpr: [0], auc: 1 } }), /2 fpr and 1 tpr/);
  assert.throws(bad({ metrics: { test: { accuracy: "high" } } }), /metrics\.test\.accuracy must be a number/);
});

test("writeReport writes the rendered page", async () => {
  const dir = tmpDir("report");
  const path = dir.path("run.html");
  await writeReport(path, sampleInput());
  assert.equal(readFileSync(path, "utf8"), renderReport(sampleInput()));
});
