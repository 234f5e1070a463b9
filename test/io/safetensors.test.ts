import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Tensor, arange, tensor } from "../../src/index.js";
import { SafetensorsError, parseSafetensors, serializeSafetensors } from "../../src/io/index.js";
import { bytes, entry, rawFile } from "./build.js";

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

/** The JSON header of a serialized file, without its padding. */
function headerOf(b: Uint8Array): { text: string; length: number } {
  const length = Number(Buffer.from(b).readBigUInt64LE(0));
  return { text: Buffer.from(b.subarray(8, 8 + length)).toString("utf8"), length };
}

describe("serializeSafetensors: the Hugging Face layout", () => {
  test("one F32 tensor: compact JSON, length-prefixed, data after", () => {
    const b = serializeSafetensors({ "attn.0": tensor([0, 1, 2, 3, 4, 5], { shape: [1, 2, 3] }) });
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    assert.equal(json.length, 64);
    assert.equal(b.length, 8 + 64 + 24);
    assert.deepEqual([...b.subarray(0, 8)], [64, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(latin1(b.subarray(8, 72)), json);
    assert.deepEqual([...new Float32Array(b.slice(72).buffer)], [0, 1, 2, 3, 4, 5]);
  });

  test("the header is padded with spaces to a multiple of 8", () => {
    const b = serializeSafetensors({ attn0: tensor([0, 1, 2, 3, 4, 5], { shape: [1, 1, 2, 3] }) });
    const { text, length } = headerOf(b);
    assert.equal(length, 72);
    assert.equal(text, '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ');
  });

  test("no tensors, with and without metadata", () => {
    assert.equal(latin1(serializeSafetensors({})), "\x08\0\0\0\0\0\0\0{}      ");
    assert.equal(latin1(serializeSafetensors({}, { metadata: { framework: "pt" } })), '(\0\0\0\0\0\0\0{"__metadata__":{"framework":"pt"}}     ');
  });

  test("tensors are laid out by descending dtype alignment, then by name; metadata comes first, keys sorted", () => {
    const b = serializeSafetensors(
      {
        z_mask: tensor([true, false]),
        b_f: tensor([1.5]),
        a_steps: tensor([3], { dtype: "int32" }),
        a_f: tensor([2.5, 3.5]),
        c_int: tensor([-1, 2], { dtype: "int32" }),
      },
      { metadata: { z: "1", a: "2" }, dtypes: { a_steps: "I64" } },
    );
    const { text } = headerOf(b);
    const header = JSON.parse(text);
    assert.deepEqual(Object.keys(header), ["__metadata__", "a_steps", "a_f", "b_f", "c_int", "z_mask"]);
    assert.deepEqual(Object.keys(header.__metadata__), ["a", "z"]);
    assert.deepEqual(header.a_steps, { dtype: "I64", shape: [1], data_offsets: [0, 8] });
    assert.deepEqual(header.a_f.data_offsets, [8, 16]);
    assert.deepEqual(header.c_int, { dtype: "I32", shape: [2], data_offsets: [20, 28] });
    assert.deepEqual(header.z_mask, { dtype: "BOOL", shape: [2], data_offsets: [28, 30] });
    assert.equal(b.length, 8 + text.length + 30);
  });

  test("names are ordered by UTF-8 bytes, as Rust orders them", () => {
    // UTF-16 puts the emoji (a surrogate pair, 0xD83D…) before U+FF01; UTF-8 puts it after.
    const b = serializeSafetensors({ "\u{1F600}": tensor([1]), "\uFF01": tensor([2]) });
    assert.deepEqual(Object.keys(JSON.parse(headerOf(b).text)), ["\uFF01", "\u{1F600}"]);
  });

  test("the same tensors give the same bytes whatever order they come in", () => {
    const a = serializeSafetensors({ x: tensor([1]), y: tensor([2], { dtype: "int32" }) }, { metadata: { p: "1", q: "2" } });
    const b = serializeSafetensors({ y: tensor([2], { dtype: "int32" }), x: tensor([1]) }, { metadata: { q: "2", p: "1" } });
    assert.deepEqual(a, b);
  });

  test("every tensor's data starts aligned to its element size", () => {
    const b = serializeSafetensors({ m: tensor([true, false, true]), f: tensor([1, 2, 3]), i: tensor([1], { dtype: "int32" }), l: tensor([5], { dtype: "int32" }) }, { dtypes: { l: "I64" } });
    const { text, length } = headerOf(b);
    for (const [name, info] of Object.entries(JSON.parse(text)) as [string, { dtype: string; data_offsets: number[] }][]) {
      const size = { F32: 4, I32: 4, I64: 8, BOOL: 1 }[info.dtype]!;
      assert.equal((8 + length + info.data_offsets[0]) % size, 0, name);
    }
  });
});

describe("serialize → parse round trip", () => {
  test("float32, int32 and bool tensors of every rank, including 0-d and empty", () => {
    const tensors: Record<string, Tensor> = {
      scalar: tensor(-2.5),
      vec: tensor([1, -0, Infinity, NaN]),
      mat: arange(12).reshape([3, 4]),
      empty: tensor([], { shape: [0, 3] }),
      ints: tensor([[-2147483648, 2147483647], [0, -1]], { dtype: "int32" }),
      mask: tensor([[true, false], [false, true]]),
    };
    const { tensors: back, metadata } = parseSafetensors(serializeSafetensors(tensors));
    assert.equal(metadata, null);
    assert.deepEqual(Object.keys(back), ["empty", "ints", "mask", "mat", "scalar", "vec"]);
    for (const [name, t] of Object.entries(tensors)) {
      assert.equal(back[name].dtype, t.dtype, name);
      assert.deepEqual(back[name].shape, t.shape, name);
      assert.deepEqual(back[name].toArray(), t.toArray(), name);
    }
  });

  test("non-contiguous views are written in their logical (row-major) order", () => {
    const base = arange(6).reshape([2, 3]);
    const tensors = { t: base.transpose(0, 1), s: base.slice(1, 1, 3), e: tensor([7]).expand([2, 2]) };
    const back = parseSafetensors(serializeSafetensors(tensors)).tensors;
    assert.deepEqual(Array.from(back.t.toArray()), [0, 3, 1, 4, 2, 5]);
    assert.deepEqual(back.t.shape, [3, 2]);
    assert.deepEqual(Array.from(back.s.toArray()), [1, 2, 4, 5]);
    assert.deepEqual(Array.from(back.e.toArray()), [7, 7, 7, 7]);
  });

  test("a view with an offset writes only its own elements", () => {
    const t = arange(10).slice(0, 4, 7);
    const back = parseSafetensors(serializeSafetensors({ t })).tensors.t;
    assert.deepEqual(Array.from(back.toArray()), [4, 5, 6]);
  });

  test("int32 written as I64 (PyTorch's num_batches_tracked) reads back as int32", () => {
    const b = serializeSafetensors({ "bn.num_batches_tracked": tensor(7, { dtype: "int32" }), neg: tensor([-3, 2147483647], { dtype: "int32" }) }, {
      dtypes: { "bn.num_batches_tracked": "I64", neg: "I64" },
    });
    const header = JSON.parse(headerOf(b).text);
    assert.equal(header["bn.num_batches_tracked"].dtype, "I64");
    assert.equal(header.neg.dtype, "I64");
    const back = parseSafetensors(b).tensors;
    assert.equal(back["bn.num_batches_tracked"].dtype, "int32");
    assert.equal(back["bn.num_batches_tracked"].item(), 7);
    assert.deepEqual(Array.from(back.neg.toArray()), [-3, 2147483647]);
    // Sign extension: -3 as int64 is 0xFFFFFFFF_FFFFFFFD.
    const start = 8 + headerOf(b).length + header.neg.data_offsets[0];
    assert.deepEqual([...b.subarray(start, start + 8)], [0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });

  test("metadata round-trips; unicode names and a name like __proto__ stay plain keys", () => {
    const b = serializeSafetensors({ "emb.ünï": tensor([1]), ["__proto__"]: tensor([2]) } as Record<string, Tensor>, { metadata: { format: "pt", note: "α\"\n" } });
    const r = parseSafetensors(b);
    assert.deepEqual(r.metadata, { format: "pt", note: "α\"\n" });
    assert.ok(Object.hasOwn(r.tensors, "__proto__"));
    assert.equal(Object.getPrototypeOf(r.tensors), Object.prototype);
    assert.deepEqual(Object.keys(r.tensors).sort(), ["__proto__", "emb.ünï"]);
  });
});

describe("parseSafetensors: memory and options", () => {
  const file = serializeSafetensors({ f: tensor([1, 2, 3]), i: tensor([4, 5], { dtype: "int32" }), m: tensor([true, false]) });

  test("aligned F32, I32 and BOOL tensors are views on the buffer, with no copy", () => {
    const r = parseSafetensors(file);
    for (const t of Object.values(r.tensors)) assert.equal(t.data.buffer, file.buffer);
  });

  test("copy: true gives tensors their own storage", () => {
    const r = parseSafetensors(file, { copy: true });
    for (const t of Object.values(r.tensors)) assert.notEqual(t.data.buffer, file.buffer);
    assert.deepEqual(Array.from(r.tensors.f.toArray()), [1, 2, 3]);
  });

  test("a buffer at an odd offset is copied where a view would be misaligned", () => {
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    const r = parseSafetensors(shifted.subarray(1));
    assert.deepEqual(Array.from(r.tensors.f.toArray()), [1, 2, 3]);
    assert.deepEqual(Array.from(r.tensors.i.toArray()), [4, 5]);
    assert.deepEqual(Array.from(r.tensors.m.toArray()), [1, 0]);
  });

  test("keys loads a subset; a name the file lacks is an error naming the file's tensors", () => {
    assert.deepEqual(Object.keys(parseSafetensors(file, { keys: ["i"] }).tensors), ["i"]);
    assert.throws(() => parseSafetensors(file, { keys: ["i", "zz"], source: "w.safetensors" }), (e: Error) =>
      e instanceof SafetensorsError && /^w\.safetensors: no tensor named "zz"; the file holds: f, i, m$/.test(e.message));
  });

  test("dtypes maps file dtypes to other Lathe dtypes", () => {
    const r = parseSafetensors(file, { dtypes: { I32: "float32", BOOL: "int32" } });
    assert.equal(r.tensors.i.dtype, "float32");
    assert.deepEqual(Array.from(r.tensors.i.toArray()), [4, 5]);
    assert.equal(r.tensors.m.dtype, "int32");
    assert.deepEqual(Array.from(r.tensors.m.toArray()), [1, 0]);
    assert.equal(r.tensors.f.dtype, "float32");
  });

  test("dtypes rejects conversions that would lose or invent information", () => {
    assert.throws(() => parseSafetensors(file, { dtypes: { F32: "int32" } }), /cannot load F32 as int32; it can load as float32/);
    assert.throws(() => parseSafetensors(file, { dtypes: { I32: "bool" } }), /cannot load I32 as bool/);
    assert.throws(() => parseSafetensors(file, { dtypes: { U64: "int32" } }), /cannot load U64 as int32; Lathe cannot read it/);
    assert.throws(() => parseSafetensors(file, { dtypes: { X: "int32" } as never }), /unknown safetensors dtype "X"/);
  });

  test("I64 values outside int32 load when mapped to float32", () => {
    // Rounded once, to float32's nearest (as torch's .float()): 2^60 + 2^36 + 1 is just above the
    // midway point 2^60 + 2^36, so it rounds up, where a detour through float64 would tie down to 2^60.
    const v = 2n ** 60n + 2n ** 36n + 1n;
    const big = new BigInt64Array([2n ** 40n, -(2n ** 33n) - 3n, v, -v, 2n ** 60n + 2n ** 36n, 2n ** 63n - 1n, -(2n ** 63n)]);
    const b = rawFile({ big: entry("I64", [7], 0, 56) }, bytes(big));
    assert.throws(() => parseSafetensors(b), /tensor "big": element 0 = 1099511627776 does not fit in int32/);
    const up = 2 ** 60 + 2 ** 37;
    assert.deepEqual(Array.from(parseSafetensors(b, { dtypes: { I64: "float32" } }).tensors.big.toArray()), [2 ** 40, -(2 ** 33), up, -up, 2 ** 60, 2 ** 63, -(2 ** 63)]);
  });
});

describe("serializeSafetensors: bad arguments", () => {
  test("values must be tensors and metadata strings", () => {
    assert.throws(() => serializeSafetensors({ a: [1, 2] as never }), /tensor "a" is not a Tensor/);
    assert.throws(() => serializeSafetensors({ a: tensor([1]) }, { metadata: { v: 1 as never } }), /metadata value for "v" must be a string, got number/);
    assert.throws(() => serializeSafetensors({ __metadata__: tensor([1]) }), /"__metadata__" is reserved/);
  });

  test("dtypes must name a tensor and fit its dtype", () => {
    const t = { f: tensor([1]), i: tensor([1], { dtype: "int32" }) };
    assert.throws(() => serializeSafetensors(t, { dtypes: { g: "I64" } }), /dtypes names tensor "g", which is not among the tensors/);
    assert.throws(() => serializeSafetensors(t, { dtypes: { f: "I64" } }), /tensor "f": a float32 tensor cannot be written as I64/);
    assert.throws(() => serializeSafetensors(t, { dtypes: { i: "F16" as never } }), /cannot write dtype "F16" \(Lathe writes F32, I32, I64, BOOL\)/);
  });
});
