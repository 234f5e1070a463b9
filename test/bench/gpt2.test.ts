/**
 * The GPT2 workload's plumbing on a tiny model: the cached checkpoint, Lathe's child process
 * speaking the peer protocol, the rows it reports, and (where /usr/bin/python3 has torch) the
 * PyTorch script agreeing with Lathe's greedy tokens. Nothing here is timed.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { gpt2LathePeer, runOnce } from "../../bench/gpt2.js";
import { gpt2TorchPeer, torchMissing } from "../../bench/peers/torch.js";
import type { Plan, Sample } from "../../bench/plan.js";
import { LATHE, summarize } from "../../bench/report.js";
import { type Gpt2Shape, ensureGpt2Dir, idsAgreement } from "../../bench/workloads/gpt2.js";
import type { GPTConfigInit } from "../../src/llm/index.js";

const scratch = mkdtempSync(join(tmpdir(), "lathe-bench-gpt2-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const TINY: GPTConfigInit = { vocabSize: 64, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16, activation: "geluTanh" };
const PLAN: Plan = { rounds: 1, reps: 1, minTime: 0.001, longTime: 0.001, gemmSizes: [], quick: true, peerTimeout: 60 };
const SHAPE: Gpt2Shape = { promptTokens: 5, newTokens: 6 };
const dir = join(scratch, "tiny");

const generation = (samples: Sample[]) => samples.find((s) => s.config === `generate, KV cache, ${SHAPE.newTokens} tokens`);

describe("GPT2 workload", () => {
  test("the checkpoint is made once, atomically, and reused", async () => {
    assert.deepEqual(await ensureGpt2Dir(dir, TINY), { created: true });
    assert.deepEqual(await ensureGpt2Dir(dir, TINY), { created: false });
    assert.deepEqual(readdirSync(scratch), ["tiny"]);  // no temporary directory left behind
    assert.deepEqual(readdirSync(dir).sort(), ["config.json", "model.safetensors"]);
  });

  test("a directory without the weights is an error, not a silent rebuild", async () => {
    const broken = join(scratch, "broken");
    mkdirSync(broken);
    await assert.rejects(ensureGpt2Dir(broken, TINY), /has no config\.json; delete the directory/);
  });

  let lathe: Sample[] = [];

  test("Lathe's child process reports load, memory, prefill and generation", async () => {
    await ensureGpt2Dir(dir, TINY);
    const run = await runOnce(gpt2LathePeer(PLAN, dir, SHAPE), PLAN);
    assert.equal(run.error, null);
    lathe = run.samples;
    assert.deepEqual(lathe.map((s) => s.config), [
      "load (cold)", "RSS after load", "RSS added by load", "peak RSS through load", "ArrayBuffers after load",
      `prefill, ${SHAPE.promptTokens} tokens`, `generate, KV cache, ${SHAPE.newTokens} tokens`,
    ]);
    for (const s of lathe) {
      assert.equal(s.peer, LATHE);
      const values = s.values ?? s.seconds;
      assert.ok(values.length > 0 && values.every(Number.isFinite), `${s.config}: ${values}`);
    }
    const ids = generation(lathe)?.extra?.ids as number[];
    assert.equal(ids.length, SHAPE.newTokens);
    assert.ok(ids.every((id) => Number.isInteger(id) && id >= 0 && id < TINY.vocabSize));
  });

  test("PyTorch on the same checkpoint generates Lathe's tokens", { skip: torchMissing() ?? false }, async () => {
    await ensureGpt2Dir(dir, TINY);
    const run = await runOnce(gpt2TorchPeer(PLAN, dir, SHAPE), PLAN);
    assert.equal(run.error, null);
    assert.deepEqual(run.samples.map((s) => s.config), lathe.map((s) => s.config).filter((c) => !c.startsWith("ArrayBuffers")));
    assert.deepEqual(idsAgreement(generation(lathe), generation(run.samples)), { agree: SHAPE.newTokens, of: SHAPE.newTokens });
  });
});

test("measurements that are not rates are reported as they are", () => {
  const [row] = summarize([{ workload: "GPT2", peer: LATHE, config: "load (cold)", variant: "", metric: "s, lower is better", work: 1, seconds: [], values: [3, 1, 2] }]);
  assert.equal(row.median, 2);
  assert.equal(row.n, 3);
});

test("idsAgreement counts the shared leading ids", () => {
  const gen = (ids: number[]): Sample => ({ workload: "GPT2", peer: LATHE, config: "g", variant: "", metric: "tokens/s", work: 1, seconds: [1], extra: { ids } });
  assert.deepEqual(idsAgreement(gen([1, 2, 3]), gen([1, 2, 4])), { agree: 2, of: 3 });
  assert.equal(idsAgreement(gen([1]), undefined), null);
});
