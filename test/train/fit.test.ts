import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Tensor, data, functional as F, manualSeed, nn, noGrad, optim, tensor } from "../../src/index.js";
import { type Callback, NonFiniteLossError, evaluate, fit, predict } from "../../src/train/index.js";
import { breastCancer, digits, mlp, weightsOf } from "./train_helpers.js";

const quiet = { verbose: false } as const;

describe("fit", () => {
  it("learns the breast-cancer diagnosis (binary, validationSplit, metrics)", async () => {
    manualSeed(0);
    const { x, y } = breastCancer();
    const model = mlp(30, 16, 1);
    const history = await fit(model, [x, y], {
      ...quiet, loss: "bceWithLogits", optimizer: { name: "adam", lr: 0.01 }, epochs: 8, batchSize: 32,
      validationSplit: 0.2, seed: 1, metrics: ["accuracy", "rocAuc", "prAuc", "f1", "logLoss"],
    });
    assert.equal(history.epochs.length, 8);
    const last = history.epochs[7];
    assert.deepEqual(Object.keys(last), [
      "epoch", "loss", "accuracy", "rocAuc", "prAuc", "f1", "logLoss", "valLoss", "valAccuracy", "valRocAuc", "valPrAuc", "valF1", "valLogLoss", "lr", "seconds",
    ]);
    assert.ok(last.valAccuracy >= 0.95, `validation accuracy ${last.valAccuracy}`);
    assert.ok(last.valRocAuc >= 0.98, `validation ROC AUC ${last.valRocAuc}`);
    assert.ok(last.loss < history.epochs[0].loss);
    // The log-loss metric of a BCE-with-logits model is its loss, computed in float64 from the logits.
    assert.ok(Math.abs(last.valLogLoss - last.valLoss) < 1e-5);
    assert.equal(last.lr, 0.01);
  });

  it("learns digits (multiclass, float labels from a CSV, Dataset and DataLoader input)", async () => {
    manualSeed(0);
    const { x, y } = digits(800);
    const all = new data.TensorDataset(x, y);
    const split = data.trainTestSplit(800, { testSize: 0.2, seed: 0 });
    const val = new data.Subset(all, split.test);
    const model = mlp(64, 32, 10);
    const history = await fit(model, new data.Subset(all, split.train), {
      ...quiet, loss: "crossEntropy", optimizer: { name: "adam", lr: 0.01 }, epochs: 8, batchSize: 32, seed: 3,
      validation: new data.DataLoader(val, { batchSize: 50 }),
      metrics: ["accuracy", "f1", "f1Weighted", "top2Accuracy", "logLoss"],
    });
    const last = history.epochs.at(-1)!;
    assert.ok(last.valAccuracy >= 0.9, `validation accuracy ${last.valAccuracy}`);
    assert.ok(last.valTop2Accuracy >= last.valAccuracy);
    const scores = await evaluate(model, val, { loss: "crossEntropy", metrics: ["accuracy"], batchSize: 7 });
    assert.ok(Math.abs(scores.accuracy - last.valAccuracy) < 1e-12);
    assert.ok(Math.abs(scores.loss - last.valLoss) < 1e-5);
  });

  it("regression with an nn loss module and an Optimizer instance", async () => {
    manualSeed(0);
    const x = tensor(Array.from({ length: 64 }, (_, i) => [i / 32 - 1, ((i * 7) % 64) / 32 - 1]));
    const y = x.select(1, 0).mul(2).sub(x.select(1, 1)).add(0.5);
    const model = new nn.Linear(2, 1);
    const history = await fit(model, [x, y], {
      ...quiet, loss: new nn.MSELoss(), optimizer: new optim.SGD(model.parameters(), { lr: 0.2 }), epochs: 40, batchSize: 16,
      metrics: ["mse", "rmse", "mae", "r2"], seed: 0,
    });
    const last = history.epochs.at(-1)!;
    assert.ok(last.r2 > 0.999, `r2 ${last.r2}`);
    assert.ok(Math.abs(last.rmse - Math.sqrt(last.mse)) < 1e-12);
  });

  it("switches train and eval mode, and puts the modules' modes back", async () => {
    const seen: string[] = [];
    class Probe extends nn.Module {
      lin = new nn.Linear(2, 1);
      forward(x: Tensor): Tensor {
        seen.push(`${x.shape[0]}:${this.training ? "train" : "eval"}`);
        return this.lin.forward(x);
      }
    }
    const model = new Probe();
    model.eval();
    const xs = tensor([[0, 1], [1, 0], [1, 1]]);
    await fit(model, [xs, tensor([0, 1, 1])], { ...quiet, loss: "mse", epochs: 2, batchSize: 3, validation: [xs.narrow(0, 0, 2), tensor([0, 1])] });
    assert.deepEqual(seen, ["3:train", "2:eval", "3:train", "2:eval"]);
    assert.equal(model.training, false);
    model.train();
    const out = await predict(model, tensor([[0, 1], [1, 0], [1, 1], [2, 2], [3, 3]]), { batchSize: 2 });
    assert.deepEqual(out.shape, [5, 1]);
    assert.deepEqual(seen.slice(4), ["2:eval", "2:eval", "1:eval"]);
    assert.equal(model.training, true);
    const direct = noGrad(() => model.lin.forward(tensor([[0, 1], [1, 0], [1, 1], [2, 2], [3, 3]])));
    assert.deepEqual(Array.from(out.toArray()), Array.from(direct.toArray()));
  });

  it("calls callbacks in order", async () => {
    const events: string[] = [];
    const recorder: Callback = {
      onTrainBegin: (ctx) => void events.push(`trainBegin ${ctx.initialEpoch}/${ctx.epochs} ${ctx.batchesPerEpoch}`),
      onEpochBegin: (e) => void events.push(`epochBegin ${e}`),
      onBatchBegin: (b) => void events.push(`batchBegin ${b}`),
      onBatchEnd: (b, logs) => void events.push(`batchEnd ${b} ${logs.size}`),
      onEpochEnd: (e, logs) => void events.push(`epochEnd ${e} ${typeof logs.valLoss}`),
      afterEpochEnd: async (e) => {
        await new Promise((r) => setTimeout(r, 1));
        events.push(`afterEpochEnd ${e}`);
      },
      onTrainEnd: () => void events.push("trainEnd"),
    };
    const x = tensor([[1], [2], [3]]);
    await fit(new nn.Linear(1, 1), [x, tensor([1, 2, 3])], { ...quiet, loss: "mse", epochs: 2, batchSize: 2, validation: [x, tensor([1, 2, 3])], callbacks: [recorder] });
    const epoch = (e: number) => [`epochBegin ${e}`, "batchBegin 1", "batchEnd 1 2", "batchBegin 2", "batchEnd 2 1", `epochEnd ${e} number`, `afterEpochEnd ${e}`];
    assert.deepEqual(events, ["trainBegin 0/2 2", ...epoch(1), ...epoch(2), "trainEnd"]);
  });

  it("stops on a NaN loss with an error naming the epoch and batch, before that batch's update", async () => {
    const model = new nn.Linear(1, 1);
    let calls = 0;
    let weightsBefore: number[] = [];
    const errors: unknown[] = [];
    const loss = (o: Tensor, t: Tensor) => {
      calls++;
      if (calls === 6) weightsBefore = Array.from(model.weight.toArray());
      return calls === 6 ? F.mseLoss(o, t).mul(NaN) : F.mseLoss(o, t);
    };
    const x = tensor([[1], [2], [3], [4], [5], [6], [7], [8]]);
    await assert.rejects(
      fit(model, [x, x], { ...quiet, loss, task: "regression", epochs: 3, batchSize: 2, shuffle: false, callbacks: [{ onTrainError: (e) => void errors.push(e) }] }),
      (err: unknown) => err instanceof NonFiniteLossError && err.epoch === 2 && err.batch === 2 && /loss is NaN at epoch 2, batch 2/.test(err.message),
    );
    assert.equal(errors.length, 1);
    assert.deepEqual(Array.from(model.weight.toArray()), weightsBefore);
  });

  it("class weights and posWeight weight the loss as PyTorch does", async () => {
    manualSeed(0);
    const x = tensor([[1, 0], [0, 1], [1, 1], [0.5, -1]]);
    // lr 0: the model does not change, so the epoch's loss is the loss of the initial model on the one batch.
    const still = { ...quiet, optimizer: { name: "sgd" as const, lr: 0 }, epochs: 1, batchSize: 4 };
    const multi = new nn.Linear(2, 3);
    const labels = tensor([0, 2, 1, 2], { dtype: "int32" });
    const logits = noGrad(() => multi.forward(x));
    const w = [1, 3, 0.5];
    const weighted = await fit(multi, [x, labels], { ...still, loss: "crossEntropy", classWeight: w });
    const byKey = await fit(multi, [x, labels], { ...still, loss: "crossEntropy", classWeight: { 1: 3, 2: 0.5 } });
    const plain = await fit(multi, [x, labels], { ...still, loss: "crossEntropy" });
    // Weighted mean: Σ w[y]·nll / Σ w[y].
    const logp = F.logSoftmax(logits, 1);
    const ys = [0, 2, 1, 2];
    const nll = ys.map((c, i) => -logp.select(0, i).select(0, c).item());
    const expected = ys.reduce((s, c, i) => s + w[c] * nll[i], 0) / ys.reduce((s, c) => s + w[c], 0);
    assert.ok(Math.abs(weighted.epochs[0].loss - expected) < 1e-6);
    assert.equal(byKey.epochs[0].loss, weighted.epochs[0].loss);
    assert.ok(Math.abs(plain.epochs[0].loss - nll.reduce((a, b) => a + b) / 4) < 1e-6);

    const bin = new nn.Linear(2, 1);
    const z = Array.from(noGrad(() => bin.forward(x)).toArray());
    const t = [1, 0, 1, 0];
    const pos = await fit(bin, [x, tensor(t)], { ...still, loss: "bceWithLogits", posWeight: 4 });
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const bce = t.reduce((s, ti, i) => s - (4 * ti * Math.log(sig(z[i])) + (1 - ti) * Math.log(1 - sig(z[i]))), 0) / 4;
    assert.ok(Math.abs(pos.epochs[0].loss - bce) < 1e-5);
  });

  it("clips gradients before each step", async () => {
    const xs = tensor([[10, -20], [30, 5]]);
    const ys = tensor([100, -100]);
    for (const clip of [{ gradClipValue: 0.01 }, { gradClipNorm: 0.01 }]) {
      const model = new nn.Linear(2, 1);
      const before = Object.values(weightsOf(model)).flat();
      await fit(model, [xs, ys], { ...quiet, loss: "mse", optimizer: { name: "sgd", lr: 1 }, epochs: 1, batchSize: 2, ...clip });
      const change = Object.values(weightsOf(model)).flat().map((w, i) => w - before[i]);
      if ("gradClipValue" in clip) assert.ok(change.every((d) => Math.abs(d) <= 0.01 + 1e-6), `changes ${change}`);
      else assert.ok(Math.hypot(...change) <= 0.01 + 1e-6, `change norm ${Math.hypot(...change)}`);
    }
  });

  it("trains on an iterable dataset, read in order with no known length", async () => {
    const stream = new data.IterableDataset(function* () {
      for (let i = 0; i < 10; i++) yield [tensor([i / 10]), (2 * i) / 10];
    });
    let batchesPerEpoch: number | null | undefined;
    const history = await fit(new nn.Linear(1, 1), stream, {
      ...quiet, loss: "mse", epochs: 2, batchSize: 4, callbacks: [{ onTrainBegin: (ctx) => void (batchesPerEpoch = ctx.batchesPerEpoch) }],
    });
    assert.equal(batchesPerEpoch, null);
    assert.equal(history.epochs.length, 2);
    const out = await predict(new nn.Linear(1, 1), stream, { batchSize: 3 });
    assert.deepEqual(out.shape, [10, 1]);
  });

  it("rejects bad options with clear errors", async () => {
    const model = new nn.Linear(2, 1);
    const d = [tensor([[0, 1]]), tensor([1])] as const;
    await assert.rejects(fit(model, d, { loss: "mse", epoch: 3 } as never), /unknown option "epoch"/);
    await assert.rejects(fit(model, d, { ...quiet, loss: "mse", metrics: ["acuracy"] }), /unknown metric "acuracy"/);
    await assert.rejects(fit(model, d, { ...quiet, loss: "mse", metrics: ["accuracy"] }), /"accuracy" is for binary or multiclass tasks, and this is a regression task/);
    await assert.rejects(fit(model, d, { ...quiet, loss: (o, t) => o.sub(t).square().mean(), metrics: ["mse"] }), /pass task/);
    await assert.rejects(fit(model, d, { ...quiet, loss: "mse", classWeight: [1, 2] }), /classWeight applies to the "crossEntropy" loss/);
    await assert.rejects(fit(model, d, { ...quiet, loss: "hinge" as never }), /unknown loss "hinge"/);
    await assert.rejects(fit(model, d, { ...quiet, loss: "mse", optimizer: "lbfgs" as never }), /unknown optimizer "lbfgs"/);
    await assert.rejects(fit(model, d, { ...quiet, loss: "mse", optimizer: { name: "adam", lr: 0.1, momentum: 0.9 } }), /unknown option 'momentum'/);
    await assert.rejects(fit(model, new data.DataLoader(new data.TensorDataset(...d)), { ...quiet, loss: "mse", batchSize: 8 }), /DataLoader, which batches and shuffles by its own settings/);
    await assert.rejects(fit(model, d, { ...quiet, loss: "mse", validation: d, validationSplit: 0.2 }), /validation or validationSplit, not both/);
    await assert.rejects(fit(model, d, { ...quiet, loss: "mse", epochs: 0 }), /epochs must be a positive integer/);
  });
});
