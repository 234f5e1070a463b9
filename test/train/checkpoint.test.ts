import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type Tensor, functional as F, manualSeed, optim } from "../../src/index.js";
import { loadSafetensors } from "../../src/io/index.js";
import { type EpochLogs, type FitOptions, NonFiniteLossError, earlyStopping, fit, loadCheckpoint, modelCheckpoint } from "../../src/train/index.js";
import { breastCancer, mlp, tmpDir, weightsOf } from "./train_helpers.js";

const { x, y } = breastCancer();
const rows = { x: x.narrow(0, 0, 200), y: y.narrow(0, 0, 200) };

/** A run that uses every kind of saved state: dropout (the RNG), seeded shuffles, Adam's moments, a scheduler, early stopping. */
function options(dir: string, extra: Partial<FitOptions> = {}): FitOptions {
  return {
    verbose: false, loss: "bceWithLogits", optimizer: { name: "adam", lr: 0.01 }, epochs: 5, batchSize: 16, seed: 7,
    validationSplit: 0.25, metrics: ["accuracy"],
    lrScheduler: (opt) => new optim.StepLR(opt, 2, { gamma: 0.5 }),
    callbacks: [earlyStopping({ patience: 10, restoreBest: false }), modelCheckpoint({ path: dir })],
    ...extra,
  };
}

/** A fresh model; the seed decides its initial weights. */
function model(seed: number) {
  manualSeed(seed);
  return mlp(30, 16, 1, 0.2);
}

const withoutTime = (epochs: EpochLogs[]) => epochs.map(({ seconds: _, ...rest }) => rest);

describe("modelCheckpoint", () => {
  it("resumes a stopped run to exactly the results of an uninterrupted one", async () => {
    const full = model(1);
    const fullHistory = await fit(full, [rows.x, rows.y], options(tmpDir("full")));

    const dir = tmpDir("resume");
    const stopAt2 = { onEpochEnd: (e: number, _l: EpochLogs, ctx: { stopTraining: boolean }) => void (ctx.stopTraining = e === 2) };
    const first = model(1);
    const opts = options(dir);
    await fit(first, [rows.x, rows.y], { ...opts, callbacks: [...opts.callbacks!, stopAt2] });
    assert.equal((await loadCheckpoint(join(dir, "last.json"))).epoch, 2);

    // A new process would build a new model; its own initial weights must not matter.
    const resumed = model(99);
    const history = await fit(resumed, [rows.x, rows.y], { ...options(dir), resume: join(dir, "last.json") });
    assert.deepEqual(weightsOf(resumed), weightsOf(full));
    assert.deepEqual(withoutTime(history.epochs), withoutTime(fullHistory.epochs));
  });

  it("writes the weights as PyTorch-keyed safetensors beside a manifest, and keeps only the latest files", async () => {
    const dir = tmpDir("files");
    const m = model(2);
    await fit(m, [rows.x, rows.y], options(dir, { epochs: 3 }));
    assert.deepEqual(readdirSync(dir).sort(), ["last-epoch0003.safetensors", "last-epoch0003.state.safetensors", "last.json"]);
    const manifest = JSON.parse(readFileSync(join(dir, "last.json"), "utf8"));
    assert.equal(manifest.epoch, 3);
    const weights = await loadSafetensors(join(dir, manifest.weights));
    assert.deepEqual(Object.keys(weights.tensors).sort(), ["0.bias", "0.weight", "3.bias", "3.weight"]);
    const ckpt = await loadCheckpoint(join(dir, "last.json"));
    assert.deepEqual(Object.keys(ckpt.state.optimizer.state).length, 4);
    assert.deepEqual(ckpt.state.callbacks.map((c) => c.name), ["lrScheduler", "earlyStopping", "modelCheckpoint"]);
  });

  it("saveBestOnly writes `best` when the monitored value improves", async () => {
    const dir = tmpDir("best");
    const m = model(3);
    const history = await fit(m, [rows.x, rows.y], {
      ...options(dir, { epochs: 6 }), callbacks: [modelCheckpoint({ path: dir, monitor: "valAccuracy", saveBestOnly: true })],
    });
    const accs = history.epochs.map((e) => e.valAccuracy);
    const bestEpoch = accs.indexOf(Math.max(...accs)) + 1;
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".json")), ["best.json"]);
    const best = await loadCheckpoint(join(dir, "best.json"));
    assert.equal(best.epoch, bestEpoch);
    assert.deepEqual(best.monitor, { name: "valAccuracy", value: Math.max(...accs) });
    const restored = model(4);
    restored.loadStateDict(best.weights);
  });

  it("a NaN loss leaves the last good checkpoint intact", async () => {
    const dir = tmpDir("nan");
    const m = model(5);
    // NaN in training batch 25 (150 training rows: 10 batches per epoch); validation batches do not count.
    let batches = 0;
    const loss = (o: Tensor, t: Tensor) => {
      const l = F.binaryCrossEntropyWithLogits(o.squeeze(1), t);
      return m.training && ++batches === 25 ? l.mul(NaN) : l;
    };
    await assert.rejects(
      fit(m, [rows.x, rows.y], { ...options(dir), loss, task: "binary" }),
      (err: unknown) => err instanceof NonFiniteLossError && err.epoch === 3 && err.batch === 5,
    );
    const ckpt = await loadCheckpoint(join(dir, "last.json"));
    assert.equal(ckpt.epoch, 2);
    assert.equal(ckpt.state.history.length, 2);
    assert.ok(readdirSync(dir).every((f) => !f.endsWith(".tmp")));
  });

  it("refuses to resume with different stateful callbacks", async () => {
    const dir = tmpDir("mismatch");
    await fit(model(6), [rows.x, rows.y], options(dir, { epochs: 1 }));
    await assert.rejects(
      fit(model(6), [rows.x, rows.y], { ...options(dir), callbacks: [modelCheckpoint({ path: dir })], resume: join(dir, "last.json") }),
      /holds the state of the callbacks \[lrScheduler, earlyStopping, modelCheckpoint\], this run has \[lrScheduler, modelCheckpoint\]/,
    );
  });
});
