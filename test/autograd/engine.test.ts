import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Generator, type Tensor, assertGradcheck, functional as F, enableGrad, isGradEnabled, nn, noGrad, ones, optim, randn, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { uniform } from "../ops/core_helpers.js";

describe("backward", () => {
  test("gradients accumulate across two backward calls", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    assertClose(x.grad, [2, 4, 6]);
    x.mul(3).sum().backward();
    assertClose(x.grad, [5, 7, 9]);
  });

  test("accumulating does not write into the gradient that was handed back", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const g = tensor([1, 1]);
    x.add(0).backward(g);
    x.add(0).backward(g);
    assertClose(x.grad, [2, 2]);
    assertClose(g, [1, 1]);
  });

  test("a user-set .grad is accumulated into", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.grad = tensor([10, 20, 30, 40]).slice(0, 0, 4, 2);
    x.sum().backward();
    assertClose(x.grad, [11, 31]);
  });

  test("leaves get .grad; non-leaves only after retainGrad()", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    const z = y.mul(y).sum();
    assert.equal(x.isLeaf, true);
    assert.equal(y.isLeaf, false);
    z.backward();
    assertClose(x.grad, [8, 16]);
    assert.equal(y.grad, null);
    assert.equal(z.grad, null);

    const y2 = x.mul(2).retainGrad();
    y2.mul(y2).sum().backward();
    assertClose(y2.grad, [4, 8]);
  });

  test("retainGrad on a leaf is a no-op; on a tensor without grad it throws", () => {
    const x = tensor([1], { requiresGrad: true });
    assert.equal(x.retainGrad(), x);
    assert.equal(x.retainsGrad, false);
    assert.throws(() => tensor([1]).retainGrad(), /retainGrad: the tensor does not require grad/);
  });

  test("a leaf that does not require grad gets no .grad", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = tensor([3, 4]);
    x.mul(c).sum().backward();
    assert.equal(c.grad, null);
    assert.equal(c.requiresGrad, false);
  });

  test("backward with an explicit gradient", () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x.mul(x).backward(tensor([[1, 0], [0.5, -1]]));
    assertClose(x.grad, [2, 0, 3, -8]);
  });

  test("backward of a leaf itself", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.backward(tensor([3, 4]));
    assertClose(x.grad, [3, 4]);
  });

  test("a non-scalar output needs a gradient; a one-element output does not", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    assert.throws(() => x.mul(2).backward(), /backward: a gradient must be given for a non-scalar output of shape \[2\]/);
    x.sum().reshape([1, 1]).backward();
    assertClose(x.grad, [1, 1]);
  });

  test("the gradient must match the output's shape", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    assert.throws(() => x.mul(2).backward(ones([3])), /backward: gradient shape \[3\] does not match output shape \[2\]/);
    assert.throws(() => x.mul(2).backward(ones([2], { dtype: "int32" })), /backward: the gradient must be float32, got int32/);
  });

  test("backward of a tensor that does not require grad throws", () => {
    assert.throws(() => tensor([1, 2]).sum().backward(), /backward: the tensor does not require grad/);
    const x = tensor([1, 2], { requiresGrad: true });
    assert.throws(() => noGrad(() => x.mul(2).sum()).backward(), /backward: the tensor does not require grad/);
    assert.throws(() => x.floor().sum().backward(), /backward: the tensor does not require grad/);
  });

  test("a second backward through a freed graph throws; retainGraph keeps it", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    assert.throws(() => y.backward(), /backward: trying to backward through the graph a second time.*retainGraph: true/);

    const x2 = tensor([1, 2], { requiresGrad: true });
    const y2 = x2.exp().sum();
    y2.backward(undefined, { retainGraph: true });
    y2.backward();
    assertClose(x2.grad, [2 * Math.E, 2 * Math.exp(2)], { rtol: 1e-6 });
  });

  test("a diamond graph sums both paths", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const a = x.mul(2);
    const b = a.exp();
    const c = a.mul(a); // a used twice here, and again through b
    b.add(c).sum().backward();
    const expected = [1, 2, 3].map((v) => 2 * Math.exp(2 * v) + 8 * v);
    assertClose(x.grad, expected, { rtol: 1e-5 });
  });

  test("a tensor used as both operands", () => {
    const x = tensor([3], { requiresGrad: true });
    x.mul(x).add(x).sum().backward();
    assertClose(x.grad, [7]);
  });

  test("gradients through views of one base reach it", () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x.select(0, 0).sum().add(x.t().select(0, 1).mul(10).sum()).backward();
    assertClose(x.grad, [1, 11, 0, 10]);
  });

  test("only the branch that requires grad is differentiated", () => {
    const w = tensor([2], { requiresGrad: true });
    const c = tensor([5]);
    const y = w.mul(c).add(c.exp());
    assert.equal(y.requiresGrad, true);
    y.sum().backward();
    assertClose(w.grad, [5]);
  });
});

