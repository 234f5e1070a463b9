// The native elementwise kernels, copy and reductions against the js kernels on every ISA
// level and with one and several threads: odd and large sizes, offsets, special values,
// broadcast (stride-0) and non-contiguous views.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { BinaryOp, DiffUnaryOp, ReduceOp, UnaryOp } from "../../src/backend/index.js";
import type { StridedView } from "../../src/tensor/strided.js";
import { SPECIALS, assertClose, eachConfig, js, native, rng, stridesOf, uniform } from "./native_helpers.js";

const UNARY: UnaryOp[] = [
  "neg", "abs", "sign", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tanh",
  "sigmoid", "relu", "leakyRelu", "elu", "gelu", "geluTanh", "silu", "softplus", "erf", "floor", "ceil", "round", "logicalNot",
];
const DIFF: DiffUnaryOp[] = UNARY.filter((op): op is DiffUnaryOp => !["sign", "floor", "ceil", "round", "logicalNot"].includes(op));
const BINARY: BinaryOp[] = [
  "add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder", "atan2",
  "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor",
];
const COMPARISONS = new Set<BinaryOp>(["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"]);

/**
 * Elementwise tolerance: rel 4e-6, atol 1e-37 (exp/log/tanh/sigmoid are vectorised float32
 * approximations, and an argument computed in float32 carries its rounding into them);
 * single IEEE operations (add, mul, sqrt, comparisons, ...) agree exactly.
 */
const ULPS = { rtol: 4e-6, atol: 1e-37 };
const EXACT = new Set<string>([
  "neg", "abs", "sign", "sqrt", "square", "reciprocal", "relu", "floor", "ceil", "round", "logicalNot",
  "add", "sub", "mul", "div", "maximum", "minimum", "remainder", ...COMPARISONS,
]);
const tolerance = (op: string) => (EXACT.has(op) ? {} : ULPS);

/** Inputs for an op: the special values first, then uniform values, halves for rounding. */
function inputs(n: number, seed: number, scale = 6): Float32Array {
  const x = uniform(n, seed, -scale, scale);
  for (let i = 0; i < Math.min(n, SPECIALS.length); i++) x[i] = SPECIALS[i];
  for (let i = SPECIALS.length; i < Math.min(n, SPECIALS.length + 8); i++) x[i] = i - SPECIALS.length - 3.5;
  return x;
}

const SIZES = [1, 7, 17, 33, 1000, 70001];

function view(data: StridedView["data"], shape: number[], strides = stridesOf(shape), offset = 0): StridedView {
  return { data, shape, strides, offset };
}

eachConfig("native unary kernels", () => {
  test("every op at odd and large sizes, read from an offset", () => {
    for (const op of UNARY) {
      for (const n of SIZES) {
        const x = inputs(n + 5, n);
        const oj = new Float32Array(n), on = new Float32Array(n);
        js.unary(op, x, 5, oj, n, 0.1, 20);
        native.unary(op, x, 5, on, n, 0.1, 20);
        assertClose(on, oj, { ...tolerance(op), what: `${op} n=${n}` });
      }
    }
  });

  test("softplus and elu parameters, leakyRelu slope", () => {
    const x = inputs(500, 3, 30);
    for (const [op, p0, p1] of [["softplus", 2, 5], ["softplus", 0.5, 20], ["elu", 1.7, 0], ["leakyRelu", 0.3, 0]] as const) {
      const oj = new Float32Array(500), on = new Float32Array(500);
      js.unary(op, x, 0, oj, 500, p0, p1);
      native.unary(op, x, 0, on, 500, p0, p1);
      assertClose(on, oj, { ...ULPS, what: `${op}(${p0}, ${p1})` });
    }
  });

  test("every derivative", () => {
    for (const op of DIFF) {
      for (const n of [1, 33, 1000, 70001]) {
        const x = inputs(n, 10 + n, 4);
        const y = new Float32Array(n);
        js.unary(op, x, 0, y, n, 0.1, 20);
        const g = uniform(n, 20 + n);
        const oj = new Float32Array(n), on = new Float32Array(n);
        js.unaryBackward(op, x, y, g, oj, n, 0.1, 20);
        native.unaryBackward(op, x, y, g, on, n, 0.1, 20);
        assertClose(on, oj, { rtol: 2e-6, atol: 1e-7, what: `${op} backward n=${n}` });
      }
    }
  });
});

