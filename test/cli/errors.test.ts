import assert from "node:assert/strict";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { tmpDir } from "../data/tmp.js";
import { CSV, json, lathe, oneLineError } from "./cli_helpers.js";

const tmp = tmpDir("cli-errors");
const IRIS = join(CSV, "iris.csv");
const bundle = tmp.path("iris");

before(async () => {
  await json(["train", "--data", IRIS, "--target", "target", "--epochs", "1", "--out", bundle]);
});

/** A copy of the trained bundle to damage. */
function copyBundle(name: string): string {
  const dir = tmp.path(name);
  cpSync(bundle, dir, { recursive: true });
  return dir;
}

/** A numeric CSV of `rows` rows (x = row, y = 2·row, label alternating), with `edit` applied to its lines. */
function csv(name: string, edit: (lines: string[]) => void, rows = 30): string {
  const lines = ["x,y,label", ...Array.from({ length: rows }, (_, i) => `${i},${2 * i},${i % 2}`)];
  edit(lines);
  return tmp.write(name, `${lines.join("\n")}\n`);
}

test("a ragged row is an error naming the file, line and column", async () => {
  const file = csv("ragged.csv", (l) => (l[4] = "3,6"));
  oneLineError(await lathe(["train", "--data", file, "--target", "label"]), /ragged\.csv: line 5, column "label": the row has 2 fields/);
});

test("a non-numeric cell in a numeric column is an error naming the file, line and column", async () => {
  const file = csv("typo.csv", (l) => (l[8] = "7,1a4,1"));
  oneLineError(await lathe(["train", "--data", file, "--target", "label"]), /typo\.csv: line 9, column "y": "1a4" is not a number, but 29 of the column's 30 values are/);
});

test("predict reads a CSV with the training types: text in a numeric column, or a missing feature, names it", async () => {
  const lines = readFileSync(IRIS, "utf8").split("\n");
  lines[3] = lines[3].replace(/^[^,]+/, "n/a?");
  const bad = tmp.write("iris-bad.csv", lines.join("\n"));
  oneLineError(await lathe(["predict", bundle, "--data", bad]), /iris-bad\.csv: line 4, column "sepal length \(cm\)": "n\/a\?" is not a number/);
  const dropped = tmp.write("iris-short.csv", readFileSync(IRIS, "utf8").split("\n").map((l) => l.split(",").slice(1).join(",")).join("\n"));
  oneLineError(await lathe(["predict", bundle, "--data", dropped]), /iris-short\.csv: column "sepal length \(cm\)", a feature of the model, is not in the file/);
});

test("a target that is not a column lists the columns; an unseen label in evaluate names its line", async () => {
  oneLineError(await lathe(["train", "--data", IRIS, "--target", "species"]), /no column "species" \(columns: "sepal length \(cm\)", .*"target"\)/);
  const lines = readFileSync(IRIS, "utf8").split("\n");
  lines[2] = lines[2].replace(/,0$/, ",7");
  const unseen = tmp.write("iris-unseen.csv", lines.join("\n"));
  oneLineError(await lathe(["evaluate", bundle, "--data", unseen]), /iris-unseen\.csv: line 3, column "target": label 7 was not seen in training/);
});

test("a bad config is one line naming the file and the key: unknown key, wrong type, unparseable", async () => {
  const run = (name: string, text: string) => lathe(["train", "--data", IRIS, "--target", "target", "--config", tmp.write(name, text)]);
  const [unknown, type, jsonType, schedule, optimizer, broken] = await Promise.all([
    run("unknown.yaml", "model:\n  hiden: [8]\n"),
    run("type.yaml", "model:\n  hidden: [wide]\n"),
    run("type.json", '{"training": {"epochs": "ten"}}'),
    run("schedule.yaml", "schedule: { type: cosine, stepSize: 3 }\n"),
    run("optimizer.yaml", "optimizer: { name: adam, momentum: 0.9 }\n"),
    run("broken.yaml", "model: [unclosed\n"),
  ]);
  oneLineError(unknown, /unknown\.yaml: unknown key "model\.hiden" \(known in model: hidden, dropout, batchNorm, activation\)/);
  oneLineError(type, /type\.yaml: model\.hidden\[0\] must be an integer >= 1, got "wide"/);
  oneLineError(jsonType, /type\.json: training\.epochs must be an integer >= 1, got "ten"/);
  oneLineError(schedule, /schedule\.yaml: schedule\.stepSize does not apply to schedule type "cosine"/);
  oneLineError(optimizer, /optimizer\.yaml: optimizer: Adam: unknown option 'momentum'/);
  oneLineError(broken, /broken\.yaml: cannot read the config/);
});

test("a hostile weights file in a bundle is rejected by the safetensors reader, with the file named", async () => {
  const dir = copyBundle("hostile");
  // A header length far beyond the file: the reader must refuse before allocating it.
  const bytes = Buffer.alloc(64);
  bytes.writeBigUInt64LE(1n << 40n, 0);
  writeFileSync(join(dir, "model.safetensors"), bytes);
  const runs = await Promise.all([["info", dir], ["predict", dir, "--data", IRIS], ["evaluate", dir, "--data", IRIS]].map((cmd) => lathe(cmd)));
  for (const r of runs) oneLineError(r, /hostile\/model\.safetensors: header length \d+ is over the \d+-byte limit/);
});

test("weights altered after saving, a missing weights file and a newer format version are refused", async () => {
  const altered = copyBundle("altered");
  const weights = readFileSync(join(altered, "model.safetensors"));
  weights[weights.length - 1] ^= 0x40;
  writeFileSync(join(altered, "model.safetensors"), weights);
  const missing = copyBundle("missing");
  rmSync(join(missing, "model.safetensors"));

  const newer = copyBundle("newer");
  const manifest = JSON.parse(readFileSync(join(newer, "lathe.json"), "utf8"));
  writeFileSync(join(newer, "lathe.json"), JSON.stringify({ ...manifest, version: 2 }));

  const [a, m, n, nowhere, out] = await Promise.all([
    lathe(["info", altered]),
    lathe(["info", missing]),
    lathe(["info", newer]),
    lathe(["info", tmp.path("nowhere")]),
    lathe(["predict", bundle, "--data", IRIS, "--out", tmp.path("p.txt")]),
  ]);
  oneLineError(a, /the weights do not match lathe\.json \(SHA-256 differs\)/);
  oneLineError(m, /missing\/model\.safetensors: the weights file named in lathe\.json is missing/);
  oneLineError(n, /bundle format version 2 was written by a newer Lathe/);
  oneLineError(nowhere, /nowhere: no such model bundle directory/);
  oneLineError(out, /--out must name a \.csv or \.jsonl file/);
});

test("--verbose adds the stack trace; usage errors fail too", async () => {
  const r = await lathe(["info", tmp.path("nowhere"), "--verbose"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: .*no such model bundle directory\n/);
  assert.match(r.stderr, /\n\s+at /);
  const usage = await lathe(["train", "--data", IRIS]);
  assert.notEqual(usage.code, 0);
  assert.match(usage.stderr, /required option '--target <column>' not specified/);
});

test("--help works for every command and exits 0", async () => {
  const commands = ["train", "evaluate", "predict", "info", "demo"];
  const runs = await Promise.all(commands.map((cmd) => lathe([cmd, "--help"])));
  runs.forEach((r, i) => {
    assert.equal(r.code, 0, commands[i]);
    assert.match(r.stdout, new RegExp(`^Usage: lathe ${commands[i]} `), commands[i]);
    assert.match(r.stdout, /--json/);
  });
});