describe("gradients summed in place", () => {
  // The engine adds into gradients it owns (its sums, fresh slice gradients), and the pieces
  // of a split add into one buffer; the results must equal the plain sums.
  const g = new Generator(3);

  test("split pieces used unevenly, with another use of the input in between", () => {
    const x = randn([4, 9], { generator: g }).requiresGrad_();
    const [a, b, c] = F.split(x, 3, 1);
    const y = a.mul(2).sum().add(x.square().sum()).add(c.exp().sum()).add(b.mul(c).sum()).add(a.sum());
    y.backward();
    const xd = x.detach();
    const [ad, bd, cd] = F.split(xd, 3, 1);
    const want = F.cat([ones([4, 3]).mul(3), cd, cd.exp().add(bd)], 1).add(xd.mul(2));
    assertClose(x.grad!, want, { atol: 1e-5 });
  });

  test("a slice of an unused piece, strided slices and a pass-through add", () => {
    const x = randn([6, 5], { generator: g }).requiresGrad_();
    const s1 = x.slice(0, 0, 6, 2);
    const s2 = x.slice(0, 1, 6, 2);
    const z = F.add(s1, s2);          // AddBackward passes one gradient to both inputs
    const y = z.mul(z).sum().add(x.slice(1, 1, 3).sum()).add(x.slice(1, 2, 4).mul(3).sum());
    y.backward();
    const xd = x.detach();
    const zd = F.add(xd.slice(0, 0, 6, 2), xd.slice(0, 1, 6, 2)).mul(2);
    const want = zeros([6, 5]);
    for (let r = 0; r < 6; r++) for (let c = 0; c < 5; c++) {
      const v = zd.toArray() as Float32Array;
      want.data[r * 5 + c] = v[(r >> 1) * 5 + c] + (c >= 1 && c < 3 ? 1 : 0) + (c >= 2 && c < 4 ? 3 : 0);
    }
    assertClose(x.grad!, want, { atol: 1e-5 });
  });

  test("a leaf keeps a fresh gradient as its .grad and accumulates later ones into it", () => {
    const x = randn([3, 4], { generator: g }).requiresGrad_();
    const w = randn([4, 2], { generator: g }).requiresGrad_();
    const b = zeros([2]).requiresGrad_();
    const y = F.addmm(b, x, w);
    y.sum().backward();
    const [gw, gb] = [w.grad!, b.grad!];
    assertClose(gb, [3, 3]);
    assertClose(gw, x.detach().sum(0).unsqueeze(1).expand([4, 2]), { atol: 1e-5 });
    F.addmm(b, x, w).mul(2).sum().backward();
    assert.equal(w.grad, gw); // accumulated in place
    assertClose(b.grad!, [9, 9]);
    assertClose(w.grad!, x.detach().sum(0).unsqueeze(1).expand([4, 2]).mul(3), { atol: 1e-5 });
  });

  test("a fresh gradient arriving second takes the pass-through one in place", () => {
    const x = randn([2, 3], { generator: g }).requiresGrad_();
    const h = x.mul(1);
    // add passes its gradient on as it is; layerNorm's is fresh.
    h.add(F.layerNorm(h, 3).mul(tensor([1, 2, 3]))).sum().backward();
    const xd = x.detach().requiresGrad_();
    F.layerNorm(xd, 3).mul(tensor([1, 2, 3])).sum().backward();
    assertClose(x.grad!, xd.grad!.add(1), { atol: 1e-5 });
  });

  test("recycled gradient storage (tensors of 16 KB and more) leaves every gradient as computed piecewise", () => {
    // One MLP block on [8, 16, 64] rows, as GPT's: reshapes hand owned gradients on as views,
    // dead ones are recycled for later gradients of the same size. Backward through the two
    // halves separately (no storage outlives a backward call) must give the same gradients.
    const r = new Generator(11);
    const x = randn([8, 16, 64], { generator: r }).requiresGrad_();
    const w1 = randn([64, 256], { generator: r }).mul(0.1).requiresGrad_();
    const w2 = randn([256, 64], { generator: r }).mul(0.1).requiresGrad_();
    const b1 = zeros([256]).requiresGrad_();
    const lnw = ones([64]).requiresGrad_();
    const first = (t: Tensor) => F.gelu(F.addmm(b1, F.layerNorm(t, 64, { weight: lnw }).reshape([-1, 64]), w1));
    const second = (t: Tensor, h: Tensor) => t.add(F.matmul(h, w2).reshape([8, 16, 64]).mul(2)).square().sum();
    second(x, first(x)).backward();
    const full = [x, w1, w2, b1, lnw].map((p) => p.grad!.clone());
    for (const p of [x, w1, w2, b1, lnw]) p.grad = null;
    const h = first(x);
    const hd = h.detach().requiresGrad_();
    second(x, hd).backward();
    h.backward(hd.grad!);
    [x, w1, w2, b1, lnw].forEach((p, i) => assertClose(p.grad!, full[i], { atol: 1e-4, rtol: 1e-5 }));
  });

  test("an owned gradient handed on as a view is not recycled while the view is pending", () => {
    // a's gradient arrives as a view of layerNorm's (through the reshape), then exp's fresh
    // gradient of the same size (32 KB) is added into it: it must not get that view's storage.
    const x = randn([8, 16, 64], { generator: g }).requiresGrad_();
    const a = F.gelu(x);
    a.exp().sum().add(F.layerNorm(a.reshape([128, 64]), 64).square().sum()).backward();
    const ad = a.detach().requiresGrad_();
    F.layerNorm(ad.reshape([128, 64]), 64).square().sum().backward();
    const xr = x.detach().requiresGrad_();
    F.gelu(xr).backward(ad.grad!.add(ad.detach().exp()));
    assertClose(x.grad!, xr.grad!, { atol: 1e-5 });
  });

  test("attention's transposed fresh gradients stay owned through the heads' views and are recycled", () => {
    // GPT's heads: split, reshape, transpose. gq/gk/gv are stored [B, T, H, dim] and reach
    // the split as views; they are recycled after its pieces add them into one gradient.
    const [B, T, H, D] = [2, 64, 2, 32];
    const qkv = randn([B, T, 3 * H * D], { generator: g }).requiresGrad_();
    const heads = (t: Tensor) => t.reshape([B, T, H, D]).transpose(1, 2);
    const w = randn([B, H, T, D], { generator: g });
    const [q, k, v] = F.split(qkv, H * D, 2).map(heads);
    F.scaledDotProductAttention(q, k, v, { isCausal: true }).mul(w).sum().add(qkv.exp().sum()).backward();
    const [qd, kd, vd] = F.split(qkv.detach(), H * D, 2).map((t) => heads(t).contiguous().requiresGrad_());
    F.scaledDotProductAttention(qd, kd, vd, { isCausal: true }).mul(w).sum().backward();
    const merge = (t: Tensor) => t.grad!.transpose(1, 2).reshape([B, T, H * D]);
    const want = F.cat([merge(qd), merge(kd), merge(vd)], 2).add(qkv.detach().exp());
    assertClose(qkv.grad!, want, { atol: 1e-4 });
  });

  test("selects of every piece of a middle dim, in any order, with and without a piece left out", () => {
    // GPT's qkv: [B, T, 3, H, D] read as three selects of dim 2; the first gradient to arrive
    // zeroes only the margins around its window, the others add into their windows in place.
    const qkv = randn([2, 5, 3, 2, 4], { generator: g }).requiresGrad_();
    const w = randn([2, 5, 2, 4], { generator: g });
    for (const order of [[0, 1, 2], [2, 0, 1], [1, 2], [0, 2], [1]]) {
      qkv.grad = null;
      let y = qkv.sum().mul(0);
      for (const i of order) y = y.add(qkv.select(2, i).mul(w.add(i)).sum());
      y.backward();
      const want = zeros([2, 5, 3, 2, 4]);
      for (const i of order) want.select(2, i).copy_(w.add(i));
      assertClose(qkv.grad!, want, { atol: 1e-6 });
    }
  });

  test("storage recycled by one backward and reused by the next forward leaves held gradients alone", () => {
    // Buffers of 16 KB and more: the dead gradients of a backward call stay on offer (weakly)
    // to later allocations of their size, so the gradients and outputs still held must never be
    // among them.
    const run = (seed: number) => {
      const gen = new Generator(seed);
      const x = randn([64, 3 * 96], { generator: gen }).requiresGrad_();
      const w = randn([96, 96], { generator: gen }).requiresGrad_();
      const [a, b, c] = F.split(x, 96, 1);
      const h = F.matmul(a.mul(b), w).tanh().add(c.exp());
      const out = h.mul(h).sum();
      out.backward();
      return { x, w, h: h.detach(), gx: x.grad!.clone(), gw: w.grad!.clone() };
    };
    const first = run(1);
    for (let seed = 2; seed < 5; seed++) {
      const other = run(seed);
      assert.notDeepEqual(other.gx.toArray(), first.gx.toArray());
    }
    assertClose(first.x.grad!, first.gx, { atol: 0 });
    assertClose(first.w.grad!, first.gw, { atol: 0 });
    const again = run(1);
    assertClose(again.gx, first.gx, { atol: 0 });
    assertClose(again.h, first.h, { atol: 0 });
  });

  test("a residual stream: gradients an add hands to both inputs are recycled only once both are used", () => {
    // x = x + tanh(x·w) three times: each add's rule passes its gradient to both inputs as it
    // is, and that storage may be reused once both have used it. Rows are independent, so the
    // gradient must equal the one computed a few rows at a time (pieces under the 16 KB that
    // storage reuse starts at).
    const gen = new Generator(9);
    const x0 = randn([96, 64], { generator: gen });
    const ws = [0, 1, 2].map(() => randn([64, 64], { generator: gen }).mul(0.2).requiresGrad_());
    const grad = (x: Tensor) => {
      const leaf = x.detach().requiresGrad_();
      let h = leaf;
      for (const w of ws) h = h.add(F.matmul(h, w).tanh());
      h.mul(h).sum().backward();
      return leaf.grad!;
    };
    const whole = grad(x0);
    const pieces = F.cat([0, 1, 2, 3, 4, 5].map((i) => grad(x0.narrow(0, 16 * i, 16))), 0);
    assertClose(whole, pieces, { atol: 1e-4, rtol: 1e-5 });
    const again = grad(x0);
    assertClose(again, whole, { atol: 0 });
  });

  test("gradcheck through split, chunk and overlapping slices", () => {
    assertGradcheck((x: Tensor) => {
      const [a, b] = F.chunk(x, 2, 0);
      return a.mul(b).add(x.slice(0, 1, 3).sum()).add(x.slice(0, 0, 2).exp());
    }, [uniform(g, [4, 3])]);
    assertGradcheck((x: Tensor) => x.select(1, 1).mul(x.select(1, 2).exp()).add(x.select(1, 0).select(1, 1).unsqueeze(1)), [uniform(g, [3, 4, 2])]);
  });
});