/**
 * erf and the exact GELU are float approximations (mathfun.h): checked over a dense sweep
 * of [-15, 15] and the edges (±0, ±inf, NaN, denormals, huge |x|) against the js kernels,
 * which compute in double. erf within 2e-7 absolute (≈ 2 ulp at 1) or 4e-7 relative; GELU
 * within 1e-6 relative, or 1e-15 absolute where the js kernel's 1 + erf(x/√2) cancels
 * (x < -8, where it returns 0 for values below ~1e-16); the derivatives, which cross zero,
 * within 2e-7 absolute.
 */
function wideRange(): Float32Array {
  const edges = [0, -0, Infinity, -Infinity, NaN, 1e-40, -1e-40, 1e-20, -1e-20, 1e-7, -1e-7, 0.999, 1, 1.001, -1, 3.9, -3.9, 5, -5, 10, -10, 13, -13, 14.5, -14.5, 16, -16, 20, -20, 1e3, -1e3, 1e30, -1e30, 3e38, -3e38];
  const n = 20001;
  const x = new Float32Array(edges.length + n);
  x.set(edges);
  for (let i = 0; i < n; i++) x[edges.length + i] = -15 + (30 * i) / (n - 1);
  return x;
}

eachConfig("native erf and GELU accuracy", () => {
  const x = wideRange();
  const n = x.length;
  const run = (b: typeof js, op: UnaryOp) => {
    const out = new Float32Array(n);
    b.unary(op, x, 0, out, n, 0, 0);
    return out;
  };
  const grad = (b: typeof js, op: DiffUnaryOp) => {
    const y = run(js, op), g = new Float32Array(n).fill(1), out = new Float32Array(n);
    b.unaryBackward(op, x, y, g, out, n, 0, 0);
    return out;
  };
  test("erf", () => assertClose(run(native, "erf"), run(js, "erf"), { atol: 2e-7, rtol: 4e-7, what: "erf" }));
  test("gelu", () => assertClose(run(native, "gelu"), run(js, "gelu"), { atol: 1e-15, rtol: 1e-6, what: "gelu" }));
  test("derivatives of erf and gelu", () => {
    for (const op of ["erf", "gelu"] as const) assertClose(grad(native, op), grad(js, op), { atol: 2e-7, rtol: 1e-6, what: `${op} backward` });
  });
});

/** Runs a binary op on both backends over views of `shape`; out is float32 or uint8. */
function checkBinary(op: BinaryOp, a: StridedView, b: StridedView, shape: number[], outType: "f32" | "u8", what: string) {
  const n = shape.reduce((p, d) => p * d, 1);
  const make = () => (outType === "u8" ? new Uint8Array(n) : new Float32Array(n));
  const oj = make(), on = make();
  js.binary(op, a, b, shape, oj);
  native.binary(op, a, b, shape, on);
  assertClose(on, oj, { ...tolerance(op), what: `${op} ${what}` });
}

