import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { tmpDir } from "../data/tmp.js";
import { BREAST_CANCER, json, lathe, oneLineError, start } from "./cli_helpers.js";

const tmp = tmpDir("cli-resume");
// Wide layers make each epoch take long enough that the kill lands mid-run; early stopping
// stays on (with its best weights in the checkpoints) but never stops this run.
const config = tmp.write("run.yaml", "model: { hidden: [256, 256] }\ntraining: { earlyStopping: { patience: 100 } }\n");
const args = (out: string) => ["train", "--data", BREAST_CANCER, "--target", "diagnosis", "--config", config, "--epochs", "30", "--out", out];

/** Starts a run and kills it (SIGKILL: no cleanup) once epoch 2 has begun, i.e. after epoch 1's checkpoint. */
function killedRun(out: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = start(args(out));
    let stderr = "";
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
      if (/^Epoch 2\//m.test(stderr)) child.kill("SIGKILL");
    });
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
}

test("a run killed after its first checkpoint resumes with --resume to exactly the weights of an uninterrupted run", async () => {
  const whole = tmp.path("whole");
  const killed = tmp.path("killed");
  const [uninterrupted, stopped] = await Promise.all([json(args(whole)), killedRun(killed)]);
  assert.equal(stopped.signal, "SIGKILL", "the run was killed before it finished");
  assert.ok(!existsSync(`${killed}/lathe.json`), "no bundle from the killed run");
  assert.ok(existsSync(`${killed}/checkpoints/last.json`));

  const resumed = await json([...args(killed), "--resume"]);
  assert.deepEqual(readFileSync(`${killed}/model.safetensors`), readFileSync(`${whole}/model.safetensors`));
  assert.deepEqual(resumed.metrics, uninterrupted.metrics);
  assert.equal(resumed.epochs, 30);
  assert.equal(resumed.bestEpoch, uninterrupted.bestEpoch);
});

test("--resume may train for more epochs, but refuses other settings and a run without checkpoints", async () => {
  const out = tmp.path("short");
  await json(["train", "--data", BREAST_CANCER, "--target", "diagnosis", "--epochs", "1", "--out", out]);
  const longer = await json(["train", "--data", BREAST_CANCER, "--target", "diagnosis", "--epochs", "2", "--out", out, "--resume"]);
  assert.equal(longer.epochs, 2);
  oneLineError(await lathe(["train", "--data", BREAST_CANCER, "--target", "diagnosis", "--epochs", "2", "--seed", "5", "--out", out, "--resume"]), /cannot resume: .*other data, target or settings/);
  oneLineError(await lathe(["train", "--data", BREAST_CANCER, "--target", "diagnosis", "--out", tmp.path("none"), "--resume"]), /nothing to resume: .*last\.json does not exist/);
});
