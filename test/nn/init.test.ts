import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Generator, Tensor, empty, eye, manualSeed, matmul, nn, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const { init } = nn;

interface Stats {
  mean: number;
  std: number;
  min: number;
  max: number;
  n: number;
}

function stats(t: Tensor): Stats {
  const v = t.toArray();
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = sum / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (v.length - 1)), min, max, n: v.length };
}

/** Sample mean within 5 standard errors of `mean`, sample std within 3% of `std`. */
function assertMoments(s: Stats, mean: number, std: number, what: string): void {
  assert.ok(Math.abs(s.mean - mean) < (5 * std) / Math.sqrt(s.n), `${what}: mean ${s.mean}, expected ${mean}`);
  assert.ok(Math.abs(s.std / std - 1) < 0.03, `${what}: std ${s.std}, expected ${std}`);
}

/** U(-bound, bound): within the bounds, reaching close to them, with std bound/√3. */
function assertUniform(t: Tensor, bound: number, what: string): void {
  const s = stats(t);
  assert.ok(s.min >= -bound && s.max <= bound, `${what}: [${s.min}, ${s.max}] outside ±${bound}`);
  assert.ok(s.min < -0.98 * bound && s.max > 0.98 * bound, `${what}: [${s.min}, ${s.max}] does not fill ±${bound}`);
  assertMoments(s, 0, bound / Math.sqrt(3), what);
}

describe("default layer initialisation has PyTorch's distributions", () => {
  test("Linear: weight and bias U(-1/√inFeatures, 1/√inFeatures)", () => {
    const lin = new nn.Linear(1000, 400);
    assertUniform(lin.weight, 1 / Math.sqrt(1000), "weight");
    const b = stats(lin.bias!);
    assert.ok(b.min >= -1 / Math.sqrt(1000) && b.max <= 1 / Math.sqrt(1000));
  });

  test("Conv2d: the same with fanIn = inChannels/groups · kh · kw", () => {
    const conv = new nn.Conv2d(32, 64, 5, { groups: 2 });
    const bound = 1 / Math.sqrt(16 * 25);
    assertUniform(conv.weight, bound, "weight");
    const b = stats(conv.bias!);
    assert.ok(b.min >= -bound && b.max <= bound);
  });

  test("Embedding: N(0, 1)", () => {
    assertMoments(stats(new nn.Embedding(1000, 100).weight), 0, 1, "embedding");
  });

  test("norm layers: weight ones, bias zeros", () => {
    for (const m of [new nn.BatchNorm2d(3), new nn.LayerNorm(3), new nn.GroupNorm(1, 3)]) {
      assert.deepEqual(Array.from(m.weight!.toArray()), [1, 1, 1]);
      assert.deepEqual(Array.from(m.bias!.toArray()), [0, 0, 0]);
    }
  });

  test("MultiheadAttention: xavier-uniform packed projection, zero biases", () => {
    const mha = new nn.MultiheadAttention(64, 4);
    assertUniform(mha.in_proj_weight, Math.sqrt(6 / (64 + 192)), "in_proj_weight");
    assert.ok(mha.in_proj_bias!.toArray().every((v) => v === 0));
    assert.ok(mha.out_proj.bias!.toArray().every((v) => v === 0));
  });

  test("the same seed gives the same weights", () => {
    manualSeed(42);
    const a = new nn.Linear(20, 10);
    manualSeed(42);
    const b = new nn.Linear(20, 10);
    assert.deepEqual(a.weight.toArray(), b.weight.toArray());
    assert.deepEqual(a.bias!.toArray(), b.bias!.toArray());
    const c = new nn.Linear(20, 10);
    assert.notDeepEqual(a.weight.toArray(), c.weight.toArray());
  });
});

