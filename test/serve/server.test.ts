import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { io } from "../../src/index.js";
import { openapiDocument } from "../../src/serve/index.js";
import { REPO } from "../helpers.js";
import { type Server, assertSamePredictions, call, goodRow, makeBundle, predict, startServer, tempDir } from "./helpers.js";

const tmp = tempDir();
let server: Server;
let clf: io.TabularModel;
let reg: io.TabularModel;
const rows = Array.from({ length: 20 }, (_, i) => goodRow(i));

before(async () => {
  const clfDir = await makeBundle(join(tmp.dir, "clf"), { seed: 1 });
  const regDir = await makeBundle(join(tmp.dir, "reg"), { seed: 2, task: "regression" });
  clf = await io.loadModel(clfDir);
  reg = await io.loadModel(regDir);
  server = await startServer({ models: [clfDir, `price=${regDir}`], maxDelayMs: 5, maxRows: 100, bodyLimit: 64 * 1024 });
});

after(async () => {
  await server?.close();
  tmp.remove();
});

test("predictions equal the bundle's own predictRecords on the same rows", async () => {
  const r = await predict(server, "clf", rows);
  assert.equal(r.status, 200);
  assert.equal(r.headers["x-lathe-model-version"], "1");
  assert.deepEqual(Object.keys(r.body.predictions[0].probabilities), ["maybe", "no", "yes"]);
  // The same rows in one batch: the same computation, so the same bits on every backend.
  assert.deepEqual(r.body, { predictions: clf.predictRecords(rows) });
});

test("positional instances (values in feature order) predict the same as objects", async () => {
  const names = clf.schema.columns.map((c) => c.name);
  const arrays = rows.map((row) => names.map((n) => row[n]));
  const r = await predict(server, "clf", arrays);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.predictions, clf.predictRecords(rows));
});

test("concurrent single-row requests are batched together, and each gets its own prediction", async () => {
  const before = server.metrics.batchSize.render();
  const answers = await Promise.all(rows.map((row) => predict(server, "clf", [row])));
  const expected = clf.predictRecords(rows);
  answers.forEach((a, i) => {
    assert.equal(a.status, 200);
    assertSamePredictions(a.body.predictions, [expected[i]]);
  });
  const batches = (text: string) => Number(/lathe_batch_size_rows_count\{model="clf"\} (\d+)/.exec(text)?.[1] ?? 0);
  const sent = batches(server.metrics.batchSize.render()) - batches(before);
  assert.ok(sent < rows.length, `${rows.length} requests went out in ${sent} batches`);
});

test("a regression model served under a given name answers values", async () => {
  const r = await predict(server, "price", rows.slice(0, 3));
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.predictions, reg.predictRecords(rows.slice(0, 3)));
  assert.equal(typeof r.body.predictions[0].value, "number");
});

test("GET /v1/models lists the models; GET /v1/models/{name} gives schema, labels and metrics", async () => {
  const list = await call(server, "GET", "/v1/models");
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.models.map((m: { name: string }) => m.name), ["clf", "price"]);
  const one = await call(server, "GET", "/v1/models/clf");
  assert.equal(one.status, 200);
  assert.equal(one.body.task, "classification");
  assert.deepEqual(one.body.labels, ["maybe", "no", "yes"]);
  assert.deepEqual(one.body.metrics, { test: { accuracy: 0.5 } });
  assert.deepEqual(one.body.features.map((f: { name: string; type: string }) => `${f.name}:${f.type}`), [
    "age:numeric", "income:numeric", "color:categorical", "city:categorical", "member:boolean", "since:date",
  ]);
  const color = one.body.features.find((f: { name: string }) => f.name === "color");
  assert.deepEqual(color, { name: "color", type: "categorical", categories: ["blue", "green", "red"], acceptsUnknownCategories: false, acceptsMissing: false });
  assert.equal(one.body.version, 1);
  assert.ok(one.body.loadSeconds > 0);
  assert.equal(one.body.serving.maxBatch, 64);
});

test("health, readiness and the OpenAPI document", async () => {
  assert.deepEqual((await call(server, "GET", "/healthz")).body, { status: "ok" });
  const ready = await call(server, "GET", "/readyz");
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body.models, ["clf", "price"]);
  const doc = await call(server, "GET", "/openapi.json");
  assert.equal(doc.status, 200);
  assert.equal(doc.body.openapi, "3.0.3");
  assert.ok(doc.body.paths["/v1/models/{name}:predict"].post);
});

test("docs/openapi.json is the document the server serves (regenerate: node dist/src/serve/openapi.js)", () => {
  const file = JSON.parse(readFileSync(join(REPO, "docs", "openapi.json"), "utf8"));
  assert.deepEqual(file, openapiDocument());
});

const json = { "content-type": "application/json" };
const good = { instances: [goodRow(1)] };
const bad = (change: Record<string, unknown>) => ({ instances: [goodRow(0), { ...goodRow(1), ...change }] });
const without = (key: string) => {
  const row: Record<string, unknown> = goodRow(1);
  delete row[key];
  return { instances: [goodRow(0), row] };
};

