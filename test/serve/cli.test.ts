import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { io } from "../../src/index.js";
import { CharTokenizer, GPT, saveBundle } from "../../src/llm/index.js";
import { REPO } from "../helpers.js";
import { type Answer, assertSamePredictions, call, goodRow, makeBundle, predict, tempDir } from "./helpers.js";

const LATHE = join(REPO, "dist", "src", "cli", "main.js");
const tmp = tempDir();
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  tmp.remove();
});

interface Running {
  proc: ChildProcess;
  url: string;
  /** Log lines (JSON, from Fastify's logger) so far. */
  logs: string[];
  exit: Promise<number | null>;
}

/** `lathe serve …` as a subprocess on a free loopback port; resolves once it listens. */
function serveCli(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const proc = spawn(process.execPath, [LATHE, "serve", ...args, "--port", "0", "--workers", "1"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(proc);
  const logs: string[] = [];
  const exit = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  let pending = "";
  proc.stdout!.on("data", (d: Buffer) => {
    pending += d;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    logs.push(...lines);
  });
  return new Promise((resolve, reject) => {
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => {
      stderr += d;
      const m = /lathe serve: serving .* at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr);
      if (m) resolve({ proc, url: m[1], logs, exit });
    });
    void exit.then((code) => reject(new Error(`lathe serve exited with ${code} before listening: ${stderr}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(ready: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await ready()) return;
    await sleep(20);
  }
  assert.fail(`timed out waiting for ${what}`);
}

const rows = Array.from({ length: 10 }, (_, i) => goodRow(i));
const NAMES = ["age", "income", "color", "city", "member", "since"];

function csv(): string {
  const cell = (v: unknown) => (v === null ? "" : String(v));
  return [NAMES.join(","), ...rows.map((r) => NAMES.map((n) => cell(r[n])).join(","))].join("\n") + "\n";
}

test("lathe serve answers as lathe predict does, reloads on SIGHUP, and on SIGTERM answers what it accepted and exits 0", async () => {
  const dir = await makeBundle(join(tmp.dir, "model"), { seed: 1 });
  writeFileSync(join(tmp.dir, "rows.csv"), csv());
  execFileSync(process.execPath, [LATHE, "predict", dir, "--data", join(tmp.dir, "rows.csv"), "--out", join(tmp.dir, "p.jsonl")], { stdio: "pipe" });
  const cliPredictions = readFileSync(join(tmp.dir, "p.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));

  // A long batching delay keeps requests inside the server when the signal arrives.
  const s = await serveCli([dir, "--max-delay-ms", "300", "--log-level", "info"]);
  const served = await predict(s, "model", rows);
  assert.equal(served.status, 200);
  // One request holding the same rows is one batch, the same computation as lathe predict's.
  assert.deepEqual(
    served.body.predictions,
    cliPredictions.map((p: { prediction: unknown; probabilities: unknown }) => ({ label: p.prediction, probabilities: p.probabilities })),
  );

  await makeBundle(dir, { seed: 2 });
  s.proc.kill("SIGHUP");
  await until(async () => (await call(s, "GET", "/v1/models/model")).body.version === 2, "the SIGHUP reload");
  const reloaded = await predict(s, "model", rows);
  assert.deepEqual(reloaded.body.predictions, (await io.loadModel(dir)).predictRecords(rows));

  const incoming = () => s.logs.filter((l) => l.includes('"incoming request"')).length;
  const seen = incoming();
  const inFlight = rows.map((row) => predict(s, "model", [row]));
  await until(() => incoming() >= seen + rows.length, "the requests to arrive");
  s.proc.kill("SIGTERM");
  const answers: Answer[] = await Promise.all(inFlight);
  const expected = (await io.loadModel(dir)).predictRecords(rows);
  answers.forEach((a, i) => {
    assert.equal(a.status, 200);
    assertSamePredictions(a.body.predictions, [expected[i]]);
  });
  assert.equal(await s.exit, 0);
  assert.ok(s.logs.some((l) => l.includes("SIGTERM: finishing requests in flight")));
});

test("an API key from LATHE_API_KEY is required; SIGINT stops the server with exit code 0", async () => {
  const dir = await makeBundle(join(tmp.dir, "keyed"), { seed: 1 });
  const s = await serveCli([`secured=${dir}`, "--host", "127.0.0.1", "--log-level", "warn"], { LATHE_API_KEY: "k3y" });
  assert.equal((await predict(s, "secured", rows)).status, 401);
  assert.equal((await predict(s, "secured", rows, { authorization: "Bearer k3y" })).status, 200);
  s.proc.kill("SIGINT");
  assert.equal(await s.exit, 0);
});

test("without an API key or --host, lathe serve listens on 127.0.0.1 only", async () => {
  const dir = await makeBundle(join(tmp.dir, "local"), { seed: 1 });
  const s = await serveCli([dir]);
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:/);
  s.proc.kill("SIGTERM");
  assert.equal(await s.exit, 0);
});

test("a bundle that cannot be loaded stops lathe serve with one line and exit code 1", () => {
  const r = (() => {
    try {
      execFileSync(process.execPath, [LATHE, "serve", join(tmp.dir, "missing"), "--port", "0"], { stdio: "pipe", encoding: "utf8" });
      return null;
    } catch (e) {
      return e as { status: number; stderr: string };
    }
  })();
  assert.ok(r, "lathe serve started without a bundle");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: cannot load model "missing" from .*missing: .*no such model bundle directory\n$/);
});

test("lathe serve serves a language model: :generate gives lathe lm generate's text, within --max-new-tokens", async () => {
  const dir = join(tmp.dir, "tiny-lm");
  const tok = CharTokenizer.fromText("To be, or not to be: that is the question.\n");
  await saveBundle(dir, new GPT({ vocabSize: tok.vocabSize, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16 }, { seed: 2 }), { tokenizer: tok });
  const cli = execFileSync(process.execPath, [LATHE, "lm", "generate", dir, "--prompt", "To be", "--max-new-tokens", "30", "--seed", "3"], { encoding: "utf8" });
  const s = await serveCli([dir, "--max-new-tokens", "30", "--log-level", "warn"]);
  const r = await call(s, "POST", "/v1/models/tiny-lm:generate", { prompt: "To be", max_new_tokens: 30, seed: 3 });
  assert.equal(r.status, 200);
  assert.equal(`To be${r.body.text}\n`, cli);
  const over = await call(s, "POST", "/v1/models/tiny-lm:generate", { prompt: "To be", max_new_tokens: 31 });
  assert.deepEqual([over.status, over.body.error.field], [400, "max_new_tokens"]);
  s.proc.kill("SIGTERM");
  assert.equal(await s.exit, 0);
});
