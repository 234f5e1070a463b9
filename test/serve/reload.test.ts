import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { io } from "../../src/index.js";
import { type Answer, type Server, assertSamePredictions, call, goodRow, makeBundle, predict, startServer, tempDir } from "./helpers.js";

const tmp = tempDir();
const servers: Server[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  tmp.remove();
});

const rows = Array.from({ length: 12 }, (_, i) => goodRow(i));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (up to 10 s) until `ready()` holds. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !ready(); i++) await sleep(10);
  assert.ok(ready(), `timed out waiting for ${what}`);
}

/** What each seed's model predicts for `rows`. */
async function expectations(dir: string, seeds: number[]): Promise<Map<number, unknown[]>> {
  const out = new Map<number, unknown[]>();
  for (const seed of seeds) {
    const d = await makeBundle(join(dir, `seed${seed}`), { seed });
    out.set(seed, (await io.loadModel(d)).predictRecords(rows));
  }
  return out;
}

test("hot reload under concurrent traffic loses no request, and each answer comes whole from one version", async () => {
  const dir = await makeBundle(join(tmp.dir, "m"), { seed: 1 });
  const expected = await expectations(tmp.dir, [1, 2]);
  const server = await startServer({ models: [dir], workers: 2, maxDelayMs: 2 });
  servers.push(server);

  const answers: { row: number; res: Answer }[] = [];
  let stop = false;
  const client = async (c: number) => {
    for (let i = 0; i < 2000 && !stop; i++) {
      const row = (c * 5 + i) % rows.length;
      answers.push({ row, res: await predict(server, "m", [rows[row]]) });
    }
  };
  const clients = Array.from({ length: 8 }, (_, c) => client(c));

  // Versions alternate between the two seeds' weights: 1 → seed 1, 2 → seed 2, 3 → seed 1.
  const seedOf = (version: number) => (version % 2 === 1 ? 1 : 2);
  for (const version of [2, 3]) {
    const seen = answers.length;
    await until(() => answers.length >= seen + 40, "traffic before the reload");
    const old = server.registry.get("m")!;
    await makeBundle(dir, { seed: seedOf(version) });
    const r = await call(server, "POST", "/v1/models/m:reload");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.version, version);
    const fresh = await predict(server, "m", [rows[0]]);
    assert.equal(fresh.headers["x-lathe-model-version"], String(version), "a request after the reload answer gets the new version");
    await server.reloader.settle();
    assert.equal(old.predictor.ready, false, "the old version's workers are freed once it has answered");
  }
  const seen = answers.length;
  await until(() => answers.length >= seen + 40, "traffic after the reloads");
  stop = true;
  await Promise.all(clients);

  const byVersion = new Map<string, number>();
  for (const { row, res } of answers) {
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const version = String(res.headers["x-lathe-model-version"]);
    byVersion.set(version, (byVersion.get(version) ?? 0) + 1);
    assertSamePredictions(res.body.predictions, [expected.get(seedOf(Number(version)))![row]]);
  }
  assert.deepEqual([...byVersion.keys()].sort(), ["1", "2", "3"], "traffic reached every version");
});

test("a bundle that fails to load leaves the old version serving", async () => {
  const dir = await makeBundle(join(tmp.dir, "broken"), { seed: 1 });
  const server = await startServer({ models: [dir] });
  servers.push(server);
  const before = await predict(server, "broken", rows);
  writeFileSync(join(dir, "lathe.json"), "{ not json");
  const r = await call(server, "POST", "/v1/models/broken:reload");
  assert.equal(r.status, 500);
  assert.equal(r.body.error.code, "reload_failed");
  assert.match(r.body.error.message, /could not reload "broken"; version 1 is still serving: .*lathe\.json: not valid JSON/);
  const still = await predict(server, "broken", rows);
  assert.equal(still.status, 200);
  assert.equal(still.headers["x-lathe-model-version"], "1");
  assert.deepEqual(still.body, before.body);
  assert.match(server.metrics.render(), /lathe_model_reloads_total\{model="broken",result="failed"\} 1/);
});

test("a worker thread that dies is replaced; the model keeps answering", async () => {
  const dir = await makeBundle(join(tmp.dir, "sturdy"), { seed: 1 });
  const server = await startServer({ models: [dir], workers: 1 });
  servers.push(server);
  const pool = server.registry.get("sturdy")!.predictor as unknown as { slots: { worker: { terminate(): Promise<number> } }[] };
  await pool.slots[0].worker.terminate();
  await until(() => pool.slots.length === 1, "the replacement worker");
  const r = await predict(server, "sturdy", rows);
  assert.equal(r.status, 200);
  assert.equal((await call(server, "GET", "/readyz")).status, 200);
});

test("close() answers every request in flight, then frees the workers and refuses connections", async () => {
  const dir = await makeBundle(join(tmp.dir, "closing"), { seed: 1 });
  // A long batching delay holds the requests in the server when close() is called.
  const server = await startServer({ models: [dir], maxDelayMs: 5000, maxBatch: 1000 });
  const version = server.registry.get("closing")!;
  const inFlight = rows.map((row) => predict(server, "closing", [row]));
  await until(() => version.batcher.pending === rows.length, "the requests to reach the batcher");
  await server.close();
  for (const r of await Promise.all(inFlight)) assert.equal(r.status, 200);
  assert.equal(version.predictor.ready, false);
  await assert.rejects(predict(server, "closing", [rows[0]]));
});
