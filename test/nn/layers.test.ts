import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Generator, Tensor, functional as F, nn, ones, rand, randn, tensor } from "../../src/index.js";
import { assertClose, fromFixture, loadFixture } from "../helpers.js";

const cases = loadFixture("nn");

describe("BatchNorm", () => {
  for (const name of ["batchnorm_momentum", "batchnorm_cumulative"]) {
    test(`${name}: running statistics and outputs match PyTorch after three training batches`, () => {
      const c = cases[name];
      const bn = new nn.BatchNorm2d(3, { momentum: c.params.momentum as number | null });
      bn.loadStateDict({ ...bn.stateDict(), weight: tensor([1, 0.5, 2]), bias: tensor([0, 0.1, -0.2]) });
      let out: Tensor | null = null;
      for (let i = 0; i < 3; i++) out = bn.forward(fromFixture(c.inputs[`batch${i}`]));
      assertClose(out, c.outputs.trainOut2, { atol: 1e-5 }, "training output");
      assertClose(bn.running_mean, c.outputs.running_mean, {}, "running_mean");
      assertClose(bn.running_var, c.outputs.running_var, {}, "running_var");
      assert.equal(bn.num_batches_tracked!.item(), 3);
      bn.eval();
      assertClose(bn.forward(fromFixture(c.inputs.probe)), c.outputs.evalOut, { atol: 1e-5 }, "eval output");
    });
  }

  test("eval mode uses and keeps the running statistics", () => {
    const bn = new nn.BatchNorm1d(2).eval();
    const x = tensor([[1, 2], [3, 6]]);
    assertClose(bn.forward(x), x.div(Math.sqrt(1 + 1e-5)));
    assert.deepEqual(Array.from(bn.running_mean!.toArray()), [0, 0]);
    assert.equal(bn.num_batches_tracked!.item(), 0);
  });

  test("without running statistics, eval normalises with the batch's", () => {
    const bn = new nn.BatchNorm1d(2, { trackRunningStats: false, affine: false }).eval();
    assert.equal(bn.running_mean, null);
    const y = bn.forward(tensor([[1, 2], [3, 6]]));
    assertClose(y, [-1, -1, 1, 1], { atol: 1e-4 });
    assert.deepEqual(Object.keys(bn.stateDict()), []);
  });

  test("BatchNorm1d takes [N, C] and [N, C, L]; rank errors name the layer and shape", () => {
    const bn = new nn.BatchNorm1d(3);
    assert.deepEqual(bn.forward(randn([4, 3, 5])).shape, [4, 3, 5]);
    assert.throws(() => bn.forward(randn([4, 3, 2, 2])), /BatchNorm1d: expected 2-d or 3-d input, got input of shape \[4, 3, 2, 2\]/);
    assert.throws(() => new nn.BatchNorm2d(3).forward(randn([4, 3])), /BatchNorm2d: expected 4-d input/);
  });

  test("resetRunningStats restores the initial statistics", () => {
    const bn = new nn.BatchNorm1d(2);
    bn.forward(randn([8, 2]).mul(3).add(1));
    bn.resetRunningStats();
    assert.deepEqual(Array.from(bn.running_var!.toArray()), [1, 1]);
    assert.equal(bn.num_batches_tracked!.item(), 0);
  });
});

describe("Dropout", () => {
  test("zeroes and rescales in train mode, is the identity in eval mode", () => {
    const drop = new nn.Dropout(0.25, { generator: new Generator(3) });
    const x = ones([100, 100]);
    const y = drop.forward(x).toArray();
    const kept = y.filter((v) => v !== 0);
    assert.ok(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6));
    assert.ok(Math.abs(1 - kept.length / y.length - 0.25) < 0.02, `dropped fraction ${1 - kept.length / y.length}`);
    drop.eval();
    assert.equal(drop.forward(x), x);
  });

  test("the same generator seed gives the same mask", () => {
    const a = new nn.Dropout(0.5, { generator: new Generator(9) }).forward(ones([50]));
    const b = new nn.Dropout(0.5, { generator: new Generator(9) }).forward(ones([50]));
    assert.deepEqual(a.toArray(), b.toArray());
  });

  test("p must be a probability", () => {
    assert.throws(() => new nn.Dropout(1.5), /Dropout: p must be between 0 and 1, got 1.5/);
  });
});

