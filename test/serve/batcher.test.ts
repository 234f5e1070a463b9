import assert from "node:assert/strict";
import { test } from "node:test";
import { Batcher, type BatchPredictor, type Instance, InputError, type Prediction, UnavailableError } from "../../src/serve/index.js";

/** A predictor whose batches the test finishes by hand; each prediction echoes its row's id. */
class HeldPredictor implements BatchPredictor {
  readonly batches: Instance[][] = [];
  private readonly open: { rows: Instance[]; resolve: (p: Prediction[]) => void; reject: (e: unknown) => void }[] = [];
  constructor(readonly capacity = 1) {}

  predict(rows: Instance[]): Promise<Prediction[]> {
    this.batches.push(rows);
    return new Promise((resolve, reject) => this.open.push({ rows, resolve, reject }));
  }

  /** Answers the oldest open batch, failing it with `error` if given. */
  finish(error?: unknown): void {
    const b = this.open.shift();
    assert.ok(b, "no batch is open");
    if (error) b.reject(error);
    else b.resolve(b.rows.map((r) => ({ echo: r.id })));
  }
}

const rows = (...ids: number[]): Instance[] => ids.map((id) => ({ id }));
const sizes = (p: HeldPredictor) => p.batches.map((b) => b.length);
const tick = () => new Promise((r) => setImmediate(r));

test("a lone request is sent once it has waited maxDelayMs, not before", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const p = new HeldPredictor();
  const b = new Batcher(p, { maxBatch: 8, maxDelayMs: 50 });
  const answer = b.submit(rows(1));
  t.mock.timers.tick(49);
  assert.equal(p.batches.length, 0);
  t.mock.timers.tick(1);
  assert.deepEqual(sizes(p), [1]);
  p.finish();
  assert.deepEqual(await answer, [{ echo: 1 }]);
});

test("requests that fill maxBatch are sent at once, without waiting for the delay", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const p = new HeldPredictor();
  const b = new Batcher(p, { maxBatch: 4, maxDelayMs: 10_000 });
  const answers = [b.submit(rows(1, 2)), b.submit(rows(3, 4))];
  assert.deepEqual(sizes(p), [4]);
  p.finish();
  assert.deepEqual(await Promise.all(answers), [[{ echo: 1 }, { echo: 2 }], [{ echo: 3 }, { echo: 4 }]]);
});

test("requests queued while every worker is busy ride together, up to maxBatch rows of whole requests", async () => {
  const p = new HeldPredictor(1);
  const b = new Batcher(p, { maxBatch: 4, maxDelayMs: 0, onBatch: () => {} });
  const answers = Array.from({ length: 10 }, (_, i) => b.submit(rows(i)));
  // The first goes alone (the worker was idle); the others wait for it.
  assert.deepEqual(sizes(p), [1]);
  for (let i = 0; i < 4; i++) {
    p.finish();
    await tick();
  }
  assert.deepEqual(sizes(p), [1, 4, 4, 1]);
  assert.deepEqual(await Promise.all(answers), Array.from({ length: 10 }, (_, i) => [{ echo: i }]));
  // A request bigger than maxBatch still goes whole, on its own.
  const big = b.submit(rows(...Array.from({ length: 6 }, (_, i) => i)));
  assert.deepEqual(sizes(p).at(-1), 6);
  p.finish();
  assert.equal((await big).length, 6);
});

test("the batcher keeps as many batches in flight as the predictor has workers", async () => {
  const p = new HeldPredictor(2);
  const b = new Batcher(p, { maxBatch: 2, maxDelayMs: 0 });
  const answers = Array.from({ length: 6 }, (_, i) => b.submit(rows(i)));
  assert.deepEqual(sizes(p), [1, 1]);
  assert.equal(b.pending, 6);
  p.finish();
  await tick();
  assert.deepEqual(sizes(p), [1, 1, 2]);
  p.finish();
  await tick();
  assert.deepEqual(sizes(p), [1, 1, 2, 2]);
  p.finish();
  p.finish();
  assert.equal((await Promise.all(answers)).length, 6);
  assert.equal(b.pending, 0);
});

test("maxBatch 1 scores every request on its own", async () => {
  const p = new HeldPredictor(1);
  const b = new Batcher(p, { maxBatch: 1, maxDelayMs: 100 });
  const answers = [b.submit(rows(1)), b.submit(rows(2)), b.submit(rows(3))];
  for (let i = 0; i < 3; i++) {
    p.finish();
    await tick();
  }
  assert.deepEqual(sizes(p), [1, 1, 1]);
  assert.deepEqual(await Promise.all(answers), [[{ echo: 1 }], [{ echo: 2 }], [{ echo: 3 }]]);
});

test("a batch that fails on one request's row is scored again request by request, so only that request fails", async () => {
  const p: BatchPredictor = {
    capacity: 1,
    async predict(batch) {
      const bad = batch.findIndex((r) => r.id === -1);
      if (bad >= 0) throw new InputError("not a valid id", bad, "id");
      return batch.map((r) => ({ echo: r.id }));
    },
  };
  const b = new Batcher(p, { maxBatch: 8, maxDelayMs: 0 });
  // The first request occupies the worker, so the next three share a batch.
  const first = b.submit(rows(0));
  const shared = [b.submit(rows(1)), b.submit(rows(2, -1)), b.submit(rows(3))];
  const results = await Promise.allSettled([first, ...shared]);
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "fulfilled", "rejected", "fulfilled"]);
  const failure = (results[2] as PromiseRejectedResult).reason as InputError;
  assert.ok(failure instanceof InputError);
  assert.equal(failure.row, 1, "the row index is within the failing request");
  assert.deepEqual((results[3] as PromiseFulfilledResult<Prediction[]>).value, [{ echo: 3 }]);
});

test("a server fault fails every request of the batch", async () => {
  const p = new HeldPredictor(1);
  const b = new Batcher(p, { maxBatch: 8, maxDelayMs: 0 });
  const first = b.submit(rows(0));
  const shared = [b.submit(rows(1)), b.submit(rows(2))];
  p.finish();
  await first;
  await tick();
  p.finish(new Error("worker died"));
  for (const r of await Promise.allSettled(shared)) assert.equal(r.status, "rejected");
});

test("drain sends what is queued at once, answers it, and refuses new requests", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const p = new HeldPredictor(1);
  const b = new Batcher(p, { maxBatch: 8, maxDelayMs: 10_000 });
  const answers = [b.submit(rows(1)), b.submit(rows(2))];
  assert.equal(p.batches.length, 0);
  const drained = b.drain();
  assert.deepEqual(sizes(p), [2]);
  await assert.rejects(b.submit(rows(3)), UnavailableError);
  p.finish();
  await drained;
  assert.deepEqual(await Promise.all(answers), [[{ echo: 1 }], [{ echo: 2 }]]);
  await b.drain();
});

test("stopWaiting sends queued and later requests at once, and still accepts them", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const p = new HeldPredictor(2);
  const b = new Batcher(p, { maxBatch: 8, maxDelayMs: 10_000 });
  const first = b.submit(rows(1));
  assert.equal(p.batches.length, 0);
  b.stopWaiting();
  const second = b.submit(rows(2));
  assert.deepEqual(sizes(p), [1, 1]);
  p.finish();
  p.finish();
  assert.deepEqual(await Promise.all([first, second]), [[{ echo: 1 }], [{ echo: 2 }]]);
});