eachConfig("native binary kernels", () => {
  test("every op, contiguous, with special values on both sides", () => {
    for (const op of BINARY) {
      for (const n of [1, 33, 1000, 70001]) {
        const a = inputs(n, n, 4), b = inputs(n, n + 1, 4);
        b.reverse();
        checkBinary(op, view(a, [n]), view(b, [n]), [n], "f32", `n=${n}`);
        if (COMPARISONS.has(op)) checkBinary(op, view(a, [n]), view(b, [n]), [n], "u8", `n=${n} into uint8`);
      }
    }
  });

  test("broadcasting, scalars, transposed and offset views", () => {
    const r = rng(5);
    for (const op of BINARY) {
      const big = inputs(7 * 17 * 33 + 9, 7, 4);
      const small = inputs(17 * 33 + 3, 8, 4);
      const shape = [7, 17, 33];
      // a: offset view; b: [17, 33] stretched over the first dim (stride 0)
      checkBinary(op, view(big, shape, stridesOf(shape), 9), view(small, shape, [0, 33, 1], 3), shape, "f32", "row broadcast");
      // a scalar against a transposed view
      const s = new Float32Array([r() * 4 - 2]);
      checkBinary(op, view(s, shape, [0, 0, 0]), view(big, shape, [1, 7 * 33, 7], 0), shape, "f32", "scalar vs transposed");
      // a column [7, 1, 1] stretched against a sliced view (every other element)
      const col = inputs(7, 9, 4);
      checkBinary(op, view(big, [7, 17, 16], [17 * 33, 33, 2], 1), view(col, [7, 17, 16], [1, 0, 0]), [7, 17, 16], "f32", "column vs strided");
      // 0-d
      checkBinary(op, view(big, [], [], 4), view(small, [], [], 2), [], "f32", "0-d");
    }
  });

  test("strided output views: windows, transposed and offset outputs, in-place window sums", () => {
    // out's element for position (i, j, k) sits at outOffset + i*os0 + j*os1 + k*os2 of a
    // larger array; everything else in that array must stay as it was.
    const shape = [5, 3, 37];
    const n = 5 * 3 * 37;
    const a = inputs(n + 4, 11, 4), b = inputs(37 * 3, 12, 4);
    const av = view(a, shape, stridesOf(shape), 4);
    const bv = view(b, shape, [0, 37, 1]);  // broadcast over the first dim
    const layouts: [string, number, number[], number][] = [
      ["window of a [5, 9, 37] array (a split's middle piece)", 3 * 37, [9 * 37, 37, 1], 5 * 9 * 37],
      ["transposed [37, 3, 5] storage", 0, [1, 5, 15], n],
      ["every other element, offset 7", 7, [2 * 3 * 37, 2 * 37, 2], 7 + 2 * n],
    ];
    for (const op of ["add", "mul", "maximum", "lt"] as BinaryOp[]) {
      for (const [what, offset, strides, size] of layouts) {
        const u8 = COMPARISONS.has(op);
        const make = () => (u8 ? new Uint8Array(size).fill(9) : new Float32Array(size).fill(-7.5));
        const oj = make(), on = make(), want = make();
        const plain = u8 ? new Uint8Array(n) : new Float32Array(n);
        js.binary(op, av, bv, shape, plain);
        for (let i = 0, p = 0; i < 5; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 37; k++, p++) {
          want[offset + i * strides[0] + j * strides[1] + k * strides[2]] = plain[p];
        }
        js.binary(op, av, bv, shape, oj, { offset, strides });
        native.binary(op, av, bv, shape, on, { offset, strides });
        assert.deepEqual(oj, want, `js ${op} ${what}`);
        assertClose(on, want, { ...tolerance(op), what: `native ${op} ${what}` });
      }
    }
    // target's window += g in place, as a split's pieces add into one gradient
    const target = uniform(4 * 6 * 37, 13), g = uniform(4 * 2 * 37, 14);
    const wshape = [4, 2, 37], wstrides = [6 * 37, 37, 1], woff = 2 * 37;
    const tj = target.slice(), tn = target.slice(), want = target.slice();
    for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 37; k++) {
      want[woff + i * 6 * 37 + j * 37 + k] += g[(i * 2 + j) * 37 + k];
    }
    js.binary("add", view(tj, wshape, wstrides, woff), view(g, wshape), wshape, tj, { offset: woff, strides: wstrides });
    native.binary("add", view(tn, wshape, wstrides, woff), view(g, wshape), wshape, tn, { offset: woff, strides: wstrides });
    assert.deepEqual(tj, want);
    assert.deepEqual(tn, want);
    // the binding refuses an output view that leaves the array
    assert.throws(() => native.binary("add", av, bv, shape, new Float32Array(n), { offset: 1, strides: stridesOf(shape) }), /strided view/);
  });

  test("in place: out is one of the inputs", () => {
    const a = uniform(5000, 1), b = uniform(5000, 2);
    const aj = a.slice(), an = a.slice();
    js.binary("add", view(aj, [5000]), view(b, [5000]), [5000], aj);
    native.binary("add", view(an, [5000]), view(b, [5000]), [5000], an);
    assert.deepEqual(an, aj);
  });
});