describe("grad mode", () => {
  test("noGrad turns recording off inside and restores it", () => {
    const x = tensor([1], { requiresGrad: true });
    const y = noGrad(() => {
      assert.equal(isGradEnabled(), false);
      return x.mul(2);
    });
    assert.equal(isGradEnabled(), true);
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
  });

  test("nested noGrad and enableGrad", () => {
    const x = tensor([1], { requiresGrad: true });
    noGrad(() => {
      noGrad(() => assert.equal(isGradEnabled(), false));
      assert.equal(isGradEnabled(), false);
      const y = enableGrad(() => x.mul(2));
      assert.equal(y.requiresGrad, true);
      assert.equal(isGradEnabled(), false);
    });
    assert.equal(isGradEnabled(), true);
  });

  test("noGrad restores the mode when its function throws", () => {
    assert.throws(() => noGrad(() => { throw new Error("boom"); }), /boom/);
    assert.equal(isGradEnabled(), true);
    noGrad(() => {
      assert.throws(() => enableGrad(() => { throw new Error("inner"); }), /inner/);
      assert.equal(isGradEnabled(), false);
    });
    assert.equal(isGradEnabled(), true);
  });

  test("noGrad awaits an async function before restoring", async () => {
    const p = noGrad(async () => {
      await new Promise((r) => setTimeout(r, 1));
      return isGradEnabled();
    });
    assert.equal(await p, false);
    assert.equal(isGradEnabled(), true);
    await assert.rejects(noGrad(async () => { throw new Error("async boom"); }), /async boom/);
    assert.equal(isGradEnabled(), true);
  });
});

