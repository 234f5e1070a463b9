import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Generator, type Tensor, adaptiveAvgPool2d, assertGradcheck, avgPool1d, avgPool2d, maxPool1d, maxPool2d, randn, randperm, tensor,
} from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { checkCase } from "./nn_cases.js";

type K = number | number[];
/** PyTorch's keyword arguments from the fixture, in Lathe's camelCase. */
function opts(p: Record<string, unknown>) {
  return {
    stride: p.stride as K | undefined,
    padding: p.padding as K | undefined,
    dilation: p.dilation as K | undefined,
    ceilMode: p.ceil_mode as boolean | undefined,
    countIncludePad: p.count_include_pad as boolean | undefined,
  };
}
const pool = (fn: (x: Tensor, k: K, o: ReturnType<typeof opts>) => Tensor) => (t: Record<string, Tensor>, p: Record<string, unknown>) =>
  fn(t.x, p.kernel_size as K, opts(p));

describe("pooling matches PyTorch 1.13", () => {
  it("maxPool2d: default stride, padding with ceilMode, dilation, the ceilMode drop rule, unbatched", () => {
    for (const name of ["maxpool2d_basic", "maxpool2d_pad_ceil", "maxpool2d_dilation", "maxpool2d_ceil_drop", "maxpool2d_rect"]) {
      checkCase(name, pool(maxPool2d));
    }
  });
  it("avgPool2d: with and without counting padding, and ceilMode", () => {
    for (const name of ["avgpool2d_basic", "avgpool2d_pad_include", "avgpool2d_pad_exclude", "avgpool2d_ceil_include", "avgpool2d_ceil_exclude"]) {
      checkCase(name, pool(avgPool2d));
    }
  });
  it("maxPool1d and avgPool1d", () => {
    checkCase("maxpool1d", pool(maxPool1d));
    checkCase("avgpool1d", pool(avgPool1d));
  });
  it("adaptiveAvgPool2d: uneven and overlapping windows, a kept dim, global pooling", () => {
    for (const name of ["adaptive_7x5_to_3x2", "adaptive_6x3_to_4x5", "adaptive_keep_h", "adaptive_global"]) {
      checkCase(name, (t, p) => adaptiveAvgPool2d(t.x, p.output_size as number | (number | null)[]));
    }
  });
});

describe("pooling", () => {
  const gen = new Generator(5);
  /** Distinct values 0.1 apart, so no max is within a finite-difference step of a tie. */
  const distinct = (shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return randperm(n, { generator: gen }).float().mul(0.1).reshape(shape).contiguous().requiresGrad_();
  };

  it("maxPool2d routes the gradient to the maximum only", () => {
    const x = tensor([[[[1, 5], [3, 2]]]], { requiresGrad: true });
    const y = maxPool2d(x, 2);
    assertClose(y, [5]);
    y.sum().backward();
    assertClose(x.grad, [0, 1, 0, 0]);
  });

  it("backward passes gradcheck", () => {
    assertGradcheck((x) => maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [distinct([1, 2, 6, 5])]);
    assertGradcheck((x) => maxPool2d(x, [2, 2], { stride: 1, dilation: 2 }), [distinct([2, 5, 5])]);
    assertGradcheck((x) => maxPool1d(x, 2), [distinct([2, 3, 6])]);
    // Large enough for the native kernels' 2×2 stride-2 paths.
    assertGradcheck((x) => maxPool2d(x, 2), [distinct([1, 2, 16, 19])]);
    assertGradcheck((x) => avgPool2d(x, 2), [randn([1, 2, 16, 19], { generator: gen, requiresGrad: true })]);
    assertGradcheck((x) => avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [randn([1, 2, 6, 5], { generator: gen, requiresGrad: true })]);
    assertGradcheck((x) => avgPool1d(x, 3, { padding: 1 }), [randn([2, 7], { generator: gen, requiresGrad: true })]);
    assertGradcheck((x) => adaptiveAvgPool2d(x, [3, 4]), [randn([2, 1, 5, 7], { generator: gen, requiresGrad: true })]);
  });

  it("rejects bad shapes and arguments, naming the op and shapes", () => {
    const x = randn([1, 2, 4, 4]);
    assert.throws(() => maxPool2d(randn([4, 4]), 2), /maxPool2d: input of shape \[4, 4\] must be 3-d or 4-d \(N, C, H, W\)/);
    assert.throws(() => maxPool2d(x, 2, { padding: 2 }), /maxPool2d: padding \[2, 2\] must be at most half of kernelSize \[2, 2\]/);
    assert.throws(() => avgPool2d(x, 5), /avgPool2d: input of shape \[1, 2, 4, 4\] is too small for kernelSize \[5, 5\]/);
    assert.throws(() => maxPool2d(x, 0), /maxPool2d: kernelSize must be positive/);
    assert.throws(() => maxPool2d(x, 2, { stride: [1, 1, 1] }), /maxPool2d: stride must be an int or a list of 2 ints/);
    assert.throws(() => maxPool1d(x, 2), /maxPool1d: input of shape \[1, 2, 4, 4\] must be 2-d or 3-d \(N, C, L\)/);
    assert.throws(() => avgPool2d(tensor([[[1, 2], [3, 4]]], { dtype: "int32" }), 2), /avgPool2d: expected a float32 tensor, got int32/);
    assert.throws(() => adaptiveAvgPool2d(randn([3, 3]), 2), /adaptiveAvgPool2d: input of shape \[3, 3\] must be 3-d or 4-d/);
    assert.throws(() => adaptiveAvgPool2d(x, [0, 2]), /adaptiveAvgPool2d: outputSize must be positive/);
  });
});
