import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type Tensor, manualSeed, nn, optim, tensor } from "../../src/index.js";
import { type EpochLogs, earlyStopping, fit, jsonlLogger, lrSchedulerCallback, progressBar } from "../../src/train/index.js";
import { tmpDir, weightsOf } from "./train_helpers.js";

const quiet = { verbose: false } as const;
const x = tensor([[0, 1], [1, 0], [1, 1], [2, 1], [0, 2], [1, 2]]);
const y = tensor([1, 0, 2, 3, 1, 3]);

/** A custom metric that reports the given value for each epoch, whatever the model does. */
function scripted(values: number[]) {
  let epoch = 0;
  return { name: "score", fn: () => values[epoch++] };
}

/** A stream that records what is written to it. */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 100, write: (s: string) => chunks.push(s) } };
}

describe("earlyStopping", () => {
  it("stops after patience epochs without improvement and restores the best weights", async () => {
    manualSeed(0);
    const model = new nn.Linear(2, 1);
    const snapshots: Record<number, Record<string, number[]>> = {};
    const stopper = earlyStopping({ monitor: "score", patience: 2, restoreBest: true });
    const history = await fit(model, [x, y], {
      ...quiet, loss: "mse", epochs: 20, batchSize: 3, metrics: [scripted([5, 4, 3, 3.2, 2.9, 3.5, 3.6, 1])],
      callbacks: [stopper, { onEpochEnd: (e, _l, ctx) => void (snapshots[e] = weightsOf(ctx.model)) }],
    });
    // Epoch 4 does not improve, epoch 5 does (the count restarts), epochs 6 and 7 do not: stop.
    assert.deepEqual(history.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(stopper.bestEpoch, 5);
    assert.equal(stopper.stoppedEpoch, 7);
    assert.deepEqual(weightsOf(model), snapshots[5]);
    assert.notDeepEqual(snapshots[7], snapshots[5]);
  });

  it("mode auto maximises accuracy-like values; minDelta sets the smallest improvement", async () => {
    const stopper = earlyStopping({ monitor: "valAccuracy" });
    assert.equal(stopper.mode, "max");
    assert.equal(earlyStopping().mode, "min");
    const history = await fit(new nn.Linear(2, 1), [x, y], {
      ...quiet, loss: "mse", epochs: 10, batchSize: 6, metrics: [scripted([1, 0.95, 0.92, 0.5])],
      callbacks: [earlyStopping({ monitor: "score", mode: "min", minDelta: 0.04 })],
    });
    // 0.95 improves on 1 by more than 0.04; 0.92 does not, and patience is 0.
    assert.equal(history.epochs.length, 3);
  });

  it("names what the logs hold when the monitored value is missing", async () => {
    await assert.rejects(
      fit(new nn.Linear(2, 1), [x, y], { ...quiet, loss: "mse", callbacks: [earlyStopping()] }),
      /earlyStopping: the epoch logs have no "valLoss" \(they hold epoch, loss, lr, seconds\); give fit validation data/,
    );
  });
});

describe("LR schedules", () => {
  it("steps per epoch by default, per batch when asked, from an instance or a factory", async () => {
    const perEpoch = await fit(new nn.Linear(2, 1), [x, y], {
      ...quiet, loss: "mse", optimizer: { name: "sgd", lr: 0.1 }, epochs: 4, batchSize: 3,
      lrScheduler: (opt) => new optim.StepLR(opt, 2, { gamma: 0.5 }),
    });
    assert.deepEqual(perEpoch.epochs.map((e) => e.lr), [0.1, 0.1, 0.05, 0.05]);
    const perBatch = await fit(new nn.Linear(2, 1), [x, y], {
      ...quiet, loss: "mse", optimizer: { name: "sgd", lr: 0.1 }, epochs: 3, batchSize: 3,
      lrScheduler: { scheduler: (opt) => new optim.ExponentialLR(opt, 0.5), interval: "batch" },
    });
    // Two batches per epoch: the lr halves twice between epochs.
    assert.deepEqual(perBatch.epochs.map((e) => e.lr), [0.1, 0.025, 0.00625]);
  });

  it("feeds ReduceLROnPlateau the monitored value", async () => {
    const model = new nn.Linear(2, 1);
    const opt = new optim.SGD(model.parameters(), { lr: 1 });
    const history = await fit(model, [x, y], {
      ...quiet, loss: "mse", optimizer: opt, epochs: 6, batchSize: 6, metrics: [scripted([3, 2, 2, 2, 2, 2])],
      callbacks: [lrSchedulerCallback(new optim.ReduceLROnPlateau(opt, { patience: 1, factor: 0.5 }), { monitor: "score" })],
    });
    assert.deepEqual(history.epochs.map((e) => e.lr), [1, 1, 1, 1, 0.5, 0.5]);
  });
});

describe("progressBar", () => {
  const run = (stream: { isTTY: boolean; write: (s: string) => unknown }) =>
    fit(new nn.Linear(2, 1), [x, y], { loss: "mse", epochs: 3, batchSize: 2, callbacks: [progressBar({ stream, intervalMs: 0 })] });

  it("writes one plain line per epoch when the stream is not a terminal", async () => {
    const { chunks, stream } = sink(false);
    await run(stream);
    const lines = chunks.join("").split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, 3);
    lines.forEach((line, i) => assert.match(line, new RegExp(`^Epoch ${i + 1}/3 - \\d+\\.\\ds - loss \\d+\\.\\d{4} - lr 0\\.0010$`)));
    assert.ok(!chunks.join("").includes("\r"));
  });

  it("redraws a live bar with the batch, ETA and loss on a terminal", async () => {
    const { chunks, stream } = sink(true);
    await run(stream);
    const text = chunks.join("");
    assert.match(text, /\r\x1b\[2KEpoch 1\/3 \[=*>?\.*\] 1\/3 - ETA \d+\.\ds - loss \d+\.\d{4}/);
    assert.match(text, /\r\x1b\[2KEpoch 2\/3 \[=+\] 3\/3/);
    assert.equal(text.split("\n").length - 1, 3);
  });
});

describe("jsonlLogger", () => {
  it("writes one JSON line per epoch, NaN as null", async () => {
    const path = join(tmpDir("jsonl"), "history.jsonl");
    await fit(new nn.Linear(2, 1), [x, y], { ...quiet, loss: "mse", epochs: 2, batchSize: 6, metrics: [scripted([NaN, 1])], callbacks: [jsonlLogger(path)] });
    const rows = readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as EpochLogs);
    assert.deepEqual(rows.map((r) => [r.epoch, r.score]), [[1, null], [2, 1]]);
    assert.deepEqual(Object.keys(rows[0]), ["epoch", "loss", "score", "lr", "seconds"]);
  });
});

describe("user callbacks", () => {
  it("can stop training from onEpochEnd and read the context", async () => {
    const seen: number[] = [];
    const history = await fit(new nn.Linear(2, 1), [x, y], {
      ...quiet, loss: "mse", epochs: 10, batchSize: 6,
      callbacks: [{ onEpochEnd: (e, logs: EpochLogs, ctx) => {
        seen.push(ctx.history.epochs.length);
        if (logs.epoch === 2) ctx.stopTraining = true;
      } }],
    });
    assert.equal(history.epochs.length, 2);
    assert.deepEqual(seen, [1, 2]);
  });

  it("a custom metric sees the raw outputs and targets of the whole epoch", async () => {
    const shapes: string[] = [];
    await fit(new nn.Linear(2, 1), [x, y], {
      ...quiet, loss: "mse", epochs: 1, batchSize: 4,
      metrics: [{ name: "n", fn: (o: Tensor, t: Tensor) => (shapes.push(`${o.shape}|${t.shape}`), o.shape[0]) }],
    });
    assert.deepEqual(shapes, ["6,1|6"]);
  });
});
