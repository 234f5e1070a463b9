import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Generator, type Tensor, add, arange, assertGradcheck, cat, chunk, flip, mul, pad, randn, repeat, roll, split, stack, sum,
  tensor, tril, triu, zeros,
} from "../../src/index.js";
import { type FixtureCase, assertClose, fromFixture, loadFixture } from "../helpers.js";

type Inputs = Record<string, Tensor>;
const TOL = { atol: 1e-6, rtol: 1e-5 };

function leaves(c: FixtureCase): Inputs {
  const t: Inputs = {};
  for (const [k, e] of Object.entries(c.inputs)) t[k] = fromFixture(e, k in c.grads);
  return t;
}

/** Forward value and, when the case has them, input gradients for the upstream gradient `gout`. */
function checkCase(name: string, fn: (t: Inputs, p: Record<string, unknown>) => Tensor): void {
  const c = loadFixture("shape")[name];
  const t = leaves(c);
  const out = fn(t, c.params);
  assertClose(out, c.outputs.out, TOL, `${name} value`);
  if (!Object.keys(c.grads).length) return;
  out.backward(t.gout);
  for (const [k, g] of Object.entries(c.grads)) assertClose(t[k].grad, g, TOL, `${name} grad ${k}`);
}

/** Ops returning pieces: each piece's value, and x's gradient for sum_i <piece_i, w_i>. */
function checkPieces(name: string, fn: (x: Tensor) => Tensor[]): void {
  const c = loadFixture("shape")[name];
  const t = leaves(c);
  const ps = fn(t.x);
  assert.equal(ps.length, c.params.count, `${name}: number of pieces`);
  ps.forEach((p, i) => assertClose(p, c.outputs[`p${i}`], TOL, `${name} piece ${i}`));
  ps.map((p, i) => sum(mul(p, t[`w${i}`]))).reduce((a, b) => add(a, b)).backward();
  assertClose(t.x.grad, c.grads.x, TOL, `${name} grad`);
}

describe("join ops match PyTorch 1.13", () => {
  it("cat", () => {
    checkCase("cat_dim1", (t) => cat([t.a, t.b, t.c], 1));
    checkCase("cat_neg_dim", (t) => cat([t.a, t.b], -1));
  });
  it("cat promotes dtypes", () => {
    checkCase("cat_promote", (t) => cat([t.a, t.b]));
    assert.equal(cat([tensor([1], { dtype: "int32" }), tensor([true])]).dtype, "int32");
  });
  it("stack", () => {
    checkCase("stack_dim1", (t) => stack([t.a, t.b, t.c], 1));
    checkCase("stack_last", (t) => stack([t.a, t.b], -1));
  });
  it("split and chunk", () => {
    checkPieces("split_sizes", (x) => split(x, [1, 3, 1], 1));
    checkPieces("split_size", (x) => x.split(2));
    checkPieces("chunk", (x) => chunk(x, 4, 1));
    checkPieces("chunk_exact", (x) => x.chunk(3, -1));
  });
  it("repeat", () => {
    checkCase("repeat", (t) => t.x.repeat(2, 1, 3));
    checkCase("repeat_same_rank", (t, p) => repeat(t.x, p.repeats as number[]));
  });
  it("pad", () => {
    checkCase("pad_constant", (t, p) => pad(t.x, p.pad as number[], { value: p.value as number }));
    checkCase("pad_constant_3d", (t, p) => pad(t.x, p.pad as number[]));
    for (const name of ["pad_reflect_1d", "pad_reflect_2d", "pad_replicate_2d", "pad_reflect_crop"]) {
      checkCase(name, (t, p) => pad(t.x, p.pad as number[], { mode: p.mode as "reflect" }));
    }
  });
  it("tril and triu", () => {
    checkCase("tril", (t) => t.x.tril());
    checkCase("tril_neg", (t) => tril(t.x, -1));
    checkCase("triu_pos", (t) => t.x.triu(1));
  });
  it("flip and roll", () => {
    checkCase("flip", (t) => t.x.flip([0, 2]));
    checkCase("roll", (t) => roll(t.x, [1, -2], [0, 1]));
    checkCase("roll_flat", (t) => t.x.roll(3));
  });
});

