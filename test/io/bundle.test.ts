import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { data, defaultGenerator, io, manualSeed, nn } from "../../src/index.js";
import { tmpDir } from "../data/tmp.js";

const tmp = tmpDir("bundle");

/** A small labelled table: a numeric column with a gap, a categorical one, a boolean one. */
const TABLE = data.parseCsv(
  ["id,a,color,flag,y", "1,1.5,red,yes,no", "2,,blue,no,yes", "3,3.5,red,no,no", "4,0.5,green,yes,yes", "5,2.0,blue,yes,no", "6,4.0,green,no,yes"].join("\n"),
  { file: "train.csv" },
);
const FEATURES = ["a", "color", "flag"];

/** What a training run hands saveBundle: a fitted preprocessor, an MLP with batch norm and dropout, the schema and labels. */
function contents(overrides: Partial<io.BundleContents> = {}): io.BundleContents {
  const preprocess = new data.ColumnTransformer();
  const x = preprocess.fitTransform(TABLE.select(FEATURES));
  manualSeed(1);
  const architecture = io.checkArchitecture({ type: "mlp", inputs: x.shape[1], hidden: [8, 4], outputs: 1, batchNorm: true, dropout: 0.2 });
  return {
    model: io.buildModel(architecture),
    architecture,
    task: "classification",
    target: { name: "y", type: "categorical", scale: null },
    labels: ["no", "yes"],
    features: io.featureSchema(TABLE, FEATURES, [{ name: "id", reason: "identifier" }]),
    preprocess,
    training: { seed: 1 },
    metrics: { test: { accuracy: 0.5 } },
    ...overrides,
  };
}

async function saved(name: string, c = contents()): Promise<{ dir: string; c: io.BundleContents }> {
  const dir = tmp.path(name);
  await io.saveBundle(dir, c);
  return { dir, c };
}

function editManifest(dir: string, edit: (m: any) => void): void {
  const path = join(dir, "lathe.json");
  const m = JSON.parse(readFileSync(path, "utf8"));
  edit(m);
  writeFileSync(path, JSON.stringify(m));
}

describe("saveBundle / loadModel", () => {
  test("a loaded bundle predicts exactly what the model it was saved from predicted", async () => {
    const { dir, c } = await saved("roundtrip");
    const before = new io.TabularModel(io.bundleManifest(c, ""), c.model, c.preprocess).predictTable(TABLE);
    const loaded = await io.loadModel(dir);
    assert.deepEqual(loaded.predictTable(TABLE), before);
    assert.equal(loaded.model.training, false, "eval mode");
    assert.equal(loaded.task, "classification");
    assert.deepEqual(loaded.labels, ["no", "yes"]);
    assert.deepEqual(loaded.schema.columns.map((col) => [col.name, col.type]), [["a", "numeric"], ["color", "categorical"], ["flag", "boolean"]]);
    assert.deepEqual(loaded.schema.columns[1].categories, ["blue", "green", "red"]);
    for (const [k, t] of Object.entries(c.model.stateDict())) assert.deepEqual(loaded.model.stateDict()[k].toArray(), t.toArray(), k);
  });

  test("lathe.json holds the format, task, architecture, labels, schema, preprocessing, metadata and the weights' checksum", async () => {
    const { dir } = await saved("manifest");
    const m = JSON.parse(readFileSync(join(dir, "lathe.json"), "utf8"));
    assert.equal(m.format, "lathe-model");
    assert.equal(m.version, 1);
    assert.equal(m.architecture.type, "mlp");
    assert.equal(m.preprocess.type, "ColumnTransformer");
    assert.equal(m.training.seed, 1);
    assert.equal(m.training.latheVersion, io.LATHE_VERSION);
    assert.deepEqual(m.metrics, { test: { accuracy: 0.5 } });
    assert.equal(m.weights.sha256, createHash("sha256").update(readFileSync(join(dir, "model.safetensors"))).digest("hex"));
  });

  test("model.safetensors has PyTorch's keys and dtypes (num_batches_tracked as I64)", async () => {
    const { dir } = await saved("keys");
    const header = await io.readSafetensorsHeader(join(dir, "model.safetensors"));
    assert.deepEqual(Object.keys(header.tensors).sort(), [
      "0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight",
      "4.bias", "4.weight", "5.bias", "5.num_batches_tracked", "5.running_mean", "5.running_var", "5.weight", "8.bias", "8.weight",
    ]);
    assert.equal(header.tensors["1.num_batches_tracked"].dtype, "I64");
    assert.equal(header.tensors["0.weight"].dtype, "F32");
  });

  test("loading a model leaves the default random generator where it was", async () => {
    const { dir } = await saved("rng");
    manualSeed(42);
    const state = defaultGenerator.getState();
    await io.loadModel(dir);
    assert.deepEqual(defaultGenerator.getState(), state);
  });

  test("a regression bundle maps the network's standardised output back to the target's scale", async () => {
    const c = contents({ task: "regression", labels: null, target: { name: "y", type: "numeric", scale: { mean: 100, std: 10 } } });
    const { dir } = await saved("regression", c);
    const loaded = await io.loadModel(dir);
    const raw = loaded.outputs(TABLE).toArray();
    const p = loaded.predictTable(TABLE);
    assert.equal(p.task, "regression");
    if (p.task === "regression") p.values.forEach((v, i) => assert.ok(Math.abs(v - (raw[i] * 10 + 100)) < 1e-9));
  });
});

