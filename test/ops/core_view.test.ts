import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Generator, Tensor, arange, assertGradcheck, functional as F, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { type OpFn, fixtureTests, uniform } from "./core_helpers.js";

const OPS: Record<string, OpFn> = {
  reshape: (i, p) => i.x.reshape(p.shape),
  view: (i, p) => i.x.view(p.shape),
  permute: (i, p) => i.x.permute(p.dims),
  transpose: (i, p) => i.x.transpose(p.dim0, p.dim1),
  t: (i) => i.x.t(),
  expand: (i, p) => i.x.expand(p.shape),
  squeeze: (i, p) => i.x.squeeze(p.dim),
  unsqueeze: (i, p) => i.x.unsqueeze(p.dim),
  flatten: (i, p) => i.x.flatten(p.startDim, p.endDim),
  unflatten: (i, p) => i.x.unflatten(p.dim, p.sizes),
  slice: (i, p) => i.x.slice(p.dim, p.start, p.end, p.step),
  narrow: (i, p) => i.x.narrow(p.dim, p.start, p.length),
  select: (i, p) => i.x.select(p.dim, p.index),
  chain_transpose_reshape: (i) => i.x.transpose(0, 1).reshape([3, 8]),
  chain_permute_slice_flatten: (i) => i.x.permute([2, 0, 1]).slice(2, 1, 3).flatten(),
  chain_t_unsqueeze_expand: (i) => i.x.t().unsqueeze(0).expand([2, 4, 3]),
  chain_slice_steps_t: (i) => i.x.slice(0, 0, undefined, 2).slice(1, 1, undefined, 2).t(),
  chain_expand_mul_sum: (i) => i.x.expand([3, 4]).mul(arange(12).float().reshape([3, 4])).sum(0),
  chain_narrow_transpose_contiguous_view: (i) => i.x.narrow(2, 1, 2).transpose(1, 2).contiguous().view([2, 6]),
  chain_squeeze_permute_select: (i) => i.x.squeeze(1).permute([1, 0, 2]).select(2, 0),
  chain_unflatten_transpose_flatten: (i) => i.x.unflatten(1, [2, 2]).transpose(1, 2).flatten(1),
  chain_used_twice: (i) => i.x.t().mul(i.x.t().exp()).add(i.x.reshape([2, 2]).sum()),
};

describe("views against PyTorch", () => fixtureTests("view", OPS));

describe("view gradcheck", () => {
  const g = new Generator(3);
  const viewFns: [string, (x: Tensor) => Tensor][] = [
    ["reshape", (x) => x.reshape([4, -1])], ["view", (x) => x.view([6, 4])], ["permute", (x) => x.permute([2, 0, 1])],
    ["transpose", (x) => x.transpose(-1, 0)], ["t", (x) => x.select(0, 1).t()], ["expand", (x) => x.unsqueeze(1).expand([2, 5, 3, 4])],
    ["squeeze/unsqueeze", (x) => x.unsqueeze(0).unsqueeze(-1).squeeze()], ["flatten", (x) => x.flatten(1)],
    ["unflatten", (x) => x.unflatten(-1, [2, 2])], ["slice with step", (x) => x.slice(2, -3, undefined, 2).slice(1, 0, 3, 2)],
    ["narrow", (x) => x.narrow(1, 1, 2)], ["select", (x) => x.select(2, -2)],
    ["chain on non-contiguous", (x) => x.transpose(0, 2).slice(0, 1, 4, 2).reshape([-1]).unflatten(0, [3, 4])],
    ["contiguous and clone", (x) => x.permute([1, 2, 0]).contiguous().clone().view([-1])],
  ];
  for (const [name, f] of viewFns) test(name, () => assertGradcheck((x) => f(x).mul(f(x)), [uniform(g, [2, 3, 4])]));
});