describe("join ops: behaviour", () => {
  it("cat skips 1-d empty tensors, as PyTorch", () => {
    const x = tensor([[1, 2], [3, 4]]);
    assert.deepEqual(cat([zeros([0]), x]).tolist(), [[1, 2], [3, 4]]);
    assert.deepEqual(cat([zeros([0]), zeros([0])]).shape, [0]);
  });
  it("cat of non-contiguous views", () => {
    const x = arange(6).reshape([2, 3]);
    assert.deepEqual(cat([x.t(), x.t().slice(0, 1)], 0).tolist(), [[0, 3], [1, 4], [2, 5], [1, 4], [2, 5]]);
  });
  it("split and chunk return views sharing storage", () => {
    const x = arange(10);
    const [a, b] = x.split([4, 6]);
    assert.equal(a.data, x.data);
    assert.equal(b.offset, 4);
    assert.deepEqual(x.chunk(3).map((p) => p.shape[0]), [4, 4, 2]);
    // torch.chunk may give fewer pieces: 5 in chunks of ceil(5/4) = 2.
    assert.deepEqual(x.slice(0, 0, 5).chunk(4).map((p) => p.shape[0]), [2, 2, 1]);
    assert.deepEqual(zeros([0, 2]).chunk(3).map((p) => p.shape), [[0, 2], [0, 2], [0, 2]]);
  });
  it("repeat copies and adds leading dims", () => {
    const x = tensor([1, 2]);
    const r = x.repeat([2, 2]);
    assert.deepEqual(r.tolist(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
    assert.notEqual(x.repeat([1]).data, x.data);
    assert.deepEqual(x.repeat(0).shape, [0]);
  });
  it("pad crops with negative amounts and keeps int dtype", () => {
    const x = arange(5);
    assert.deepEqual(pad(x, [-2, 1]).tolist(), [2, 3, 4, 0]);
    assert.deepEqual(pad(x, [1, -4], { value: 9 }).tolist(), [9, 0]);
    assert.equal(pad(x, [1, 1]).dtype, "int32");
    assert.deepEqual(pad(x, [2, 1], { mode: "replicate" }).tolist(), [0, 0, 0, 1, 2, 3, 4, 4]);
  });
  it("tril/triu keep the dtype; flip and roll work on any dims", () => {
    const m = arange(9).reshape([3, 3]);
    assert.deepEqual(m.tril().tolist(), [[0, 0, 0], [3, 4, 0], [6, 7, 8]]);
    assert.equal(m.triu().dtype, "int32");
    assert.deepEqual(m.flip(-1).tolist(), [[2, 1, 0], [5, 4, 3], [8, 7, 6]]);
    assert.deepEqual(m.t().flip([0, 1]).tolist(), [[8, 5, 2], [7, 4, 1], [6, 3, 0]]);
    assert.deepEqual(arange(5).roll(-7).tolist(), [2, 3, 4, 0, 1]);
  });
});

describe("join op gradients match finite differences", () => {
  const gen = new Generator(11);
  const leaf = (shape: number[]) => randn(shape, { generator: gen }).requiresGrad_();

  it("cat and stack", () => {
    assertGradcheck((a, b) => cat([a, b, a], 1), [leaf([2, 2]), leaf([2, 3])]);
    assertGradcheck((a, b) => stack([a, b], 1), [leaf([2, 3]), leaf([2, 3])]);
  });
  it("split and chunk pieces", () => {
    assertGradcheck((x) => { const [a, , c] = split(x, [1, 2, 2], 1); return cat([c, a], 1); }, [leaf([3, 5])]);
    assertGradcheck((x) => { const ps = chunk(x, 2, 0); return mul(ps[0], ps[1]); }, [leaf([4, 3])]);
  });
  it("repeat", () => {
    assertGradcheck((x) => repeat(x, [2, 3, 1]), [leaf([2, 2])]);
  });
  it("pad in each mode", () => {
    assertGradcheck((x) => pad(x, [1, -1, 2, 0], { value: 3 }), [leaf([2, 3, 3])]);
    assertGradcheck((x) => pad(x, [2, 1, 1, 2], { mode: "reflect" }), [leaf([1, 3, 4])]);
    assertGradcheck((x) => pad(x, [3, 0, 1, 2], { mode: "replicate" }), [leaf([2, 2, 3])]);
  });
  it("tril, triu, flip, roll", () => {
    assertGradcheck((x) => tril(x, 1), [leaf([2, 3, 4])]);
    assertGradcheck((x) => triu(x, -1), [leaf([4, 3])]);
    assertGradcheck((x) => flip(x, [0, -1]), [leaf([2, 3, 2])]);
    assertGradcheck((x) => roll(x, [2, -1], [1, 0]), [leaf([3, 4])]);
  });
});

describe("join op errors", () => {
  const x = zeros([2, 3]);
  it("cat names the mismatched shapes", () => {
    assert.throws(() => cat([x, zeros([3, 3])], 1), /cat: tensors must match in all dims except dim 1; got \[2, 3\] \(tensor 0\) and \[3, 3\] \(tensor 1\)/);
    assert.throws(() => cat([x, zeros([2, 3, 1])]), /cat: .*\[2, 3, 1\]/);
    assert.throws(() => cat([]), /cat: expected a non-empty list/);
    assert.throws(() => cat([tensor(1)]), /cat: zero-dimensional tensor \(at position 0\)/);
    assert.throws(() => cat([x, x], 2), /cat: dimension 2 out of range/);
  });
  it("stack names the mismatched shapes", () => {
    assert.throws(() => stack([x, x, zeros([3, 2])]), /stack: .*\[2, 3\] \(tensor 0\) and \[3, 2\] \(tensor 2\)/);
    assert.throws(() => stack([x], 3), /stack: dimension 3 out of range/);
  });
  it("split and chunk", () => {
    assert.throws(() => split(x, [1, 1], 1), /split: sections \[1, 1\] must be non-negative integers adding up to 3/);
    assert.throws(() => split(x, 0), /split: split size must be a positive integer, got 0/);
    assert.throws(() => chunk(x, 0), /chunk: chunks must be a positive integer/);
    assert.throws(() => split(tensor(1), 1), /split: expects at least a 1-d tensor/);
  });
  it("repeat", () => {
    assert.throws(() => repeat(x, [2]), /repeat: 1 repeats given for input of shape \[2, 3\]/);
    assert.throws(() => repeat(x, [1, -1]), /repeat: repeats must be non-negative integers/);
  });
  it("pad", () => {
    assert.throws(() => pad(x, [1]), /pad: padding \[1\] must be \(before, after\) integer pairs/);
    assert.throws(() => pad(x, [1, 1, 1, 1, 1, 1]), /for at most 2 dims of input \[2, 3\]/);
    assert.throws(() => pad(x, [-2, -2]), /pad: padding \[-2, -2\] gives negative size \[2, -1\]/);
    assert.throws(() => pad(x, [3, 0], { mode: "reflect" }), /pad: reflect padding \(3, 0\) must be smaller than dim 1 of input \[2, 3\]/);
    assert.throws(() => pad(zeros([2, 0]), [1, 0], { mode: "replicate" }), /pad: replicate padding/);
    assert.throws(() => pad(x, [1, 1], { mode: "circular" as "reflect" }), /pad: mode must be/);
    assert.throws(() => pad(x, [1, 1], { mode: "reflect", value: 2 }), /pad: mode "reflect" takes no fill value/);
  });
  it("tril, flip, roll", () => {
    assert.throws(() => tril(zeros([3])), /tril: input of shape \[3\] must have at least 2 dims/);
    assert.throws(() => flip(x, [0, -2]), /flip: dims \[0, -2\] has duplicates/);
    assert.throws(() => flip(x, 2), /flip: dimension 2 out of range/);
    assert.throws(() => roll(x, [1, 2], 0), /roll: got 2 shifts for 1 dims/);
    assert.throws(() => roll(x, [1, 2]), /roll: without dims, shifts must be a single number/);
  });
});