describe("requiresGrad and detach", () => {
  test("only float tensors can require grad", () => {
    assert.throws(() => zeros([2], { dtype: "int32" }).requiresGrad_(), /requiresGrad: only floating-point tensors can require gradients \(dtype int32\)/);
    assert.throws(() => tensor([1, 2], { dtype: "int32", requiresGrad: true }), /only floating-point tensors/);
    assert.throws(() => { tensor([true]).requiresGrad = true; }, /dtype bool/);
  });

  test("results of ops on tensors that require grad require grad", () => {
    const x = tensor([1], { requiresGrad: true });
    const y = x.mul(2);
    assert.equal(y.requiresGrad, true);
    assert.equal(y.gradFn?.name, "MulBackward");
    assert.throws(() => { y.requiresGrad = false; }, /cannot turn off gradients on a non-leaf tensor; use detach\(\)/);
  });

  test("detach cuts the graph", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    const z = y.detach().mul(x).sum();
    z.backward();
    assertClose(x.grad, [3, 6]);
    assert.equal(y.detach().isLeaf, true);
  });

  test("an op inside noGrad on a leaf, then requiresGrad_, makes a new leaf", () => {
    const w = noGrad(() => tensor([1, 2], { requiresGrad: true }).mul(2)).requiresGrad_();
    assert.equal(w.isLeaf, true);
    w.sum().backward();
    assertClose(w.grad, [1, 1]);
  });
});

