import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { type Tensor, tensor } from "../../src/index.js";
import { type WritableDType, loadSafetensorsSync, parseSafetensors, serializeSafetensors } from "../../src/io/index.js";
import { type EncodedTensor, FIXTURES } from "../helpers.js";

/**
 * PyTorch compatibility, both ways, against files made by tools/fixtures/gen_safetensors.py
 * with PyTorch 1.13 (see test/fixtures/safetensors/README.md).
 */
const DIR = join(FIXTURES, "safetensors");

interface FileFixture {
  metadata: Record<string, string>;
  tensors: Record<string, EncodedTensor & { file_dtype: string }>;
}

interface LatheSpec extends EncodedTensor {
  write: WritableDType;
  transpose: boolean;
}

const expected = JSON.parse(readFileSync(join(DIR, "expected.json"), "utf8")) as {
  files: Record<string, FileFixture>;
  lathe_written: { metadata: Record<string, string>; tensors: Record<string, LatheSpec> };
};

/** Fixture values as numbers; "nan" and "±inf" are strings in JSON. */
function values(e: EncodedTensor): number[] {
  return e.data.map((v) => (typeof v === "number" ? v : v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity));
}

/** Exact equality, NaN equal to NaN and -0 distinct from 0. */
function assertSameValues(t: Tensor, e: EncodedTensor, what: string): void {
  assert.equal(t.dtype, e.dtype, `${what}: dtype`);
  assert.deepEqual(t.shape, e.shape, `${what}: shape`);
  assert.deepStrictEqual(Array.from(t.toArray()), values(e), `${what}: values`);
}

function fromSpec(e: EncodedTensor): Tensor {
  return tensor(values(e), { shape: e.shape, dtype: e.dtype });
}

describe("files written by PyTorch", () => {
  for (const [stem, fixture] of Object.entries(expected.files)) {
    test(`${stem}.safetensors loads with PyTorch's values`, () => {
      const r = loadSafetensorsSync(join(DIR, `${stem}.safetensors`));
      assert.deepEqual(r.metadata, fixture.metadata);
      assert.deepEqual(Object.keys(r.tensors).sort(), Object.keys(fixture.tensors).sort());
      for (const [name, e] of Object.entries(fixture.tensors)) assertSameValues(r.tensors[name], e, `${stem}/${name} (${e.file_dtype})`);
    });
  }

  test("the dtypes file covers every dtype Lathe reads", () => {
    const dtypes = new Set(Object.values(expected.files.dtypes.tensors).map((e) => e.file_dtype));
    assert.deepEqual([...dtypes].sort(), ["BF16", "BOOL", "F16", "F32", "F64", "I16", "I32", "I64", "I8", "U8"]);
  });

  test("the model state dict keeps PyTorch's keys, with num_batches_tracked as int32", () => {
    const { tensors } = loadSafetensorsSync(join(DIR, "model.safetensors"));
    assert.deepEqual(Object.keys(tensors), [
      "bn1.bias", "bn1.num_batches_tracked", "bn1.running_mean", "bn1.running_var", "bn1.weight",
      "conv1.bias", "conv1.weight", "fc.bias", "fc.weight",
    ]);
    assert.equal(tensors["bn1.num_batches_tracked"].dtype, "int32");
    assert.equal(tensors["bn1.num_batches_tracked"].item(), 3);
    assert.deepEqual(tensors["conv1.weight"].shape, [3, 2, 3, 3]);
  });

  test("Lathe writes the same tensors back to the same bytes", () => {
    const file = readFileSync(join(DIR, "model.safetensors"));
    const fixture = expected.files.model;
    const int64 = { "bn1.num_batches_tracked": "I64" } as const;
    const loaded = parseSafetensors(file).tensors;
    assert.deepEqual(serializeSafetensors(loaded, { metadata: fixture.metadata, dtypes: int64 }), new Uint8Array(file));
    const built = Object.fromEntries(Object.entries(fixture.tensors).map(([k, e]) => [k, fromSpec(e)]));
    assert.deepEqual(serializeSafetensors(built, { metadata: fixture.metadata, dtypes: int64 }), new Uint8Array(file));
  });
});

describe("a file written by Lathe", () => {
  const spec = expected.lathe_written;
  const tensors: Record<string, Tensor> = {};
  const dtypes: Record<string, WritableDType> = {};
  for (const [name, e] of Object.entries(spec.tensors)) {
    tensors[name] = e.transpose ? fromSpec(e).transpose(0, 1) : fromSpec(e);
    dtypes[name] = e.write;
  }
  const path = join(DIR, "lathe_written.safetensors");
  const written = serializeSafetensors(tensors, { metadata: spec.metadata, dtypes });

  test("is byte for byte the committed lathe_written.safetensors (which gen_safetensors.py --check reads with torch)", () => {
    // LATHE_UPDATE_FIXTURES=1 rewrites it; then run the Python check.
    if (process.env.LATHE_UPDATE_FIXTURES === "1") writeFileSync(path, written);
    assert.deepEqual(written, new Uint8Array(readFileSync(path)));
  });

  test("reads back with the values it was written from", () => {
    const r = parseSafetensors(written);
    assert.deepEqual(r.metadata, spec.metadata);
    for (const [name, t] of Object.entries(tensors)) {
      assert.equal(r.tensors[name].dtype, t.dtype, name);
      assert.deepEqual(r.tensors[name].shape, t.shape, name);
      assert.deepStrictEqual(Array.from(r.tensors[name].toArray()), Array.from(t.toArray()), name);
    }
  });
});
