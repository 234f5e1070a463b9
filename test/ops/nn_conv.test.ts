import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Generator, type Tensor, assertGradcheck, conv1d, conv2d, maxPool2d, nn, noGrad, randn } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { type Inputs, checkCase } from "./nn_cases.js";

type Opts = Parameters<typeof conv2d>[3];
const run2 = (t: Inputs, p: Record<string, unknown>) => conv2d(t.x, t.weight, t.bias, p as Opts);
const run1 = (t: Inputs, p: Record<string, unknown>) => conv1d(t.x, t.weight, t.bias ?? null, p as Opts);

describe("conv1d / conv2d match PyTorch 1.13", () => {
  it("conv2d with padding and bias", () => { checkCase("conv2d_basic", run2); });
  it("conv2d with per-axis stride, padding and dilation", () => { checkCase("conv2d_stride_dil", run2); });
  it("conv2d with groups and no bias", () => { checkCase("conv2d_groups", run2); });
  it('conv2d with padding "same" (odd and even effective kernels)', () => {
    checkCase("conv2d_same", run2);
    checkCase("conv2d_same_even", run2);
  });
  it("conv1d with stride and padding", () => { checkCase("conv1d_basic", run1); });
  it("conv1d with groups and dilation", () => { checkCase("conv1d_groups_dil", run1); });
  it('conv1d with padding "same" and an even kernel', () => { checkCase("conv1d_same", run1); });
});

describe("conv1d / conv2d", () => {
  const gen = new Generator(11);
  const r = (shape: number[], requiresGrad = false) => randn(shape, { generator: gen, requiresGrad });

  it("accepts unbatched input as PyTorch does", () => {
    const x = r([2, 5, 5]);
    const w = r([3, 2, 3, 3]);
    const b = r([3]);
    const y = conv2d(x, w, b, { padding: 1 });
    assert.deepEqual(y.shape, [3, 5, 5]);
    assertClose(y, conv2d(x.unsqueeze(0), w, b, { padding: 1 }).squeeze(0), { atol: 0, rtol: 0 });
    const x1 = r([2, 7]);
    const w1 = r([4, 2, 3]);
    assertClose(conv1d(x1, w1), conv1d(x1.unsqueeze(0), w1).squeeze(0), { atol: 0, rtol: 0 });
  });

  it('treats padding "valid" as no padding and "same" keeps the size', () => {
    const x = r([1, 2, 6, 5]);
    const w = r([2, 2, 3, 2]);
    assertClose(conv2d(x, w, null, { padding: "valid" }), conv2d(x, w), { atol: 0, rtol: 0 });
    assert.deepEqual(conv2d(x, w, null, { padding: "same", dilation: 2 }).shape, [1, 2, 6, 5]);
  });

  it("backward passes gradcheck", () => {
    assertGradcheck((x, w, b) => conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }),
      [r([2, 4, 5, 6], true), r([4, 2, 2, 3], true), r([4], true)]);
    assertGradcheck((x, w) => conv2d(x, w, null, { padding: "same" }), [r([1, 2, 4, 5], true), r([3, 2, 2, 4], true)]);
    assertGradcheck((x, w, b) => conv1d(x, w, b, { padding: "same", dilation: 3 }), [r([2, 2, 7], true), r([2, 2, 2], true), r([2], true)]);
    assertGradcheck((x, w) => conv2d(x, w, null, { padding: 1 }), [r([2, 4, 4], true), r([2, 2, 3, 3], true)]);
    // The native direct kernels of few channels: input gradient by gather (a small image
    // under a large kernel, as LeNet's second layer) and by transposed convolution.
    assertGradcheck((x, w, b) => conv2d(x, w, b), [r([2, 2, 8, 8], true), r([3, 2, 5, 5], true), r([3], true)]);
    assertGradcheck((x, w, b) => conv2d(x, w, b, { padding: 1 }), [r([2, 3, 7, 9], true), r([4, 3, 3, 3], true), r([4], true)]);
  });

  it("rejects bad shapes and arguments, naming the op and shapes", () => {
    const x = r([1, 4, 6, 6]);
    const w = r([2, 4, 3, 3]);
    assert.throws(() => conv2d(r([4, 6]), w), /conv2d: input of shape \[4, 6\] must be 4-d \(N, C, H, W\) or 3-d unbatched/);
    assert.throws(() => conv2d(x, r([2, 4, 3])), /conv2d: weight of shape \[2, 4, 3\] must be 4-d/);
    assert.throws(() => conv2d(x, r([2, 3, 3, 3])), /conv2d: input of shape \[1, 4, 6, 6\] has 4 channels, but weight of shape \[2, 3, 3, 3\] with groups=1 expects 3/);
    assert.throws(() => conv2d(x, r([3, 2, 3, 3]), null, { groups: 2 }), /conv2d: weight of shape \[3, 2, 3, 3\] has 3 output channels, not divisible by groups=2/);
    assert.throws(() => conv2d(x, w, r([3])), /conv2d: bias of shape \[3\] does not match weight of shape \[2, 4, 3, 3\]/);
    assert.throws(() => conv2d(x, w, null, { padding: "same", stride: 2 }), /conv2d: padding="same" is not supported for strided convolutions/);
    assert.throws(() => conv2d(x, r([2, 4, 7, 3])), /conv2d: input of shape \[1, 4, 6, 6\] is too small for weight of shape \[2, 4, 7, 3\]/);
    assert.throws(() => conv2d(x, w, null, { padding: -1 }), /conv2d: padding must be non-negative/);
    assert.throws(() => conv2d(x, w, null, { stride: [1, 2, 3] }), /conv2d: stride must be an int or a list of 2 ints/);
    assert.throws(() => conv2d(x, w, null, { padding: "full" as "same" }), /conv2d: padding must be an int, a list of ints, "same" or "valid"/);
    assert.throws(() => conv1d(r([1, 4, 6]), r([2, 4, 3]), null, { dilation: 0 }), /conv1d: dilation must be positive/);
    assert.throws(() => conv1d(x, r([2, 4, 3])), /conv1d: input of shape \[1, 4, 6, 6\] must be 3-d \(N, C, L\)/);
  });
});