describe("in-place writes", () => {
  test("refuse a tensor that requires grad while recording", () => {
    const w = tensor([1, 2], { requiresGrad: true });
    assert.throws(() => w.fill_(0), /fill_: a tensor that requires grad cannot be modified in place while gradients are recorded; wrap it in noGrad\(\)/);
    noGrad(() => w.fill_(3));
    assertClose(w, [3, 3]);
  });

  test("copy_ broadcasts and converts dtypes", () => {
    const t = zeros([2, 3]);
    t.copy_(tensor([1, 2, 3]));
    assertClose(t, [1, 2, 3, 1, 2, 3]);
    const m = zeros([3], { dtype: "bool" });
    m.copy_(tensor([0.5, 0, -2]));
    assert.deepEqual(m.tolist(), [true, false, true]);
    const i = zeros([2], { dtype: "int32" });
    i.copy_(tensor([2.7, -2.7]));
    assert.deepEqual(Array.from(i.toArray()), [2, -2]);
    assert.throws(() => t.copy_(tensor([1, 2])), /copy_: source of shape \[2\] does not broadcast to \[2, 3\]/);
  });
});

describe("memory across steps", () => {
  test("a long synchronous training loop keeps its memory bounded", () => {
    // A synchronous loop is one job for V8, which keeps whatever a WeakRef points at alive
    // until the job ends: storage recycled by backward must not outlive the call that way
    // (a weak pool of it once held ~400 KB more per step of this model).
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const model = new nn.Sequential(new nn.Linear(30, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 1));
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = randn([256, 30]);
    const step = () => {
      opt.zeroGrad();
      model.forward(x).square().mean().backward();
      opt.step();
    };
    for (let i = 0; i < 20; i++) step();
    gc();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 150; i++) step();
    gc();
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 20e6, `array buffers grew by ${(grown / 1e6).toFixed(1)} MB over 150 steps`);
  });
});