describe("layer shapes and arguments", () => {
  test("parameter shapes follow PyTorch's layouts", () => {
    assert.deepEqual(new nn.Linear(3, 5).weight.shape, [5, 3]);
    assert.deepEqual(new nn.Conv2d(4, 6, [3, 5], { groups: 2 }).weight.shape, [6, 2, 3, 5]);
    assert.deepEqual(new nn.Conv1d(2, 4, 3).weight.shape, [4, 2, 3]);
    assert.deepEqual(new nn.Embedding(7, 3).weight.shape, [7, 3]);
    assert.deepEqual(new nn.LayerNorm([2, 3]).weight!.shape, [2, 3]);
    assert.equal(new nn.LayerNorm(4, { bias: false }).bias, null);
    assert.deepEqual(new nn.GroupNorm(2, 6).bias!.shape, [6]);
    assert.deepEqual(new nn.MultiheadAttention(8, 2).in_proj_weight.shape, [24, 8]);
  });

  test("forward shapes", () => {
    const x = randn([2, 3, 9, 9]);
    assert.deepEqual(new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 }).forward(x).shape, [2, 4, 5, 5]);
    assert.deepEqual(new nn.Conv2d(3, 4, 3, { padding: "same", dilation: 2 }).forward(x).shape, [2, 4, 9, 9]);
    assert.deepEqual(new nn.Conv2d(3, 4, 3, { padding: "valid" }).forward(x).shape, [2, 4, 7, 7]);
    assert.deepEqual(new nn.Conv1d(3, 2, 3).forward(randn([2, 3, 10])).shape, [2, 2, 8]);
    assert.deepEqual(new nn.MaxPool2d(2, { ceilMode: true }).forward(x).shape, [2, 3, 5, 5]);
    assert.deepEqual(new nn.MaxPool1d(2).forward(randn([2, 3, 10])).shape, [2, 3, 5]);
    assert.deepEqual(new nn.AvgPool2d(3, { stride: 2, padding: 1 }).forward(x).shape, [2, 3, 5, 5]);
    assert.deepEqual(new nn.AvgPool1d(2).forward(randn([2, 3, 10])).shape, [2, 3, 5]);
    assert.deepEqual(new nn.AdaptiveAvgPool2d([1, null]).forward(x).shape, [2, 3, 1, 9]);
    assert.deepEqual(new nn.Flatten().forward(x).shape, [2, 243]);
    assert.deepEqual(new nn.Flatten(0, 1).forward(x).shape, [6, 9, 9]);
    assert.deepEqual(new nn.Unflatten(1, [3, 1]).forward(x).shape, [2, 3, 1, 9, 9]);
    assert.deepEqual(new nn.Linear(9, 2).forward(x).shape, [2, 3, 9, 2]);
    assert.deepEqual(new nn.Embedding(5, 4).forward(tensor([[0, 4], [2, 2]], { dtype: "int32" })).shape, [2, 2, 4]);
  });

  test("activation layers compute their functional op", () => {
    const x = randn([3, 4]);
    const pairs: [nn.Module, Tensor][] = [
      [new nn.ReLU(), F.relu(x)],
      [new nn.LeakyReLU(0.2), F.leakyRelu(x, 0.2)],
      [new nn.GELU(), F.gelu(x)],
      [new nn.GELU({ approximate: "tanh" }), F.gelu(x, { approximate: "tanh" })],
      [new nn.SiLU(), F.silu(x)],
      [new nn.Sigmoid(), F.sigmoid(x)],
      [new nn.Tanh(), F.tanh(x)],
      [new nn.Softmax(0), F.softmax(x, 0)],
      [new nn.LogSoftmax(-1), F.logSoftmax(x, -1)],
      [new nn.Identity(), x],
    ];
    for (const [m, expected] of pairs) assert.deepEqual(m.forward(x).toArray(), expected.toArray(), m.toString());
  });

  test("bad constructor arguments fail at construction, naming the layer", () => {
    assert.throws(() => new nn.Linear(2.5, 3), /Linear: inFeatures must be an integer ≥ 0, got 2.5/);
    assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /Conv2d: inChannels \(3\) must be divisible by groups \(2\)/);
    assert.throws(() => new nn.Conv2d(4, 3, 3, { groups: 2 }), /outChannels \(3\) must be divisible by groups/);
    assert.throws(() => new nn.Conv2d(3, 4, 3, { padding: "same", stride: 2 }), /padding "same" is not supported for strided convolutions/);
    assert.throws(() => new nn.Conv2d(3, 4, [3, 3, 3]), /Conv2d: kernelSize must be an int or a list of 2 ints, got \[3,3,3\]/);
    assert.throws(() => new nn.Conv2d(3, 4, 3, { paddingMode: "reflect" as "zeros" }), /paddingMode "reflect" is not supported/);
    assert.throws(() => new nn.MaxPool2d(2, { padding: 2 }), /MaxPool2d: padding 2 must be at most half of kernelSize 2/);
    assert.throws(() => new nn.AdaptiveAvgPool2d([0, 1]), /AdaptiveAvgPool2d: outputSize/);
    assert.throws(() => new nn.GroupNorm(4, 6), /GroupNorm: numChannels \(6\) must be divisible by numGroups \(4\)/);
    assert.throws(() => new nn.Embedding(5, 2, { paddingIdx: 5 }), /Embedding: paddingIdx 5 must be within \[-5, 4\]/);
    assert.throws(() => new nn.GELU({ approximate: "fast" as "tanh" }), /GELU: approximate must be "none" or "tanh"/);
    assert.throws(() => new nn.MultiheadAttention(10, 3), /embedDim \(10\) must be divisible by numHeads \(3\)/);
    assert.throws(() => new nn.MSELoss({ reduction: "avg" as "mean" }), /MSELoss: reduction must be one of "mean", "sum", "none"/);
  });

  test("Embedding zeroes its padding row (negative index counted from the end)", () => {
    const emb = new nn.Embedding(6, 3, { paddingIdx: -1 });
    assert.equal(emb.paddingIdx, 5);
    assert.deepEqual(Array.from(emb.weight.select(0, 5).toArray()), [0, 0, 0]);
    assert.ok(emb.weight.select(0, 4).toArray().some((v) => v !== 0));
    assert.equal(emb.toString(), "Embedding(6, 3, paddingIdx=5)");
  });
});