describe("predicting records and tables of another shape", () => {
  test("JSON records convert to the training types and predict as the same rows of a table", async () => {
    const { dir } = await saved("records");
    const loaded = await io.loadModel(dir);
    const fromTable = loaded.predictTable(TABLE);
    const records = [
      { a: 1.5, color: "red", flag: true },
      { a: null, color: "blue", flag: "no" },
      { a: "3.5", color: "red", flag: false, extra: "ignored" },
    ];
    const preds = loaded.predictRecords(records);
    assert.equal(preds.length, 3);
    preds.forEach((p, i) => {
      assert.ok("label" in p);
      if (!("label" in p) || fromTable.task !== "classification") return;
      assert.equal(p.label, fromTable.labels[i]);
      assert.deepEqual(p.probabilities, { no: fromTable.probabilities[i][0], yes: fromTable.probabilities[i][1] });
    });
  });

  test("a record without a feature, or with text for a number, is an error naming the row and column", async () => {
    const loaded = await io.loadModel((await saved("bad-records")).dir);
    assert.throws(() => loaded.predictRecords([{ a: 1, color: "red", flag: true }, { a: 1, flag: true }]), /^DataError: row 2, column "color": no value for "color"/);
    assert.throws(() => loaded.predictRecords([{ a: "many", color: "red", flag: true }]), /row 1, column "a": "many" is not a number, and the column was numeric in training/);
  });

  test("CSVs to predict are read with the training types and the training run's missing-value cells", () => {
    const schema = io.featureSchema(TABLE, ["a", "color"], [], ["-999"]);
    assert.deepEqual(io.schemaCsvOptions(schema, { y: "categorical" }), { schema: { a: "numeric", color: "categorical", y: "categorical" }, missing: ["-999"] });
    assert.deepEqual(io.schemaCsvOptions(io.featureSchema(TABLE, ["a"], [])), { schema: { a: "numeric" } });
  });

  test("a table missing a feature column names it; a categorical column read as numbers is converted", async () => {
    const loaded = await io.loadModel((await saved("tables")).dir);
    assert.throws(() => loaded.predictTable(TABLE.drop(["color"])), /column "color", a feature of the model, is not in the data/);
    const numericColor = data.Table.fromObject({ a: [1], color: [7], flag: [true] });
    const p = loaded.predictTable(numericColor);
    assert.equal(p.task, "classification");
  });
});