describe("view errors", () => {
  const x = zeros([2, 3, 4]);
  test("bad shapes name the op and the shapes", () => {
    assert.throws(() => x.reshape([5, 5]), /reshape: shape \[5, 5\] is invalid for input of shape \[2, 3, 4\]/);
    assert.throws(() => x.view([-1, -1]), /view: only one dimension can be -1/);
    assert.throws(() => x.reshape([-1, 5]), /reshape: shape \[-1, 5\] is invalid for input of shape \[2, 3, 4\]/);
    assert.throws(() => x.t(), /t: expects a tensor with <= 2 dims, got shape \[2, 3, 4\]/);
    assert.throws(() => x.expand([2, 5, 4]), /expand: cannot expand shape \[2, 3, 4\] to \[2, 5, 4\]/);
    assert.throws(() => x.expand([3, 4]), /expand: target \[3, 4\] has fewer dims than input \[2, 3, 4\]/);
    assert.throws(() => x.expand([-1, 2, 3, 4]), /expand: -1 is not allowed for the new leading dim 0/);
    assert.throws(() => x.unflatten(1, [2, 2]), /unflatten: sizes \[2, 2\] do not multiply to dim 1 of shape \[2, 3, 4\]/);
    assert.throws(() => x.unflatten(2, [-1, 3]), /unflatten: sizes \[-1, 3\] do not multiply to dim 2 of shape \[2, 3, 4\]/);
    assert.throws(() => x.permute([0, 1]), /permute: got 2 dims for a 3-d tensor of shape \[2, 3, 4\]/);
    assert.throws(() => x.permute([0, 1, 1]), /permute: repeated dim/);
  });

  test("gradcheck through reshapes that are views of strided tensors", () => {
    const g = new Generator(5);
    assertGradcheck((x: Tensor) => {
      const [a, b] = F.split(x, 4, 2);  // [2, 3, 4] pieces of a [2, 3, 8] tensor
      return a.reshape([2, 3, 2, 2]).transpose(1, 2).mul(b.reshape([2, 3, 2, 2]).transpose(1, 2).exp()).reshape([2, 2, 6]);
    }, [uniform(g, [2, 3, 8])]);
  });

  test("view of a non-contiguous tensor asks for reshape", () => {
    assert.throws(() => x.transpose(0, 1).view([6, 4]), /view: input of shape \[3, 2, 4\] is not contiguous; use reshape\(\)/);
  });

  test("out-of-range dims and indices name the op", () => {
    assert.throws(() => x.transpose(0, 3), /transpose: dimension 3 out of range for a 3-d tensor/);
    assert.throws(() => x.permute([0, 1, 3]), /permute: dimension 3 out of range/);
    assert.throws(() => x.squeeze(3), /squeeze: dimension 3 out of range/);
    assert.throws(() => x.unsqueeze(4), /unsqueeze: dimension 4 out of range for a 4-d tensor/);
    assert.throws(() => x.flatten(0, 3), /flatten: dimension 3 out of range/);
    assert.throws(() => x.slice(-4, 0, 1), /slice: dimension -4 out of range/);
    assert.throws(() => x.slice(0, 0, 1, 0), /slice: step must be a positive integer, got 0/);
    assert.throws(() => x.narrow(1, 2, 2), /narrow: start 2 \+ length 2 exceeds dim 1 of shape \[2, 3, 4\]/);
    assert.throws(() => x.select(2, 4), /select: index 4 is out of bounds for dim 2 with size 4/);
    assert.throws(() => x.select(2, -5), /select: index -5 is out of bounds/);
    assert.throws(() => x.slice(1, 0.5), /slice: start and end must be integers, got 0.5 and undefined/);
    assert.throws(() => x.narrow(1, 0, 1.5), /narrow: start and length must be integers/);
  });

  test("a 0-d tensor cannot be indexed", () => {
    const s = zeros([]);
    assert.throws(() => s.slice(0, 0, 1), /slice: cannot index a 0-d tensor/);
    assert.throws(() => s.select(0, 0), /select: cannot index a 0-d tensor/);
    assert.throws(() => s.size(0), /size: a 0-d tensor has no dimension 0/);
  });
});

test("functional forms match the methods", () => {
  const x = arange(6).float().reshape([2, 3]);
  assertClose(F.transpose(x, 0, 1), x.t());
  assertClose(F.flatten(x), x.reshape([-1]));
  assertClose(F.select(x, 1, 0), [0, 3]);
});
