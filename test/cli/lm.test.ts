import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { REPO } from "../helpers.js";

const CLI = join(REPO, "dist", "src", "cli", "main.js");
const TEXT = join(REPO, "test", "llm", "data", "tinyshakespeare_head.txt");

const scratch = mkdtempSync(join(tmpdir(), "lathe-cli-lm-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const CONFIG = join(scratch, "tiny.yaml");
writeFileSync(CONFIG, `# a tiny model for tests
model: { blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16 }
train:
  batchSize: 4
  evalInterval: 2
  evalBatches: 1
  warmupSteps: 1
  sampleTokens: 5
`);

function lathe(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "lm", ...args], { encoding: "utf8", cwd: scratch });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The command failed with exactly one error line of its own, no stack trace. */
function assertOneError(r: ReturnType<typeof lathe>, pattern: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  const ours = r.stderr.split("\n").filter((l) => l.startsWith("lathe lm"));
  assert.equal(ours.length, 1, r.stderr);
  assert.match(ours[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe("lathe lm", () => {
  const run = join(scratch, "run");

  test("train writes a checkpoint, generate streams from it, and train --resume continues it", () => {
    const t = lathe("train", "--text", TEXT, "--config", CONFIG, "--out", run, "--steps", "4", "--seed", "1");
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /training a new model: GPT 1 layers, 2 heads, 16 wide, context 16/);
    assert.match(t.stdout, /step 4: train loss [\d.]+, val loss [\d.]+/);
    assert.match(t.stdout, /done at step 4, validation loss [\d.]+/);
    assert.ok(existsSync(join(run, "checkpoint", "model.safetensors")));

    const g = lathe("generate", run, "--prompt", "First", "--max-new-tokens", "30", "--seed", "2");
    assert.equal(g.status, 0, g.stderr);
    assert.ok(g.stdout.startsWith("First") && g.stdout.length === "First".length + 30 + 1, JSON.stringify(g.stdout));
    assert.equal(lathe("generate", join(run, "checkpoint"), "--prompt", "First", "--max-new-tokens", "30", "--seed", "2").stdout, g.stdout);

    const r = lathe("train", "--text", TEXT, "--out", run, "--resume", "--steps", "6");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /resuming at step 4/);
    assert.match(r.stdout, /done at step 6/);
  });

  test("generate --stop ends the text right after the stop string", () => {
    const g = lathe("generate", run, "--prompt", "A", "--max-new-tokens", "300", "--stop", "e", "--seed", "5");
    assert.equal(g.status, 0, g.stderr);
    const added = g.stdout.slice(1, -1);
    assert.ok(added.endsWith("e") && added.indexOf("e") === added.length - 1, JSON.stringify(added));
  });

  test("tokenizer trains a byte-level BPE that train and generate then use", () => {
    const tok = join(scratch, "bpe");
    const t = lathe("tokenizer", "--text", TEXT, "--vocab-size", "300", "--out", tok);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /byte-level BPE of 300 tokens \(43 merges\)/);
    assert.ok(existsSync(join(tok, "vocab.json")) && existsSync(join(tok, "merges.txt")));

    const out = join(scratch, "bpe-run");
    const r = lathe("train", "--text", TEXT, "--config", CONFIG, "--tokenizer", tok, "--out", out, "--steps", "2");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /BPE tokenizer of 300 tokens/);
    const g = lathe("generate", out, "--prompt", "Citizen é", "--max-new-tokens", "10");
    assert.equal(g.status, 0, g.stderr);
    assert.ok(g.stdout.startsWith("Citizen é"));
  });

  test("bad input gets one clear error line and a non-zero exit", () => {
    assertOneError(lathe("train", "--text", "nope.txt", "--steps", "1"), /^lathe lm train: cannot read nope\.txt: no such file$/);
    const bad = join(scratch, "bad.json");
    writeFileSync(bad, JSON.stringify({ train: { lrr: 0.1 } }));
    assertOneError(lathe("train", "--text", TEXT, "--config", bad, "--out", join(scratch, "x")), /bad\.json: train: unknown key lrr \(known: batchSize,/);
    writeFileSync(bad, JSON.stringify({ model: { nLayers: 2 } }));
    assertOneError(lathe("train", "--text", TEXT, "--config", bad, "--out", join(scratch, "x")), /bad\.json: model: unknown key nLayers/);
    assertOneError(lathe("train", "--text", TEXT, "--out", run, "--steps", "2"), /already holds a run; pass --resume/);
    assertOneError(lathe("train", "--text", TEXT, "--out", run, "--resume", "--lr", "0.1"), /drop --lr \(only --steps or --minutes may change\)/);
    assertOneError(lathe("generate", join(scratch, "missing")), /missing does not exist/);
    assertOneError(lathe("generate", run, "--prompt", "§"), /the character "§" \(U\+00A7\) at index 0 is not in the vocabulary/);
  });
});
