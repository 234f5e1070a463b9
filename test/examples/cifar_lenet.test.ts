import assert from "node:assert/strict";
import { test } from "node:test";
import { main } from "../../examples/cifar_lenet.js";
import { tmpDir } from "../data/tmp.js";

test("without CIFAR-10 files the example says so and LeNet learns MNIST padded to 32×32", () => {
  const empty = tmpDir("no-cifar");
  const lines: string[] = [];
  // Reduced: 400 training images, a larger learning rate so two short epochs show learning.
  const r = main({ cifarDir: empty.path(""), epochs: 2, trainSize: 400, testSize: 200, lr: 0.005, log: (l) => lines.push(l) });
  assert.equal(r.dataset, "mnist");
  assert.match(lines.join("\n"), /CIFAR-10 binary files not found in .*\nTraining on MNIST/);
  assert.deepEqual([r.trainImages, r.testImages], [400, 200]);
  assert.ok(r.epochLosses[1] < 0.8 * r.epochLosses[0], `losses ${r.epochLosses}`);
  assert.ok(r.testAccuracy > 0.4, `accuracy ${r.testAccuracy} (chance is 0.1)`);
  assert.match(lines.at(-1)!, /^test accuracy \d+\.\d% \(\d+\/200\)$/);
});

/** A CIFAR-10 batch file of n records: a label byte, then 3×32×32 pixel bytes. */
function fakeBatch(n: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(n * 3073);
  let s = seed;
  for (let i = 0; i < bytes.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    bytes[i] = i % 3073 === 0 ? (s >>> 16) % 10 : s >>> 24;
  }
  return bytes;
}

test("with CIFAR-10 binary files in the directory the example trains on them", () => {
  const dir = tmpDir("cifar");
  for (let i = 1; i <= 5; i++) dir.write(`data_batch_${i}.bin`, fakeBatch(24, i));
  dir.write("test_batch.bin", fakeBatch(12, 9));
  const lines: string[] = [];
  const r = main({ cifarDir: dir.path(""), epochs: 1, trainSize: 40, log: (l) => lines.push(l) });
  assert.equal(r.dataset, "cifar10");
  assert.deepEqual([r.trainImages, r.testImages], [40, 12], "the subset spans two batch files");
  assert.ok(Number.isFinite(r.epochLosses[0]));
  assert.doesNotMatch(lines.join("\n"), /MNIST/);
});
