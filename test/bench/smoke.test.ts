/**
 * Keeps the benchmark's workloads and report from rotting: one step of each workload at a
 * tiny size, and a report made from made-up samples. Nothing here is timed.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Sample } from "../../bench/plan.js";
import { LATHE, formatTable, summarize } from "../../bench/report.js";
import { gemmStep } from "../../bench/workloads/lathe_gemm.js";
import { W4_CONFIG, gptGenerate, gptTrainStep } from "../../bench/workloads/lathe_gpt.js";
import { lenetInferStep, lenetTrainStep } from "../../bench/workloads/lathe_lenet.js";
import { mlpTrainStep } from "../../bench/workloads/lathe_mlp.js";
import type { Tensor } from "../../src/index.js";

function assertFiniteLoss(loss: Tensor): void {
  assert.deepEqual(loss.shape, []);
  assert.ok(Number.isFinite(loss.item()), `loss ${loss.item()}`);
}

describe("bench workloads run one step", () => {
  test("W1 GEMM", () => {
    assert.deepEqual(gemmStep(8)().shape, [8, 8]);
  });

  test("W2 MLP training step", () => {
    assertFiniteLoss(mlpTrainStep(4)());
  });

  test("W3 LeNet training step and inference", () => {
    assertFiniteLoss(lenetTrainStep(2)());
    assert.deepEqual(lenetInferStep(2)().shape, [2, 10]);
  });

  const tiny = { ...W4_CONFIG, blockSize: 8, nLayer: 1, nEmbd: 16, nHead: 2 };

  test("W4 GPT training step", () => {
    assertFiniteLoss(gptTrainStep(tiny, 2)());
  });

  test("W4 generation with and without the KV cache gives the same tokens, past the context length", () => {
    const kv = gptGenerate(tiny, 12, true)();
    assert.equal(kv.length, 12);
    assert.deepEqual(gptGenerate(tiny, 12, false)(), kv);
  });
});

test("the report gives medians and Lathe/peer ratios, taking a peer's fastest variant", () => {
  const sample = (peer: string, variant: string, seconds: number[]): Sample =>
    ({ workload: "W2", peer, config: "batch=32", variant, metric: "steps/s", work: 1, seconds });
  const rows = summarize([
    sample(LATHE, "", [0.001, 0.002, 0.004]),
    sample("tfjs-wasm", "minimize", [0.004]),
    sample("tfjs-wasm", "trainOnBatch", [0.002]),
  ]);
  const lathe = rows.find((r) => r.peer === LATHE);
  assert.equal(lathe?.median, 500);
  assert.equal(lathe?.n, 3);
  const table = formatTable(rows, ["tfjs-wasm"], { name: "js", isa: "n/a", threads: 1, peakGflops: null });
  assert.match(table, /W2\s+batch=32\s+steps\/s\s+500\s+500 \(1\.00×\)/);
});
