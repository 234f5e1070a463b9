import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { tensor } from "../../src/index.js";
import { saveSafetensors, saveSafetensorsSync, writeFileAtomic, writeFileAtomicSync } from "../../src/io/index.js";

const root = mkdtempSync(join(tmpdir(), "lathe-atomic-"));
after(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
function freshDir(): string {
  const dir = join(root, `d${count++}`);
  mkdirSync(dir);
  return dir;
}

/** Chunks that fail after the first one, like a writer that dies midway. */
function* failingChunks(): Generator<Uint8Array> {
  yield Buffer.from("partial ");
  throw new Error("producer failed");
}

const variants = [
  { name: "writeFileAtomic", write: (p: string, d: Parameters<typeof writeFileAtomic>[1]) => writeFileAtomic(p, d) },
  { name: "writeFileAtomicSync", write: async (p: string, d: Parameters<typeof writeFileAtomic>[1]) => writeFileAtomicSync(p, d) },
];

for (const { name, write } of variants) {
  describe(name, () => {
    test("writes text, bytes and chunk sequences, replacing what was there", async () => {
      const dir = freshDir();
      const path = join(dir, "out.txt");
      await write(path, "héllo");
      assert.equal(readFileSync(path, "utf8"), "héllo");
      await write(path, new Uint8Array([1, 2, 3]));
      assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
      await write(path, [Buffer.from("a"), new Uint8Array(0), Buffer.from("bc")]);
      assert.equal(readFileSync(path, "utf8"), "abc");
      assert.deepEqual(readdirSync(dir), ["out.txt"]);
    });

    test("a failure midway leaves the old file and no temporary file", async () => {
      const dir = freshDir();
      const path = join(dir, "model.bin");
      writeFileSync(path, "old");
      await assert.rejects(write(path, failingChunks()), /producer failed/);
      assert.equal(readFileSync(path, "utf8"), "old");
      assert.deepEqual(readdirSync(dir), ["model.bin"]);
    });

    test("a failed rename (the target is a directory) cleans up", async () => {
      const dir = freshDir();
      mkdirSync(join(dir, "taken"));
      writeFileSync(join(dir, "taken", "keep"), "x");
      await assert.rejects(write(join(dir, "taken"), "data"), { code: /EISDIR|ENOTEMPTY|EEXIST|EPERM/ });
      assert.deepEqual(readdirSync(dir), ["taken"]);
    });

    test("a missing directory is the file system's error", async () => {
      await assert.rejects(write(join(root, "no", "such", "dir", "f"), "x"), { code: "ENOENT" });
    });
  });
}

describe("saveSafetensors", () => {
  test("writes atomically: a refused save leaves the old file as it was", async () => {
    const dir = freshDir();
    const path = join(dir, "w.safetensors");
    await saveSafetensors(path, { w: tensor([1, 2]) });
    const before = readFileSync(path);
    await assert.rejects(saveSafetensors(path, { w: "not a tensor" as never }), TypeError);
    assert.throws(() => saveSafetensorsSync(path, { w: tensor([1]) }, { dtypes: { w: "I64" } }), TypeError);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(dir), ["w.safetensors"]);
  });
});
