import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Generator, assertGradcheck, functional as F, randn, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { type OpFn, fixtureTests, uniform } from "./core_helpers.js";

const OPS: Record<string, OpFn> = {
  matmul: (i) => i.a.matmul(i.b),
  mm: (i) => i.a.mm(i.b),
  bmm: (i) => i.a.bmm(i.b),
  linear: (i) => F.linear(i.x, i.w, i.b),
  matmul_transposed_a: (i) => i.a.t().matmul(i.b),
  matmul_transposed_b: (i) => i.a.matmul(i.b.t()),
  matmul_transposed_both: (i) => i.a.t().matmul(i.b.t()),
  matmul_batched_transposed: (i) => i.a.transpose(-1, -2).matmul(i.b),
  matmul_sliced_columns: (i) => i.a.slice(1, 1, 4).matmul(i.b),
  linear_transposed_input: (i) => F.linear(i.x.t(), i.w, i.b),
  addmm: (i) => F.addmm(i.b, i.a, i.w),
  addmm_matrix_beta_alpha: (i) => i.b.addmm(i.a, i.w, { beta: 0.5, alpha: -2 }),
  addmm_transposed_operands: (i) => F.addmm(i.b, i.a.t(), i.w.t()),
};

describe("linear algebra against PyTorch", () => fixtureTests("linalg", OPS));

describe("linear algebra gradcheck", () => {
  const g = new Generator(5);
  const shapes: [number[], number[]][] = [
    [[4], [4]], [[3], [3, 5]], [[2, 3], [3]], [[2, 3], [3, 4]], [[2, 1, 3, 4], [5, 4, 2]], [[4], [2, 4, 3]], [[2, 3, 4], [4]],
  ];
  for (const [sa, sb] of shapes) {
    test(`matmul [${sa}]·[${sb}]`, () => assertGradcheck(F.matmul, [uniform(g, sa), uniform(g, sb)]));
  }
  test("matmul of transposed and sliced operands", () => {
    assertGradcheck((a, b) => a.t().matmul(b.t()), [uniform(g, [3, 2]), uniform(g, [4, 3])]);
    assertGradcheck((a, b) => a.transpose(-1, -2).matmul(b.slice(1, 1, 3)), [uniform(g, [2, 4, 3]), uniform(g, [4, 3])]);
  });
  test("mm and bmm", () => {
    assertGradcheck(F.mm, [uniform(g, [2, 3]), uniform(g, [3, 4])]);
    assertGradcheck(F.bmm, [uniform(g, [2, 2, 3]), uniform(g, [2, 3, 2])]);
  });
  test("linear with and without bias, on 1-d, 2-d and 3-d inputs", () => {
    const w = uniform(g, [5, 4]);
    const b = uniform(g, [5]);
    for (const shape of [[4], [3, 4], [2, 3, 4]]) {
      assertGradcheck(F.linear, [uniform(g, shape), w, b]);
      assertGradcheck((x, w) => F.linear(x, w), [uniform(g, shape), w]);
    }
  });
  test("addmm, fused (bias row) and general (matrix input, beta, alpha)", () => {
    assertGradcheck((b, a, w) => F.addmm(b, a, w), [uniform(g, [4]), uniform(g, [3, 2]), uniform(g, [2, 4])]);
    assertGradcheck((b, a, w) => F.addmm(b, a.t(), w), [uniform(g, [4]), uniform(g, [2, 3]), uniform(g, [2, 4])]);
    assertGradcheck((b, a, w) => F.addmm(b, a, w, { beta: 0.5, alpha: 3 }), [uniform(g, [3, 1]), uniform(g, [3, 2]), uniform(g, [2, 4])]);
  });
});