describe("nn.init", () => {
  const big = () => empty([400, 500]);

  test("calculateGain", () => {
    assert.equal(init.calculateGain("linear"), 1);
    assert.equal(init.calculateGain("conv2d"), 1);
    assert.equal(init.calculateGain("sigmoid"), 1);
    assert.equal(init.calculateGain("tanh"), 5 / 3);
    assert.equal(init.calculateGain("relu"), Math.SQRT2);
    assert.equal(init.calculateGain("leakyRelu"), Math.sqrt(2 / (1 + 0.01 ** 2)));
    assert.equal(init.calculateGain("leakyRelu", Math.sqrt(5)), Math.sqrt(1 / 3));
    assert.equal(init.calculateGain("selu"), 0.75);
    assert.throws(() => init.calculateGain("leaky_relu" as "leakyRelu"), /unsupported nonlinearity "leaky_relu"/);
  });

  test("calculateFanInAndFanOut counts the receptive field", () => {
    assert.deepEqual(init.calculateFanInAndFanOut(empty([6, 3, 5, 5])), { fanIn: 75, fanOut: 150 });
    assert.throws(() => init.calculateFanInAndFanOut(empty([5])), /at least 2 dims, got shape \[5\]/);
  });

  test("kaimingUniform_ and kaimingNormal_", () => {
    // Defaults: leakyRelu with a = 0 (gain √2), fanIn = 500.
    assertUniform(init.kaimingUniform_(big()), Math.sqrt(3) * Math.SQRT2 / Math.sqrt(500), "kaimingUniform_");
    assertUniform(init.kaimingUniform_(big(), { mode: "fanOut", nonlinearity: "relu" }), Math.sqrt(6 / 400), "fanOut");
    assertUniform(init.kaimingUniform_(big(), { a: Math.sqrt(5) }), 1 / Math.sqrt(500), "a = √5");
    assertMoments(stats(init.kaimingNormal_(big())), 0, Math.SQRT2 / Math.sqrt(500), "kaimingNormal_");
    assertMoments(stats(init.kaimingNormal_(big(), { mode: "fanOut", nonlinearity: "tanh" })), 0, (5 / 3) / Math.sqrt(400), "kaimingNormal_ fanOut");
    assert.throws(() => init.kaimingUniform_(big(), { mode: "fan_in" as "fanIn" }), /mode must be "fanIn" or "fanOut"/);
    assert.deepEqual(init.kaimingUniform_(empty([0, 3])).shape, [0, 3]);
  });

  test("xavierUniform_ and xavierNormal_", () => {
    assertUniform(init.xavierUniform_(big()), Math.sqrt(6 / 900), "xavierUniform_");
    assertUniform(init.xavierUniform_(big(), { gain: 2 }), 2 * Math.sqrt(6 / 900), "gain 2");
    assertMoments(stats(init.xavierNormal_(big())), 0, Math.sqrt(2 / 900), "xavierNormal_");
  });

  test("uniform_, normal_, constant_, zeros_, ones_", () => {
    const u = stats(init.uniform_(big(), 2, 5));
    assert.ok(u.min >= 2 && u.max <= 5);
    assertMoments(u, 3.5, 3 / Math.sqrt(12), "uniform_");
    assertMoments(stats(init.normal_(big(), -1, 0.5)), -1, 0.5, "normal_");
    assert.throws(() => init.normal_(big(), 0, -1), /std must be non-negative/);
    assert.deepEqual(Array.from(init.constant_(empty([3]), 0.25).toArray()), [0.25, 0.25, 0.25]);
    assert.deepEqual(Array.from(init.ones_(empty([2])).toArray()), [1, 1]);
    assert.deepEqual(Array.from(init.zeros_(tensor([4, 5])).toArray()), [0, 0]);
  });

  test("truncNormal_ matches the truncated normal's mean and std", () => {
    // Expected moments from the closed forms: mean = μ + σ(φ(α) - φ(β))/Z, and the matching variance.
    const cases: [nn.init.TruncNormalOptions, number, number][] = [
      [{}, 0, 0.8796256610342398],
      [{ mean: 0, std: 1, a: 3, b: 4 }, 3.2604542855899994, 0.2219860215812523],
      [{ mean: 1, std: 2, a: -1, b: 2 }, 1 + 2 * -0.20663121806153306, 2 * 0.4156600282520478],
      [{ mean: 0, std: 0.02, a: -2, b: 2 }, 0, 0.02],
    ];
    for (const [opts, mean, std] of cases) {
      const s = stats(init.truncNormal_(big(), opts));
      assert.ok(s.min >= (opts.a ?? -2) && s.max <= (opts.b ?? 2), `bounds for ${JSON.stringify(opts)}`);
      assertMoments(s, mean, std, `truncNormal_ ${JSON.stringify(opts)}`);
    }
    // Far out in the tail, where rejection sampling would stall.
    const tail = stats(init.truncNormal_(empty([1000]), { a: 8, b: 9 }));
    assert.ok(tail.min >= 8 && tail.max <= 9 && tail.mean > 8 && tail.mean < 8.2, `tail mean ${tail.mean}`);
    assert.throws(() => init.truncNormal_(big(), { a: 1, b: 1 }), /a \(1\) must be less than b \(1\)/);
  });

  test("orthogonal_ gives orthonormal rows or columns, scaled by gain", () => {
    const wide = init.orthogonal_(empty([20, 50]));
    assertClose(matmul(wide, wide.t()), eye(20), { atol: 1e-5 }, "wide Q·Qᵀ");
    const tall = init.orthogonal_(empty([50, 4, 5]), { gain: 2 });
    const flat = tall.reshape([50, 20]);
    assertClose(matmul(flat.t(), flat), eye(20).mul(4), { atol: 1e-4 }, "tall Qᵀ·Q");
    assert.throws(() => init.orthogonal_(empty([3])), /2 or more dims/);
  });

  test("a generator makes initialisation reproducible without touching the default one", () => {
    const fns: ((t: Tensor, g: Generator) => Tensor)[] = [
      (t, g) => init.uniform_(t, -1, 1, { generator: g }),
      (t, g) => init.normal_(t, 0, 1, { generator: g }),
      (t, g) => init.kaimingUniform_(t, { generator: g }),
      (t, g) => init.kaimingNormal_(t, { generator: g }),
      (t, g) => init.xavierUniform_(t, { generator: g }),
      (t, g) => init.xavierNormal_(t, { generator: g }),
      (t, g) => init.truncNormal_(t, { generator: g }),
      (t, g) => init.orthogonal_(t, { generator: g }),
    ];
    for (const f of fns) {
      manualSeed(1);
      const a = f(empty([4, 6]), new Generator(7)).toArray();
      const afterA = empty([3]).uniform_().toArray();
      manualSeed(1);
      const b = f(empty([4, 6]), new Generator(7)).toArray();
      assert.deepEqual(a, b);
      assert.deepEqual(empty([3]).uniform_().toArray(), afterA);
    }
  });

  test("init functions work on parameters while gradients are recorded", () => {
    const p = new nn.Parameter(zeros([3, 3]));
    init.kaimingUniform_(p);
    init.truncNormal_(p);
    assert.ok(p.requiresGrad && p.isLeaf);
  });
});
