import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Generator, Tensor, tensor } from "../../src/index.js";
import { DataLoader, type Dataset, IterableDataset, Subset, TensorDataset, defaultCollate, mapDataset } from "../../src/data/index.js";

function ids(batches: Iterable<Tensor[]>): number[][] {
  return Array.from(batches, ([, y]) => Array.from(y.toArray()));
}

// 10 samples: features [i, 10 i] (float32), labels i (int32).
const n = 10;
const x = tensor(Array.from({ length: n }, (_, i) => [i, 10 * i]));
const y = tensor(Array.from({ length: n }, (_, i) => i), { dtype: "int32" });
const ds = new TensorDataset(x, y);

describe("TensorDataset", () => {
  it("indexes its tensors together, as row views", () => {
    const [xi, yi] = ds.get(3);
    assert.deepEqual([xi.shape, Array.from(xi.toArray()), yi.shape, yi.item()], [[2], [3, 30], [], 3]);
    assert.equal(ds.length, 10);
    assert.throws(() => ds.get(10), { message: "TensorDataset: index 10 is out of range for 10 samples" });
    assert.throws(() => new TensorDataset(x, tensor([1, 2])), { message: "TensorDataset: tensors differ in their first dimension: [10, 2], [2]" });
  });
});

describe("DataLoader", () => {
  it("batches in order, keeping dtypes: float32 features, int32 labels", () => {
    const loader = new DataLoader(ds, { batchSize: 4 });
    const batches = [...loader];
    assert.equal(loader.length, 3);
    assert.deepEqual(batches.map(([bx, by]) => [bx.shape, bx.dtype, by.shape, by.dtype]), [
      [[4, 2], "float32", [4], "int32"],
      [[4, 2], "float32", [4], "int32"],
      [[2, 2], "float32", [2], "int32"],
    ]);
    assert.deepEqual(Array.from(batches[1][0].toArray()), [4, 40, 5, 50, 6, 60, 7, 70]);
  });

  it("dropLast leaves out the short last batch", () => {
    const loader = new DataLoader(ds, { batchSize: 4, dropLast: true });
    assert.equal(loader.length, 2);
    assert.deepEqual(ids(loader), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  it("shuffles with a seed: a permutation, different each epoch, the same for the same seed", () => {
    const a = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 42 });
    const b = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 42 });
    const a1 = ids(a).flat();
    const a2 = ids(a).flat();
    assert.deepEqual([...a1].sort((p, q) => p - q), Array.from({ length: n }, (_, i) => i));
    assert.notDeepEqual(a1, a2);
    assert.deepEqual([ids(b).flat(), ids(b).flat()], [a1, a2]);
    // Features follow their labels through the shuffle.
    for (const [bx, by] of new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 1 })) {
      const xs = bx.toArray();
      by.toArray().forEach((label, i) => assert.equal(xs[2 * i], label));
    }
  });

  it("a run resumed at epoch e reshuffles as the original did", () => {
    const original = new DataLoader(ds, { batchSize: 10, shuffle: true, seed: 3 });
    ids(original);
    ids(original);
    const third = ids(original);
    const resumed = new DataLoader(ds, { batchSize: 10, shuffle: true, seed: 3 });
    resumed.epoch = 2;
    assert.deepEqual(ids(resumed), third);
  });

  it("draws from a given generator, reproducibly from its seed", () => {
    const first = ids(new DataLoader(ds, { batchSize: 10, shuffle: true, generator: new Generator(11) }));
    const again = ids(new DataLoader(ds, { batchSize: 10, shuffle: true, generator: new Generator(11) }));
    assert.deepEqual(first, again);
  });

  it("collates per-sample gets of any dataset, and takes a custom collate", () => {
    const squares: Dataset<{ v: Tensor; k: number }> = { length: 5, get: (i) => ({ v: tensor([i, i * i]), k: i }) };
    const batches = [...new DataLoader(squares, { batchSize: 2 })];
    assert.equal(batches.length, 3);
    assert.deepEqual(batches[1].v.shape, [2, 2]);
    assert.equal(batches[1].k.dtype, "float32");
    assert.deepEqual(Array.from(batches[2].k.toArray()), [4]);
    const sums = [...new DataLoader(squares, { batchSize: 5, collate: (s) => s.reduce((a, b) => a + b.k, 0) })];
    assert.deepEqual(sums, [10]);
  });

  it("Subset and mapDataset", () => {
    const sub = new Subset(ds, [7, 2, 5]);
    assert.deepEqual(ids(new DataLoader(sub, { batchSize: 2 })), [[7, 2], [5]]);
    const doubled = mapDataset(ds, ([xi, yi]) => [tensor(Array.from(xi.toArray(), (v) => 2 * v)), yi] as Tensor[]);
    const [[bx, by]] = [...new DataLoader(doubled, { batchSize: 2 })];
    assert.deepEqual([Array.from(bx.toArray()), by.dtype], [[0, 0, 2, 20], "int32"]);
  });

  it("reads an IterableDataset in order, afresh every epoch, sync or async", async () => {
    const it = new IterableDataset(function* () {
      for (let i = 0; i < 5; i++) yield tensor([i]);
    });
    const loader = new DataLoader(it, { batchSize: 2 });
    const epoch = () => [...loader].map((b) => Array.from(b.toArray()));
    assert.deepEqual(epoch(), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(epoch(), [[0, 1], [2, 3], [4]]);
    const dropped = new DataLoader(it, { batchSize: 2, dropLast: true });
    assert.deepEqual([...dropped].length, 2);
    const asyncSource = new IterableDataset(async function* () {
      for (let i = 0; i < 3; i++) yield i;
    });
    const got: number[][] = [];
    for await (const b of new DataLoader(asyncSource, { batchSize: 2 })) got.push(Array.from(b.toArray()));
    assert.deepEqual(got, [[0, 1], [2]]);
    assert.throws(() => [...new DataLoader(asyncSource)], { message: "DataLoader: the dataset is asynchronous; iterate with for await" });
    assert.throws(() => new DataLoader(it, { shuffle: true }), { message: "DataLoader: an IterableDataset is read in order; it cannot be shuffled" });
    assert.throws(() => new DataLoader(it).length, { message: "DataLoader: an IterableDataset has no length" });
  });

  it("for await also works on map-style datasets", async () => {
    const got: number[][] = [];
    for await (const [, by] of new DataLoader(ds, { batchSize: 6 })) got.push(Array.from(by.toArray()));
    assert.deepEqual(got, [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9]]);
  });

  it("defaultCollate checks that samples match", () => {
    assert.throws(() => defaultCollate([tensor([1, 2]), tensor([1])]), {
      message: "collate: sample 1 is a float32 tensor of shape [1], sample 0 a float32 tensor of shape [2]; all samples of a batch must match",
    });
    assert.throws(() => defaultCollate([1, "a"]), { message: "collate: sample 1 is a string where sample 0 is a number" });
    assert.throws(() => new DataLoader(ds, { batchSize: 0 }), { message: "DataLoader: batchSize must be a positive integer, got 0" });
  });
});