describe("bundles that cannot be used are refused with the file named", () => {
  test("no directory, no lathe.json, lathe.json not JSON", async () => {
    await assert.rejects(io.loadModel(tmp.path("nowhere")), /nowhere: no such model bundle directory/);
    const { dir } = await saved("no-manifest");
    rmSync(join(dir, "lathe.json"));
    await assert.rejects(io.loadModel(dir), /not a model bundle \(it has no lathe\.json\)/);
    writeFileSync(join(dir, "lathe.json"), "{ nope");
    await assert.rejects(io.loadModel(dir), /lathe\.json: not valid JSON/);
  });

  test("another format version, another format, an unknown architecture", async () => {
    const { dir } = await saved("versions");
    const copy = (name: string, edit: (m: any) => void): string => {
      const d = tmp.path(name);
      cpSync(dir, d, { recursive: true });
      editManifest(d, edit);
      return d;
    };
    await assert.rejects(io.loadModel(copy("v2", (m) => (m.version = 2))), /bundle format version 2 was written by a newer Lathe; this Lathe \(.*\) reads version 1/);
    await assert.rejects(io.loadModel(copy("lm", (m) => (m.format = "lathe-lm"))), /not a Lathe model bundle description/);
    await assert.rejects(io.loadModel(copy("arch", (m) => (m.architecture.type = "transformer"))), /architecture: unknown architecture type "transformer" \(known: mlp/);
    await assert.rejects(io.loadModel(copy("outputs", (m) => (m.labels = ["a", "b", "c"]))), /the network has 1 outputs, a classification model with 3 labels needs 3/);
    await assert.rejects(io.loadModel(copy("schema", (m) => (m.features.columns[0].name = "b"))), /the feature schema \(.*\) and the preprocessing's columns \(.*\) differ/);
    await assert.rejects(io.loadModel(copy("widths", (m) => (m.architecture.hidden = [8, 5]))), /the weights do not fit the architecture in lathe\.json: .*size mismatch for 4\.weight/);
  });

  test("hostile, altered or missing weights", async () => {
    const { dir } = await saved("weights");
    const file = join(dir, "model.safetensors");
    const good = readFileSync(file);
    const altered = Buffer.from(good);
    altered[altered.length - 1] ^= 1;
    writeFileSync(file, altered);
    await assert.rejects(io.loadModel(dir), /model\.safetensors: the weights do not match lathe\.json \(SHA-256 differs\)/);
    // A header that claims offsets past the end of the file: rejected before anything is allocated.
    const header = Buffer.from(JSON.stringify({ "0.weight": { dtype: "F32", shape: [100000, 100000], data_offsets: [0, 4e10] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(file, Buffer.concat([len, header]));
    await assert.rejects(io.loadModel(dir), (err: Error) => err.name === "SafetensorsError" && err.message.startsWith(file));
    rmSync(file);
    await assert.rejects(io.loadModel(dir), /the weights file named in lathe\.json is missing/);
  });
});

describe("architecture registry", () => {
  test("mlp: Linear → BatchNorm1d → activation → Dropout per hidden width, then the output Linear", () => {
    const model = io.buildModel({ type: "mlp", inputs: 3, hidden: [5], outputs: 2, batchNorm: true, dropout: 0.5, activation: "gelu" });
    assert.ok(model instanceof nn.Sequential);
    assert.deepEqual(model.children().map((m) => m.constructor.name), ["Linear", "BatchNorm1d", "GELU", "Dropout", "Linear"]);
    assert.deepEqual(io.checkArchitecture({ type: "mlp", inputs: 3, outputs: 1 }), {
      type: "mlp", inputs: 3, hidden: [], outputs: 1, dropout: 0, batchNorm: false, activation: "relu",
    });
  });

  test("a bad mlp config names the field", () => {
    assert.throws(() => io.checkArchitecture({ type: "mlp", inputs: 3, outputs: 1, hidden: [4, 0] }), /mlp: hidden\[1\] must be a positive integer, got 0/);
    assert.throws(() => io.checkArchitecture({ type: "mlp", inputs: 3, outputs: 1, widths: [4] }), /mlp: unknown field "widths"/);
    assert.throws(() => io.checkArchitecture({ type: "mlp", inputs: 3, outputs: 1, activation: "swish" }), /activation must be one of relu, gelu, silu, tanh, leakyRelu/);
  });

  test("new architectures register by type; a type registers once", () => {
    io.registerArchitecture("test-linear", {
      check: (c) => ({ type: "test-linear", inputs: c.inputs as number, outputs: c.outputs as number }),
      build: (c) => new nn.Linear(c.inputs as number, c.outputs as number),
    });
    assert.ok(io.buildModel({ type: "test-linear", inputs: 2, outputs: 1 }) instanceof nn.Linear);
    assert.throws(() => io.registerArchitecture("mlp", { check: (c) => c as io.ArchitectureConfig, build: () => new nn.Identity() }), /"mlp" is already registered/);
  });
});
