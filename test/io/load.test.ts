import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { tensor } from "../../src/index.js";
import {
  SafetensorsError,
  loadSafetensors,
  loadSafetensorsSync,
  parseSafetensors,
  readSafetensorsHeader,
  readSafetensorsHeaderSync,
  saveSafetensorsSync,
} from "../../src/io/index.js";
import { FIXTURES } from "../helpers.js";
import { bytes, entry, rawFile } from "./build.js";

const dir = mkdtempSync(join(tmpdir(), "lathe-load-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const DTYPES = join(FIXTURES, "safetensors", "dtypes.safetensors");

describe("loadSafetensors (reading each tensor at its offset)", () => {
  test("sync and async loads equal the in-memory parse", async () => {
    const expected = parseSafetensors(readFileSync(DTYPES));
    for (const r of [loadSafetensorsSync(DTYPES), await loadSafetensors(DTYPES)]) {
      assert.deepEqual(r.metadata, expected.metadata);
      assert.deepEqual(Object.keys(r.tensors), Object.keys(expected.tensors));
      for (const [name, t] of Object.entries(expected.tensors)) {
        assert.equal(r.tensors[name].dtype, t.dtype, name);
        assert.deepEqual(r.tensors[name].shape, t.shape, name);
        assert.deepEqual(r.tensors[name].toArray(), t.toArray(), name);
      }
    }
  });

  test("each tensor gets storage of its own, not a view on a file-sized buffer", () => {
    for (const t of Object.values(loadSafetensorsSync(DTYPES).tensors)) assert.equal(t.data.buffer.byteLength, t.data.byteLength);
  });

  test("keys loads a subset, with the dtype mapping applied", async () => {
    const r = await loadSafetensors(DTYPES, { keys: ["i64", "bool"], dtypes: { I64: "float32" } });
    assert.deepEqual(Object.keys(r.tensors), ["bool", "i64"]);
    assert.equal(r.tensors.i64.dtype, "float32");
    assert.equal(r.tensors.bool.dtype, "bool");
    await assert.rejects(loadSafetensors(DTYPES, { keys: ["nope"] }), /dtypes\.safetensors: no tensor named "nope"; the file holds: bf16, bool, empty, f16, /);
  });

  test("bad options are refused before the file is opened", async () => {
    await assert.rejects(loadSafetensors(join(dir, "missing.safetensors"), { dtypes: { F16: "int32" } }), TypeError);
  });

  test("a missing file is the file system's error", async () => {
    assert.throws(() => loadSafetensorsSync(join(dir, "missing.safetensors")), { code: "ENOENT" });
    await assert.rejects(loadSafetensors(join(dir, "missing.safetensors")), { code: "ENOENT" });
  });

  test("tensors larger than the read chunk convert correctly across chunk boundaries", async () => {
    // 5M half floats (10 MB) span two 8 MB chunks; each value is 1 + k/1024 for k = i mod 1024.
    const n = 5_000_000;
    const half = new Uint16Array(n);
    const brain = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      half[i] = 0x3c00 + (i % 1024);
      brain[i] = 0x3f80 + (i % 128); // bfloat16: 1 + k/128
    }
    const data = new Uint8Array(4 * n);
    data.set(bytes(half), 0);
    data.set(bytes(brain), 2 * n);
    const path = join(dir, "big.safetensors");
    writeFileSync(path, rawFile({ h: entry("F16", [n], 0, 2 * n), b: entry("BF16", [n], 2 * n, 4 * n) }, data));
    const r = await loadSafetensors(path);
    const h = r.tensors.h.data;
    const b = r.tensors.b.data;
    for (let i = 0; i < n; i++) {
      if (h[i] !== 1 + (i % 1024) / 1024) assert.fail(`F16 element ${i}: ${h[i]}`);
      if (b[i] !== 1 + (i % 128) / 128) assert.fail(`BF16 element ${i}: ${b[i]}`);
    }
  });

  test("a value that does not fit is reported with its element index across chunks", () => {
    const n = 1_200_000; // 9.6 MB of I64: the bad value sits in the second chunk
    const words = new BigInt64Array(n);
    words[n - 1] = 2n ** 40n;
    const path = join(dir, "i64.safetensors");
    writeFileSync(path, rawFile({ x: entry("I64", [n], 0, 8 * n) }, bytes(words)));
    assert.throws(() => loadSafetensorsSync(path), (e: Error) =>
      e instanceof SafetensorsError && e.tensor === "x" && new RegExp(`element ${n - 1} = 1099511627776 does not fit in int32`).test(e.message));
  });
});

describe("readSafetensorsHeader", () => {
  test("names, dtypes, shapes, offsets and metadata, without the tensors", async () => {
    const path = join(dir, "h.safetensors");
    saveSafetensorsSync(path, { w: tensor([[1, 2, 3]]), step: tensor(4, { dtype: "int32" }) }, { metadata: { format: "pt" }, dtypes: { step: "I64" } });
    for (const h of [readSafetensorsHeaderSync(path), await readSafetensorsHeader(path)]) {
      assert.deepEqual(h.metadata, { format: "pt" });
      assert.deepEqual(h.tensors, {
        step: { dtype: "I64", shape: [], dataOffsets: [0, 8] },
        w: { dtype: "F32", shape: [1, 3], dataOffsets: [8, 20] },
      });
      assert.equal(h.dataStart % 8, 0);
      assert.equal(h.dataStart + 20, readFileSync(path).length);
    }
  });
});