describe("linear algebra semantics", () => {
  test("linear equals x·wᵀ + b", () => {
    const x = randn([2, 3, 4]);
    const w = randn([5, 4]);
    const b = randn([5]);
    assertClose(F.linear(x, w, b), x.matmul(w.t()).add(b), { atol: 1e-5 });
  });

  test("addmm equals input + mat1·mat2, and names the shapes when they do not fit", () => {
    const a = randn([5, 3]);
    const w = randn([3, 4]);
    const b = randn([4]);
    assertClose(F.addmm(b, a, w), a.matmul(w).add(b), { atol: 1e-5 });
    assertClose(F.addmm(b.reshape([1, 4]), a, w, { beta: 2 }), a.matmul(w).add(b.mul(2)), { atol: 1e-5 });
    assert.throws(() => F.addmm(b, a, randn([4, 4])), /addmm: mat1 of shape \[5, 3\] and mat2 of shape \[4, 4\] cannot be multiplied/);
    assert.throws(() => F.addmm(randn([3]), a, w), /addmm \(input of shape \[3\] against mat1·mat2 of shape \[5, 4\]\)/);
  });

  test("linear and addmm with the bias in the GEMM epilogue: kernel-sized, a bias view at an offset, no rows", () => {
    // Sizes past the js crossover (the native kernel when built), k past one k slice, a
    // single output column (matrix-vector path), and a bias that is a slice of a larger tensor.
    for (const [rows, inF, outF] of [[256, 30, 128], [33, 600, 17], [256, 64, 1], [7, 9, 1000]]) {
      const x = randn([rows, inF]);
      const w = randn([outF, inF]);
      const big = randn([outF + 3]);
      const b = big.slice(0, 3, outF + 3);
      assertClose(F.linear(x, w, b), x.matmul(w.t()).add(b), { atol: 1e-4 * Math.sqrt(inF) });
      assertClose(F.addmm(b, x, w.t()), x.matmul(w.t()).add(b), { atol: 1e-4 * Math.sqrt(inF) });
    }
    const empty = F.linear(zeros([0, 4]), randn([3, 4]), randn([3]));
    assert.deepEqual(empty.shape, [0, 3]);
    const noIn = F.linear(zeros([2, 0]), zeros([3, 0]), tensor([1, 2, 3]));
    assertClose(noIn, tensor([[1, 2, 3], [1, 2, 3]]));
  });

  test("output shapes follow PyTorch", () => {
    const cases: [number[], number[], number[]][] = [
      [[4], [4], []], [[3], [3, 5], [5]], [[2, 3], [3], [2]], [[2, 1, 3, 4], [5, 4, 2], [2, 5, 3, 2]], [[7, 1, 2, 3], [3], [7, 1, 2]],
      [[0, 3], [3, 2], [0, 2]], [[2, 0], [0, 3], [2, 3]],
    ];
    for (const [sa, sb, so] of cases) assert.deepEqual(F.matmul(zeros(sa), zeros(sb)).shape, so, `[${sa}]·[${sb}]`);
  });

  test("an inner dimension of 0 gives zeros", () => {
    assertClose(F.matmul(zeros([2, 0]), zeros([0, 3])), zeros([2, 3]));
  });

  test("NaN and inf propagate through matmul", () => {
    const a = tensor([[0, 1]]);
    const b = tensor([[Infinity, 1], [2, NaN]]);
    assertClose(F.matmul(a, b), [NaN, NaN]);
  });

  test("mm and bmm insist on their ranks", () => {
    assert.throws(() => F.mm(zeros([2, 3, 4]), zeros([4, 2])), /mm: expects 2-d tensors, got \[2, 3, 4\] and \[4, 2\]/);
    assert.throws(() => F.bmm(zeros([2, 3, 4]), zeros([3, 4, 2])), /bmm: expects 3-d tensors with equal batch sizes, got \[2, 3, 4\] and \[3, 4, 2\]/);
  });
});

describe("linear algebra errors", () => {
  test("matmul names both shapes as the user gave them", () => {
    const cases: [number[], number[]][] = [[[2, 3], [4, 5]], [[3], [4, 5]], [[2, 3], [4]], [[3], [4]], [[2, 2, 3], [3, 3, 4]]];
    for (const [sa, sb] of cases) {
      assert.throws(() => F.matmul(zeros(sa), zeros(sb)), (e: Error) => e instanceof RangeError && e.message.startsWith("matmul:") &&
        e.message.includes(`[${sa.join(", ")}]`) && e.message.includes(`[${sb.join(", ")}]`), `[${sa}]·[${sb}]`);
    }
    assert.throws(() => F.matmul(zeros([]), zeros([3])), /matmul: both arguments need at least 1 dim, got \[\] and \[3\]/);
  });

  test("matmul and linear need float32", () => {
    assert.throws(() => F.matmul(zeros([2, 2], { dtype: "int32" }), zeros([2, 2])), /matmul: expected a float32 tensor, got int32 of shape \[2, 2\]/);
    assert.throws(() => F.linear(zeros([2, 2]), zeros([3, 2]), zeros([3], { dtype: "int32" })), /linear: expected a float32 tensor, got int32 of shape \[3\]/);
  });

  test("linear checks the weight and bias shapes", () => {
    assert.throws(() => F.linear(zeros([2, 3]), zeros([4, 5])), /linear: input of shape \[2, 3\] does not match weight of shape \[4, 5\]/);
    assert.throws(() => F.linear(zeros([2, 3]), zeros([3])), /linear: weight must be 2-d \[out, in\], got \[3\]/);
    assert.throws(() => F.linear(zeros([2, 3]), zeros([4, 3]), zeros([3])), /linear: bias of shape \[3\] does not match weight of shape \[4, 3\]/);
  });
});

test("matmul result does not depend on operand layout", () => {
  const a = randn([3, 4, 5]);
  const b = randn([5, 2]);
  const ref = a.matmul(b);
  const aT = a.transpose(1, 2).contiguous().transpose(1, 2);
  const bT = b.t().contiguous().t();
  assertClose(aT.matmul(bT), ref, { atol: 1e-5 });
  assertClose(a.matmul(b.expand([3, 5, 2])), ref, { atol: 1e-5 });
  assertClose(a.select(0, 1).matmul(b), ref.select(0, 1), { atol: 1e-5 });
});