describe("loss modules", () => {
  test("each computes its functional loss with its options", () => {
    const logits = randn([4, 3]);
    const labels = tensor([0, 2, 1, 2], { dtype: "int32" });
    const w = tensor([1, 2, 0.5]);
    const probs = rand([4, 3]).mul(0.9).add(0.05);
    const y = rand([4, 3]).round();
    const pw = tensor([1, 3, 2]);
    const pairs: [Tensor, Tensor][] = [
      [new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }).forward(logits, labels), F.crossEntropy(logits, labels, { weight: w, labelSmoothing: 0.1 })],
      [new nn.CrossEntropyLoss({ ignoreIndex: 2, reduction: "sum" }).forward(logits, labels), F.crossEntropy(logits, labels, { ignoreIndex: 2, reduction: "sum" })],
      [new nn.NLLLoss({ weight: w }).forward(F.logSoftmax(logits, 1), labels), F.nllLoss(F.logSoftmax(logits, 1), labels, { weight: w })],
      [new nn.BCELoss({ reduction: "none" }).forward(probs, y), F.binaryCrossEntropy(probs, y, { reduction: "none" })],
      [new nn.BCEWithLogitsLoss({ posWeight: pw }).forward(logits, y), F.binaryCrossEntropyWithLogits(logits, y, { posWeight: pw })],
      [new nn.MSELoss().forward(logits, probs), F.mseLoss(logits, probs)],
      [new nn.L1Loss({ reduction: "sum" }).forward(logits, probs), F.l1Loss(logits, probs, { reduction: "sum" })],
      [new nn.SmoothL1Loss({ beta: 0.5 }).forward(logits, probs), F.smoothL1Loss(logits, probs, { beta: 0.5 })],
      [new nn.HuberLoss({ delta: 0.5 }).forward(logits, probs), F.huberLoss(logits, probs, { delta: 0.5 })],
      [new nn.KLDivLoss({ reduction: "batchmean" }).forward(F.logSoftmax(logits, 1), probs), F.klDiv(F.logSoftmax(logits, 1), probs, { reduction: "batchmean" })],
    ];
    for (const [got, expected] of pairs) assert.deepEqual(got.toArray(), expected.toArray());
  });

  test("gradients flow through a loss module to the model", () => {
    const lin = new nn.Linear(3, 2);
    new nn.CrossEntropyLoss().forward(lin.forward(randn([5, 3])), tensor([0, 1, 1, 0, 1], { dtype: "int32" })).backward();
    assert.deepEqual(lin.weight.grad!.shape, [2, 3]);
  });
});

describe("MultiheadAttention", () => {
  for (const name of ["mha_plain", "mha_masks", "mha_float_mask"]) {
    test(`${name}: output and attention weights match PyTorch`, () => {
      const c = cases[name];
      const batchFirst = c.params.batchFirst as boolean;
      const mha = new nn.MultiheadAttention(8, 2, { batchFirst });
      const sd: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.inputs)) if (k.startsWith("sd.")) sd[k.slice(3)] = fromFixture(v);
      mha.loadStateDict(sd);
      mha.eval();
      const [out, weights] = mha.forward(fromFixture(c.inputs.q), fromFixture(c.inputs.k), fromFixture(c.inputs.v), {
        keyPaddingMask: c.inputs.key_padding_mask ? fromFixture(c.inputs.key_padding_mask) : null,
        attnMask: c.inputs.attn_mask ? fromFixture(c.inputs.attn_mask) : null,
        averageAttnWeights: c.params.averageAttnWeights as boolean,
      });
      assertClose(out, c.outputs.out, { atol: 1e-5 }, "output");
      assertClose(weights, c.outputs.weights, { atol: 1e-6 }, "weights");
    });
  }

  test("unbatched input, needWeights false, and isCausal", () => {
    const mha = new nn.MultiheadAttention(4, 2).eval();
    const x = randn([5, 4]);
    const [out, none] = mha.forward(x, x, x, { needWeights: false });
    assert.deepEqual(out.shape, [5, 4]);
    assert.equal(none, null);
    const [, w] = mha.forward(x, x, x, { isCausal: true });
    const wa = w!.toArray();
    assert.deepEqual(w!.shape, [5, 5]);
    for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) assert.equal(wa[i * 5 + j], 0);
  });

  test("its parameters get gradients", () => {
    const mha = new nn.MultiheadAttention(4, 2, { batchFirst: true });
    const x = randn([2, 3, 4]);
    mha.forward(x, x, x)[0].sum().backward();
    for (const [name, p] of mha.namedParameters()) assert.ok(p.grad && p.grad.toArray().some((v) => v !== 0), name);
  });
});