const fmtCase = (xs: number[], ws: number[], opts: Record<string, unknown>) => `x [${xs}] w [${ws}] ${JSON.stringify(opts)}`;

describe("conv1d / conv2d fused with ReLU and max pooling", () => {
  const gen = new Generator(12);
  const r = (shape: number[], requiresGrad = false) => randn(shape, { generator: gen, requiresGrad });
  const exact = { atol: 0, rtol: 0 };
  const CASES: [number[], number[], Record<string, unknown>][] = [
    [[3, 3, 32, 32], [6, 3, 5, 5], {}], // LeNet's layers
    [[3, 6, 14, 14], [16, 6, 5, 5], {}],
    [[2, 3, 11, 9], [4, 3, 3, 3], { padding: 1 }],
    [[2, 3, 13, 13], [5, 3, 3, 3], { stride: 2, padding: 1 }],
    [[2, 2, 9, 8], [3, 2, 2, 2], { padding: "same" }], // an even kernel: "same" crops a row and a column
    [[3, 9, 9], [4, 3, 3, 3], { padding: 1 }], // unbatched
    [[2, 4, 8, 8], [36, 4, 3, 3], {}], // the GEMM path
  ];

  it("gives the values of the separate ops, with and without gradients", () => {
    for (const [xs, ws, opts] of CASES) {
      const x = r(xs), w = r(ws), b = r([ws[0]]);
      for (const pool of [1, 2, 3]) {
        const want = conv2d(x, w, b, opts as Opts).relu();
        const pooled = pool > 1 ? maxPool2d(want, pool) : want;
        const fused = { ...opts, activation: "relu", maxPool: pool } as Opts;
        assertClose(noGrad(() => conv2d(x, w, b, fused)), pooled, exact);
        assertClose(conv2d(x, w, b, fused), pooled, exact);
      }
      const noRelu = { ...opts, maxPool: 2 } as Opts;
      assertClose(noGrad(() => conv2d(x, w, null, noRelu)), maxPool2d(conv2d(x, w, null, opts as Opts), 2), exact);
    }
    const x1 = r([2, 3, 10]), w1 = r([4, 3, 3]);
    assertClose(conv1d(x1, w1, null, { activation: "relu" }), conv1d(x1, w1).relu(), exact);
  });

  it("gives the gradients of the separate ops", () => {
    for (const [xs, ws, opts] of CASES.slice(0, 5)) {
      const x0 = r(xs), w0 = r(ws), b0 = r([ws[0]]);
      let v: Tensor | null = null;
      const grads = (fused: boolean): Tensor[] => {
        const [x, w, b] = [x0, w0, b0].map((t) => t.clone().requiresGrad_());
        const y = fused
          ? conv2d(x, w, b, { ...opts, activation: "relu", maxPool: 2 } as Opts)
          : maxPool2d(conv2d(x, w, b, opts as Opts).relu(), 2);
        v ??= r([...y.shape]);
        y.mul(v).sum().backward();
        return [x.grad!, w.grad!, b.grad!];
      };
      const fusedGrads = grads(true);
      grads(false).forEach((g, i) => assertClose(fusedGrads[i], g, exact));
    }
  });

  it("records the pooled op with the values and gradients of the separate ops, bit for bit", () => {
    // While recording, conv → (ReLU) → maxPool is one node (conv2dPooledTrain): check it
    // against the three ops for every case, pool 2 and 3, with and without ReLU, with only
    // some inputs requiring gradients, on inputs full of ties (small integers: equal window
    // values, ReLU zeros) and with NaN.
    const same = (a: Tensor | null, b: Tensor | null, what: string) => {
      assert.ok(a && b, `${what}: missing`);
      assert.deepEqual(a.shape, b.shape, what);
      const u = a.toArray(), v = b.toArray();
      for (let i = 0; i < u.length; i++) assert.ok(Object.is(u[i], v[i]), `${what}[${i}]: ${u[i]} vs ${v[i]}`);
    };
    const int = (shape: number[]) => randn(shape, { generator: gen }).mul(1.5).round();
    for (const [xs, ws, opts] of [...CASES, [[2, 2, 7, 9], [3, 2, 2, 2], {}]] as typeof CASES) {
      for (const ties of [false, true]) {
        for (const nan of ties ? [false] : [false, true]) {
          const x0 = ties ? int(xs) : r(xs), w0 = ties ? int(ws) : r(ws), b0 = ties ? int([ws[0]]) : r([ws[0]]);
          if (nan) (x0.data as Float32Array)[(x0.numel() >> 1) + 3] = NaN;
          for (const [pool, relu, needs] of [[2, true, "xwb"], [3, true, "xwb"], [2, false, "xwb"], [2, true, "wb"], [3, false, "x"]] as const) {
            const size = (opts.padding === "same" ? xs.slice(-2) : null);
            if (size && size.some((s) => s < pool)) continue;
            let v: Tensor | null = null;
            const run = (fused: boolean) => {
              const [x, w, b] = [x0, w0, b0].map((t, i) => (needs.includes("xwb"[i]) ? t.clone().requiresGrad_() : t));
              const fusion = { activation: relu ? "relu" : null, maxPool: pool } as const;
              let y: Tensor;
              if (fused) {
                y = conv2d(x, w, b, { ...opts, ...fusion } as Opts);
              } else {
                const c = conv2d(x, w, b, opts as Opts);
                y = maxPool2d(relu ? c.relu() : c, pool);
              }
              v ??= ties ? int([...y.shape]) : r([...y.shape]);
              y.mul(v).sum().backward();
              return [y, x.grad, w.grad, b.grad];
            };
            const want = run(false), got = run(true);
            const what = `${fmtCase(xs, ws, opts)} pool ${pool}${relu ? " relu" : ""} ${needs}${ties ? " ties" : ""}${nan ? " NaN" : ""}`;
            ["value", "x.grad", "w.grad", "b.grad"].forEach((name, i) => {
              if (want[i] === null) assert.equal(got[i], null, `${what} ${name}`);
              else same(got[i], want[i], `${what} ${name}`);
            });
          }
        }
      }
    }
  });

  it("backward passes gradcheck", () => {
    // Small cases, whose pre-activations and window maxima stay clear of the kinks by more
    // than the finite-difference step.
    assertGradcheck((x, w, b) => conv2d(x, w, b, { padding: 1, activation: "relu" }), [r([1, 2, 4, 5], true), r([2, 2, 3, 3], true), r([2], true)]);
    assertGradcheck((x, w, b) => conv2d(x, w, b, { activation: "relu", maxPool: 2 }), [r([1, 2, 6, 6], true), r([2, 2, 3, 3], true), r([2], true)]);
    // The recorded pooled op with odd sizes, padding and stride, pooling 3, no ReLU.
    assertGradcheck((x, w, b) => conv2d(x, w, b, { padding: 1, stride: [1, 2], activation: "relu", maxPool: 2 }), [r([2, 2, 7, 9], true), r([3, 2, 3, 3], true), r([3], true)]);
    assertGradcheck((x, w) => conv2d(x, w, null, { padding: 1, maxPool: 3 }), [r([1, 2, 7, 8], true), r([2, 2, 3, 3], true)]);
  });

  it("nn.Conv2d takes the fusion as forward's second argument", () => {
    const conv = new nn.Conv2d(3, 6, 5);
    const x = r([2, 3, 16, 16]);
    const fused = { activation: "relu", maxPool: 2 } as const;
    assertClose(noGrad(() => conv.forward(x, fused)), maxPool2d(conv.forward(x).relu(), 2), exact);
  });

  it("rejects a bad activation or pooling", () => {
    const x = r([1, 2, 6, 6]), w = r([2, 2, 3, 3]);
    assert.throws(() => conv2d(x, w, null, { activation: "gelu" as "relu" }), /conv2d: activation must be "relu" or null, got "gelu"/);
    assert.throws(() => conv2d(x, w, null, { maxPool: 0 }), /conv2d: maxPool must be a positive integer, got 0/);
    assert.throws(() => conv2d(x, w, null, { maxPool: 5 }), /conv2d: output of size \[4, 4\] is smaller than maxPool=5/);
    assert.throws(() => conv1d(r([1, 2, 6]), r([2, 2, 3]), null, { maxPool: 2 }), /conv1d: maxPool is only supported by conv2d/);
  });
});
