import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { SafetensorsError, loadSafetensors, loadSafetensorsSync, parseSafetensors, readSafetensorsHeaderSync } from "../../src/io/index.js";
import { FIXTURES } from "../helpers.js";
import { bytes, entry, rawFile } from "./build.js";

const dir = mkdtempSync(join(tmpdir(), "lathe-hostile-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;

/**
 * Every reader must reject `file` with a SafetensorsError matching `message` that names the
 * file (and, given, the tensor): the in-memory parser, and the sync and async file loaders.
 */
async function rejects(file: Uint8Array, message: RegExp, tensor: string | null = null): Promise<void> {
  const path = join(dir, `bad${count++}.safetensors`);
  writeFileSync(path, file);
  const check = (source: string) => (e: unknown) => {
    assert.ok(e instanceof SafetensorsError, `expected a SafetensorsError, got ${e}`);
    assert.match(e.message, message);
    assert.ok(e.message.startsWith(`${source}: `), e.message);
    assert.equal(e.file, source);
    assert.equal(e.tensor, tensor);
    return true;
  };
  assert.throws(() => parseSafetensors(file, { source: "mem.safetensors" }), check("mem.safetensors"));
  assert.throws(() => loadSafetensorsSync(path), check(path));
  await assert.rejects(loadSafetensors(path), check(path));
}

const f32 = (n: number) => bytes(new Float32Array(n).fill(1));

describe("the header length", () => {
  test("a file shorter than 8 bytes", async () => {
    await rejects(new Uint8Array(5), /file is 5 bytes, too short to hold the 8-byte header length/);
    await rejects(new Uint8Array(0), /file is 0 bytes/);
  });

  test("over the 100 MB cap (Hugging Face's), e.g. 2^60", async () => {
    await rejects(rawFile({}, 0, { headerLength: 2n ** 60n }), /header length 1152921504606846976 is over the 100000000-byte limit/);
    await rejects(rawFile({}, 0, { headerLength: 100_000_001n }), /over the 100000000-byte limit/);
  });

  test("beyond the end of the file", async () => {
    await rejects(rawFile("{}", 0, { headerLength: 1000n }), /header length 1000 runs past the end of the file \(10 bytes\)/);
  });
});

describe("the JSON header", () => {
  test("not UTF-8", async () => {
    const raw = rawFile("{}  ");
    raw[10] = 0xff;
    await rejects(raw, /header is not valid UTF-8/);
  });

  test("not JSON", async () => {
    await rejects(rawFile('{"a": '), /header is not valid JSON/);
    await rejects(rawFile("{}\0\0\0\0\0\0"), /header is not valid JSON/);
  });

  test("not an object", async () => {
    await rejects(rawFile("[]"), /header must be a JSON object, got an array/);
    await rejects(rawFile("null"), /got null/);
    await rejects(rawFile('"x"'), /got string/);
  });

  test("a key twice (JSON.parse would keep the last one silently)", async () => {
    const e = JSON.stringify(entry("F32", [1], 0, 4));
    await rejects(rawFile(`{"a":${e},"a":${e}}`, 4), /header has the key "a" twice/);
    await rejects(rawFile(`{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}`, 4), /the key "dtype" twice in "a"/);
    await rejects(rawFile(`{"__metadata__":{"k":"1","k":"2"}}`), /the key "k" twice in "__metadata__"/);
  });

  test("metadata that is not an object of strings", async () => {
    await rejects(rawFile({ __metadata__: { format: 1 } }), /__metadata__ value for "format" must be a string, got number/);
    await rejects(rawFile({ __metadata__: { a: { b: "c" } } }), /value for "a" must be a string, got object/);
    await rejects(rawFile({ __metadata__: ["pt"] }), /__metadata__ must be an object of strings/);
  });
});

describe("a tensor entry", () => {
  test("not an object", async () => {
    await rejects(rawFile({ a: 5 }), /header entry must be an object with dtype, shape and data_offsets/, "a");
  });

  test("an unknown dtype", async () => {
    await rejects(rawFile({ a: entry("F17", [1], 0, 4) }, 4), /unknown dtype "F17"/, "a");
    await rejects(rawFile({ a: { shape: [1], data_offsets: [0, 4] } }, 4), /unknown dtype undefined/, "a");
  });

  test("shape entries that are not non-negative integers", async () => {
    for (const shape of [[-1], [1.5], ["3"], [2 ** 53], null, 3]) {
      await rejects(rawFile({ a: entry("F32", shape, 0, 4) }, 4), /shape must be an array of non-negative integers/, "a");
    }
  });

  test("data_offsets that are not two non-negative integers", async () => {
    await rejects(rawFile({ a: { dtype: "F32", shape: [1], data_offsets: [0] } }, 4), /data_offsets must be \[begin, end\]/, "a");
    await rejects(rawFile({ a: entry("F32", [1], -4, 0) }, 4), /data_offsets must be/, "a");
    await rejects(rawFile({ a: entry("F32", [1], 0, "4") }, 4), /data_offsets must be/, "a");
    // 2^64 does not survive JSON.parse as an integer: it is refused, not rounded.
    await rejects(rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551616]}}`, 4), /data_offsets must be/, "a");
    await rejects(rawFile({ a: entry("F32", [1], 4, 0) }, 4), /data_offsets \[4, 0\] end before they begin/, "a");
  });

  test("data_offsets beyond the data buffer", async () => {
    await rejects(rawFile({ a: entry("F32", [250], 0, 1000) }, 8), /data_offsets \[0, 1000\] run past the end of the data buffer \(8 bytes\)/, "a");
  });

  test("a byte size that is not numel × dtype size", async () => {
    await rejects(rawFile({ a: entry("F32", [3], 0, 8) }, 8), /shape \[3\] of F32 needs 12 bytes, but data_offsets \[0, 8\] hold 8/, "a");
    await rejects(rawFile({ a: entry("I64", [2, 2], 0, 16) }, 16), /needs 32 bytes/, "a");
  });

  test("a shape too large to count", async () => {
    await rejects(rawFile({ a: entry("F64", [2 ** 40, 2 ** 40], 0, 8) }, 8), /shape \[1099511627776, 1099511627776\] is too large/, "a");
  });
});

describe("the layout of the data buffer", () => {
  test("overlapping tensors", async () => {
    await rejects(rawFile({ a: entry("F32", [2], 0, 8), b: entry("F32", [2], 4, 12) }, 12), /data_offsets \[4, 12\] overlap those of tensor "a" \[0, 8\]/, "b");
    // Two tensors over the same bytes.
    await rejects(rawFile({ a: entry("F32", [1], 0, 4), b: entry("F32", [1], 0, 4) }, 4), /overlap those of tensor "a"/, "b");
  });

  test("a hole between tensors", async () => {
    await rejects(rawFile({ a: entry("F32", [1], 0, 4), b: entry("F32", [1], 8, 12) }, 12), /leave bytes 4\.\.8 of the data buffer to no tensor/, "b");
    await rejects(rawFile({ b: entry("F32", [1], 4, 8) }, 8), /leave bytes 0\.\.4/, "b");
  });

  test("bytes after the last tensor", async () => {
    await rejects(rawFile({ a: entry("F32", [1], 0, 4) }, 8), /the tensors cover 4 of the 8 bytes in the data buffer/);
    await rejects(rawFile({}, 3), /cover 0 of the 3 bytes/);
  });

  test("zero-size tensors may share an offset", () => {
    const r = parseSafetensors(rawFile({ a: entry("F32", [0], 0, 0), b: entry("F32", [2, 0], 0, 0), c: entry("F32", [1], 0, 4) }, f32(1)));
    assert.deepEqual(r.tensors.b.shape, [2, 0]);
    assert.deepEqual(Array.from(r.tensors.c.toArray()), [1]);
  });
});

describe("values that do not fit", () => {
  test("an I64 outside int32", async () => {
    await rejects(rawFile({ n: entry("I64", [2], 0, 16) }, bytes(new BigInt64Array([1n, 2n ** 32n]))), /element 1 = 4294967296 does not fit in int32/, "n");
    await rejects(rawFile({ n: entry("I64", [1], 0, 8) }, bytes(new BigInt64Array([-(2n ** 31n) - 1n]))), /element 0 = -2147483649 does not fit/, "n");
  });

  test("a BOOL byte other than 0 or 1", async () => {
    await rejects(rawFile({ m: entry("BOOL", [3], 0, 3) }, new Uint8Array([1, 0, 2])), /element 2 is 2, not a boolean/, "m");
  });

  test("an F64 beyond float32's range", async () => {
    await rejects(rawFile({ d: entry("F64", [2], 0, 16) }, bytes(new Float64Array([1, 1e300]))), /element 1 = 1e\+300 overflows float32/, "d");
  });

  test("a dtype Lathe does not read is an error for that tensor only", async () => {
    const file = rawFile({ a: entry("F32", [1], 0, 4), u: entry("U64", [1], 4, 12) }, 12);
    await rejects(file, /dtype U64 is not supported \(Lathe reads F32, F16, BF16, F64, I64, I32, I16, U16, I8, U8, BOOL\)/, "u");
    assert.deepEqual(Object.keys(parseSafetensors(file, { keys: ["a"] }).tensors), ["a"]);
  });
});

describe("no allocation of what a hostile file claims", () => {
  /** Runs `fn` (which must throw) and returns how much ArrayBuffer memory grew meanwhile. */
  function growth(fn: () => void): number {
    const before = process.memoryUsage().arrayBuffers;
    assert.throws(fn, SafetensorsError);
    return process.memoryUsage().arrayBuffers - before;
  }

  test("a header claiming a 2^60-byte header or a 4 TiB tensor fails fast", () => {
    const claims = [
      rawFile({}, 0, { headerLength: 2n ** 60n }),
      rawFile({ huge: entry("F32", [2 ** 20, 2 ** 20], 0, 2 ** 42) }, 16),
      rawFile({ huge: entry("F32", [2 ** 30, 2 ** 30], 0, 16) }, 16),
    ];
    for (const file of claims) {
      const path = join(dir, `claim${count++}.safetensors`);
      writeFileSync(path, file);
      assert.ok(growth(() => parseSafetensors(file)) < 1 << 20);
      assert.ok(growth(() => loadSafetensorsSync(path)) < 1 << 20);
      assert.ok(growth(() => readSafetensorsHeaderSync(path)) < 1 << 20);
    }
  });
});

describe("damaged real files", () => {
  const good = readFileSync(join(FIXTURES, "safetensors", "model.safetensors"));

  test("every truncation of a real file is rejected", () => {
    for (let n = 0; n < good.length; n++) {
      assert.throws(() => parseSafetensors(good.subarray(0, n)), SafetensorsError, `cut at ${n}`);
    }
  });

  test("a file grown by one byte is rejected", async () => {
    await rejects(Buffer.concat([good, Buffer.from([0])]), /the tensors cover \d+ of the \d+ bytes/);
  });

  test("random damage to the header gives a SafetensorsError or a valid file, never another error", () => {
    const headerEnd = 8 + Number(good.readBigUInt64LE(0));
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const bad = Buffer.from(good);
      for (let k = 1 + rand(3); k > 0; k--) bad[rand(headerEnd)] = rand(256);
      try {
        parseSafetensors(bad);
      } catch (e) {
        assert.ok(e instanceof SafetensorsError, `damage ${i}: ${e}`);
      }
    }
  });
});