/** [what, path, raw body, headers, status, error code, message pattern, field] */
const BAD_INPUT: [string, string, string, Record<string, string>, number, string, RegExp, string?][] = [
  ["malformed JSON", "/v1/models/clf:predict", '{"instances": [', json, 400, "invalid_request", /not valid JSON/],
  ["an empty body", "/v1/models/clf:predict", "", json, 400, "invalid_request", /empty/],
  ["prototype poisoning", "/v1/models/clf:predict", '{"instances": [], "__proto__": {"x": 1}}', json, 400, "invalid_request", /JSON/],
  ["not JSON", "/v1/models/clf:predict", "age=3", { "content-type": "application/x-www-form-urlencoded" }, 415, "invalid_request", /the body must be application\/json, got "application\/x-www-form-urlencoded"/],
  ["no instances", "/v1/models/clf:predict", "{}", json, 400, "invalid_request", /must have required property 'instances'/],
  ["instances not an array", "/v1/models/clf:predict", '{"instances": {"age": 3}}', json, 400, "invalid_request", /instances must be array/],
  ["no rows", "/v1/models/clf:predict", '{"instances": []}', json, 400, "invalid_request", /must NOT have fewer than 1 items/],
  ["an unknown top-level key", "/v1/models/clf:predict", JSON.stringify({ ...good, signature: "x" }), json, 400, "invalid_request", /additional properties/],
  ["a body that is an array", "/v1/models/clf:predict", "[1, 2]", json, 400, "invalid_request", /body must be object/],
  ["an unknown model", "/v1/models/nope:predict", JSON.stringify(good), json, 404, "not_found", /no model named "nope" is served \(models: clf, price\)/],
  ["an unknown route", "/v2/predict", JSON.stringify(good), json, 404, "not_found", /no route POST \/v2\/predict/],
  ["a body over the limit", "/v1/models/clf:predict", JSON.stringify({ instances: Array.from({ length: 2000 }, (_, i) => goodRow(i)) }), json, 413, "body_too_large", /exceeds the limit of 65536 bytes/],
  ["too many rows", "/v1/models/clf:predict", JSON.stringify({ instances: Array.from({ length: 101 }, (_, i) => goodRow(i)) }), json, 413, "too_many_rows", /101 instances in one request; the limit is 100/],
  ["an unknown feature", "/v1/models/clf:predict", JSON.stringify(bad({ shoe: 42 })), json, 400, "invalid_instance", /instances\[1\]\.shoe: unknown feature "shoe"/, "shoe"],
  ["a missing feature", "/v1/models/clf:predict", JSON.stringify(without("income")), json, 400, "invalid_instance", /instances\[1\]\.income: missing feature/, "income"],
  ["a wrong type", "/v1/models/clf:predict", JSON.stringify(bad({ income: "lots" })), json, 400, "invalid_instance", /instances\[1\]\.income: expected a number, got "lots"/, "income"],
  ["Infinity (1e400)", "/v1/models/clf:predict", JSON.stringify(bad({ income: 1 })).replace('"income":1,', '"income":1e400,'), json, 400, "invalid_instance", /income: the number is not finite/, "income"],
  ["a number beyond float32", "/v1/models/clf:predict", JSON.stringify(bad({ age: 1e300 })), json, 400, "invalid_instance", /age: 1e\+300 is out of range/, "age"],
  ["an unknown category the encoder rejects", "/v1/models/clf:predict", JSON.stringify(bad({ color: "pink" })), json, 400, "invalid_instance", /color: unknown category "pink"/, "color"],
  ["null where nothing imputes", "/v1/models/clf:predict", JSON.stringify(bad({ color: null })), json, 400, "invalid_instance", /color: missing value \(null\) is not accepted/, "color"],
  ["a bad date", "/v1/models/clf:predict", JSON.stringify(bad({ since: "last week" })), json, 400, "invalid_instance", /since: expected a date string/, "since"],
  ["a row of the wrong length", "/v1/models/clf:predict", JSON.stringify({ instances: [[1, 2, 3]] }), json, 400, "invalid_instance", /instances\[0\]: expected an array of 6 values/],
  ["reload of an unknown model", "/v1/models/nope:reload", "{}", json, 404, "not_found", /no model named "nope"/],
];

test("every kind of bad input gets its status and a message naming the problem, and the server keeps serving", async () => {
  for (const [what, path, body, headers, status, code, message, field] of BAD_INPUT) {
    const r = await call(server, "POST", path, body, headers);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code, what);
    assert.match(r.body.error.message, message, what);
    if (field !== undefined) {
      assert.equal(r.body.error.field, field, what);
      assert.equal(r.body.error.row, 1, what);
    }
    const ok = await predict(server, "clf", [goodRow(2)]);
    assert.equal(ok.status, 200, `after ${what}`);
  }
});

test("an unseen category where the encoder ignores it, and null where the model imputes, are scored", async () => {
  const row = { ...goodRow(3), city: "Paris", age: null, member: null };
  const r = await predict(server, "clf", [row]);
  assert.equal(r.status, 200);
  assertSamePredictions(r.body.predictions, clf.predictRecords([row]));
});

test("a value the preprocessing itself refuses is a 400 naming the row and field, not a failed batch", async () => {
  // Let everything through the schema check, so the bundle's own preprocessing meets the
  // bad value (the safety net behind the check).
  const version = server.registry.get("clf")!;
  const validate = version.validate;
  (version as { validate: typeof validate }).validate = (instances) => ({ ok: true, rows: instances as never });
  try {
    const [ok, bad] = await Promise.all([predict(server, "clf", [goodRow(0)]), predict(server, "clf", [goodRow(0), { ...goodRow(1), color: null }])]);
    assert.equal(ok.status, 200);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "invalid_instance");
    assert.equal(bad.body.error.row, 1);
    assert.equal(bad.body.error.field, "color");
    assert.match(bad.body.error.message, /^instances\[1\]\.color: .*missing value/);
  } finally {
    (version as { validate: typeof validate }).validate = validate;
  }
});