eachConfig("native where and copy", () => {
  test("where over float32, int32 and uint8 with broadcast views", () => {
    const shape = [9, 33, 5];
    const n = 9 * 33 * 5;
    const cond = new Uint8Array(33 * 5).map((_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    const cv = view(cond, shape, [0, 5, 1]);
    for (const make of [(k: number) => uniform(k, k), (k: number) => new Int32Array(k).map((_, i) => i - 50), (k: number) => new Uint8Array(k).map((_, i) => i % 7)]) {
      const a = make(n), b = make(5);
      const oj = make(n).fill(0), on = make(n).fill(0);
      js.where(cv, view(a, shape), view(b, shape, [0, 0, 1]), shape, oj);
      native.where(cv, view(a, shape), view(b, shape, [0, 0, 1]), shape, on);
      assert.deepEqual(on, oj);
    }
  });

  test("where with a scalar on either side, odd sizes", () => {
    for (const n of [1, 7, 17, 33, 1000, 70001]) {
      const cond = new Uint8Array(n).map((_, i) => (i * 5) % 3 === 0 ? 1 : 0);
      const a = uniform(n, n), fill = new Float32Array([-Infinity]);
      for (const [x, y] of [[view(a, [n]), view(fill, [n], [0])], [view(fill, [n], [0]), view(a, [n])]]) {
        const oj = new Float32Array(n), on = new Float32Array(n);
        js.where(view(cond, [n]), x, y, [n], oj);
        native.where(view(cond, [n]), x, y, [n], on);
        assert.deepEqual(on, oj);
      }
    }
    // the causal mask of attention: [b, h, t, t] with the mask broadcast over b and h
    const shape = [2, 3, 33, 33];
    const mask = new Uint8Array(33 * 33).map((_, i) => ((i % 33) > Math.floor(i / 33) ? 1 : 0));
    const scores = uniform(2 * 3 * 33 * 33, 4), fill = new Float32Array([-Infinity]);
    const oj = new Float32Array(scores.length), on = new Float32Array(scores.length);
    js.where(view(mask, shape, [0, 0, 33, 1]), view(fill, shape, [0, 0, 0, 0]), view(scores, shape), shape, oj);
    native.where(view(mask, shape, [0, 0, 33, 1]), view(fill, shape, [0, 0, 0, 0]), view(scores, shape), shape, on);
    assert.deepEqual(on, oj);
  });

  test("transposing copies (tiled): permuted heads, odd sizes and tile edges, all dtypes", () => {
    for (const make of [(k: number) => uniform(k, k), (k: number) => new Uint8Array(k).map((_, i) => i % 251)]) {
      for (const [shape, perm] of [
        [[2, 3, 17, 33], [0, 1, 3, 2]], [[2, 33, 3, 17], [0, 2, 1, 3]], [[2, 17, 3, 33], [0, 3, 2, 1]],
        [[8, 8], [1, 0]], [[9, 1000], [1, 0]], [[1000, 9], [1, 0]], [[33, 7, 17], [2, 1, 0]], [[16, 1, 16], [2, 1, 0]],
      ] as [number[], number[]][]) {
        // src is a contiguous array seen through the permutation (a transpose view)
        const srcShape = perm.map((p) => shape[p]);
        const srcStrides = stridesOf(srcShape);
        const strides: number[] = [];
        perm.forEach((p, d) => { strides[p] = srcStrides[d]; });
        const n = shape.reduce((p, d) => p * d, 1);
        const src = make(n + 3);
        const dj = make(n).fill(0), dn = make(n).fill(0);
        js.copy(view(src, shape, strides, 3), view(dj, shape));
        native.copy(view(src, shape, strides, 3), view(dn, shape));
        assert.deepEqual(dn, dj, `copy [${shape}] permuted ${perm}`);
        // and the other way: contiguous src into the permuted destination
        const tj = make(n + 3).fill(0), tn = make(n + 3).fill(0);
        js.copy(view(dj, shape), view(tj, shape, strides, 3));
        native.copy(view(dj, shape), view(tn, shape, strides, 3));
        assert.deepEqual(tn, tj, `copy into [${shape}] permuted ${perm}`);
      }
    }
  });

  test("copy of transposed, sliced and offset views, all dtypes", () => {
    for (const make of [(k: number) => uniform(k, k), (k: number) => new Int32Array(k).map((_, i) => i * 3 - 7), (k: number) => new Uint8Array(k).map((_, i) => i % 251)]) {
      for (const [shape, strides, offset] of [
        [[33, 17], [1, 33], 0], [[7, 5, 3], [1, 7, 35], 2], [[1000], [2], 1], [[300, 301], [301, 1], 0], [[], [], 5],
      ] as [number[], number[], number][]) {
        const n = shape.reduce((p, d) => p * d, 1);
        const src = make(2 * n + 8);
        const dj = make(n).fill(0), dn = make(n).fill(0);
        js.copy(view(src, shape, strides, offset), view(dj, shape));
        native.copy(view(src, shape, strides, offset), view(dn, shape));
        assert.deepEqual(dn, dj);
      }
    }
    // into a strided destination
    const src = uniform(12 * 13, 3);
    const dj = new Float32Array(12 * 13), dn = new Float32Array(12 * 13);
    js.copy(view(src, [12, 13]), view(dj, [12, 13], [1, 12]));
    native.copy(view(src, [12, 13]), view(dn, [12, 13], [1, 12]));
    assert.deepEqual(dn, dj);
  });

  test("copy from a broadcast scalar fills a window (a gradient's zeroed margins)", () => {
    for (const make of [(k: number) => uniform(k, k), (k: number) => new Int32Array(k).map((_, i) => i + 1), (k: number) => new Uint8Array(k).fill(3)]) {
      const shape = [6, 2, 41];
      const scalar = make(1);
      const dj = make(6 * 5 * 41), dn = dj.slice(), before = dj.slice();
      js.copy(view(scalar, shape, [0, 0, 0]), view(dj, shape, [5 * 41, 41, 1], 41));
      native.copy(view(scalar, shape, [0, 0, 0]), view(dn, shape, [5 * 41, 41, 1], 41));
      assert.deepEqual(dn, dj);
      assert.equal(dn[6 * 41 + 3], scalar[0]);
      assert.equal(dn[40], before[40]);  // outside the window: untouched
      assert.equal(dn[3 * 41 + 5], before[3 * 41 + 5]);
    }
  });
});

eachConfig("native reduce", () => {
  test("every op over [outer, n, inner] shapes, with offsets, NaN and empty axes", () => {
    const ops: ReduceOp[] = ["sum", "prod", "max", "min", "argmax", "argmin"];
    const shapes: [number, number, number][] = [[1, 1, 1], [1, 1000, 1], [7, 33, 1], [3, 17, 5], [2, 9, 300], [4, 0, 3], [5, 0, 1], [70, 1000, 1], [1, 300, 700]];
    let seed = 1;
    for (const op of ops) {
      for (const [outer, n, inner] of shapes) {
        for (const withNaN of [false, true]) {
          const x = uniform(outer * n * inner + 3, seed++, op === "prod" ? 0.5 : -1, op === "prod" ? 1.5 : 1);
          if (withNaN && x.length > 10) x[7] = NaN;
          const make = () => (op.startsWith("arg") ? new Int32Array(outer * inner) : new Float32Array(outer * inner));
          const oj = make(), on = make();
          js.reduce(op, x, 3, outer, n, inner, oj);
          native.reduce(op, x, 3, outer, n, inner, on);
          assertClose(on, oj, { rtol: 1e-6, atol: 1e-6, what: `${op} [${outer}, ${n}, ${inner}]${withNaN ? " with NaN" : ""}` });
        }
      }
    }
  });
});
