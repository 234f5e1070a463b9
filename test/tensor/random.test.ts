import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Generator, defaultGenerator, manualSeed, rand, randint, randn, randperm } from "../../src/index.js";

const values = (t: { toArray(): ArrayLike<number> }) => Array.from(t.toArray());

describe("seeded generators", () => {
  test("manualSeed makes the default generator repeat itself", () => {
    manualSeed(42);
    const a = [values(rand([5])), values(randn([5])), values(randint(0, 10, [5])), values(randperm(6))];
    manualSeed(42);
    const b = [values(rand([5])), values(randn([5])), values(randint(0, 10, [5])), values(randperm(6))];
    assert.deepEqual(a, b);
    manualSeed(43);
    assert.notDeepEqual(values(rand([5])), a[0]);
  });

  test("a per-call generator is independent of the default one", () => {
    const g1 = new Generator(7);
    const g2 = new Generator(7);
    const a = values(randn([4], { generator: g1 }));
    manualSeed(1);
    rand([100]); // advances only the default generator
    const b = values(randn([4], { generator: g2 }));
    assert.deepEqual(a, b);
    assert.notDeepEqual(values(randn([4], { generator: g1 })), a);
  });

  test("the generator is xoshiro128**", () => {
    // Reference output of xoshiro128** (Blackman & Vigna) from the state [1, 2, 3, 4].
    const g = new Generator();
    g.setState({ s: [1, 2, 3, 4], spare: null });
    assert.deepEqual([g.nextUint32(), g.nextUint32(), g.nextUint32(), g.nextUint32()], [11520, 0, 5927040, 70819200]);
  });

  test("getState/setState replay the sequence, including a pending normal", () => {
    const g = new Generator(3);
    g.normal(); // leaves the second Box-Muller value pending
    const s = g.getState();
    const a = [g.normal(), g.normal(), g.random()];
    g.setState(s);
    assert.deepEqual([g.normal(), g.normal(), g.random()], a);
  });

  test("seeds: large, negative and fractional values are accepted; non-finite ones are not", () => {
    assert.notDeepEqual(values(rand([3], { generator: new Generator(2 ** 40) })), values(rand([3], { generator: new Generator(0) })));
    assert.notDeepEqual(values(rand([3], { generator: new Generator(-1) })), values(rand([3], { generator: new Generator(1) })));
    assert.equal(new Generator(5).initialSeed(), 5);
    assert.throws(() => manualSeed(NaN), /manualSeed: seed must be a finite number, got NaN/);
  });

  test("manualSeed returns the default generator", () => {
    assert.equal(manualSeed(0), defaultGenerator);
  });
});

describe("distributions", () => {
  const g = new Generator(2024);

  test("rand is in [0, 1) with mean 1/2", () => {
    const x = rand([100000], { generator: g }).toArray();
    let sum = 0;
    for (const v of x) {
      assert.ok(v >= 0 && v < 1);
      sum += v;
    }
    assert.ok(Math.abs(sum / x.length - 0.5) < 0.005);
  });

  test("randn has mean 0 and std 1 over 1e5 samples", () => {
    const x = randn([100000], { generator: g });
    assert.ok(Math.abs(x.mean().item()) < 0.01, `mean ${x.mean().item()}`);
    assert.ok(Math.abs(x.std().item() - 1) < 0.01, `std ${x.std().item()}`);
    const d = x.toArray();
    let within1 = 0;
    for (const v of d) if (Math.abs(v) < 1) within1++;
    assert.ok(Math.abs(within1 / d.length - 0.6827) < 0.005);
  });

  test("randint covers [low, high) uniformly and is int32", () => {
    const t = randint(-2, 3, [50000], { generator: g });
    assert.equal(t.dtype, "int32");
    const counts = new Map<number, number>();
    for (const v of t.toArray()) counts.set(v, (counts.get(v) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [-2, -1, 0, 1, 2]);
    for (const c of counts.values()) assert.ok(Math.abs(c / 50000 - 0.2) < 0.01);
    assert.throws(() => randint(3, 3, [2]), /randint: high \(3\) must be greater than low \(3\)/);
    assert.throws(() => randint(0, 2.5, [2]), /randint: low and high must be integers, got 0 and 2.5/);
  });

  test("randperm is a permutation", () => {
    const p = randperm(50, { generator: g });
    assert.equal(p.dtype, "int32");
    assert.deepEqual(values(p).sort((a, b) => a - b), [...Array(50).keys()]);
    assert.deepEqual(randperm(0).shape, [0]);
    assert.throws(() => randperm(-1), /randperm: n must be a non-negative integer, got -1/);
  });

  test("rand and randn need a float dtype and a valid shape", () => {
    assert.throws(() => rand([2], { dtype: "int32" }), /rand: dtype must be float32, got int32/);
    assert.throws(() => randn([2], { dtype: "bool" }), /randn: dtype must be float32, got bool/);
    assert.throws(() => randn([2, -2]), /randn: invalid shape \[2, -2\]/);
  });

  test("requiresGrad option", () => {
    assert.equal(randn([2], { requiresGrad: true }).requiresGrad, true);
  });
});
