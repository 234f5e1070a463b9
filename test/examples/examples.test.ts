import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { main as breastCancer } from "../../examples/breast_cancer_mlp.js";
import { main as lenet } from "../../examples/lenet_digits.js";
import { REPO } from "../helpers.js";

const quiet = () => {};

test("breast-cancer MLP reaches >= 95% held-out accuracy with the default seed", () => {
  const r = breastCancer(50, 0, quiet);
  assert.ok(r.testAccuracy >= 0.95, `accuracy ${r.testAccuracy}`);
});

test("the same seed gives the same model", () => {
  const a = breastCancer(3, 7, quiet);
  const b = breastCancer(3, 7, quiet);
  assert.equal(a.trainLoss, b.trainLoss);
});

test("LeNet's loss falls on the digits", () => {
  const r = lenet(3, 0, quiet);
  assert.ok(r.epochLosses[2] < 0.7 * r.epochLosses[0], `losses ${r.epochLosses}`);
});

test("lathe demo runs end to end and prints the test accuracy", () => {
  const dir = mkdtempSync(join(tmpdir(), "lathe-demo-"));
  try {
    const out = execFileSync(process.execPath, [join(REPO, "dist", "src", "cli", "main.js"), "demo", "--epochs", "5", "--out", join(dir, "bundle")], { encoding: "utf8" });
    assert.match(out, /test accuracy \d+\.\d%/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("lathe rejects a bad option with a clear message", () => {
  assert.throws(
    () => execFileSync(process.execPath, [join(REPO, "dist", "src", "cli", "main.js"), "demo", "--epochs", "x"], { encoding: "utf8", stdio: "pipe" }),
    (e: { stderr: string }) => /expected a non-negative integer/.test(e.stderr),
  );
});
