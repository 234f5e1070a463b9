import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { join } from "node:path";
import { REPO } from "../helpers.js";
import { CIFAR10_CLASSES, DataError, loadCifar10, loadMnist, readCifar10, readMnistImages, readMnistLabels } from "../../src/data/index.js";
import { tmpDir } from "./tmp.js";

const tmp = tmpDir("images");
const MNIST = join(REPO, "data", "mnist");

function counts(labels: ArrayLike<number>): number[] {
  const c = new Array<number>(10).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
}

/** An IDX file: magic, big-endian dimensions, bytes. */
function idx(dims: number[], data: Uint8Array, magicType = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = magicType;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

describe("MNIST IDX reader", () => {
  it("reads the bundled test set: 10000 images [N, 1, 28, 28] in [0, 1], the README's label counts", () => {
    const { images, labels } = loadMnist(MNIST, "test");
    assert.deepEqual([images.shape, images.dtype, labels.shape, labels.dtype], [[10000, 1, 28, 28], "float32", [10000], "int32"]);
    assert.deepEqual(counts(labels.data), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of images.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    assert.deepEqual([lo, hi], [0, 1]);
  });

  it("reads the bundled first 10,000 training images", () => {
    const { images, labels } = loadMnist(MNIST, "train");
    assert.deepEqual(images.shape, [10000, 1, 28, 28]);
    assert.deepEqual(counts(labels.data), [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    // The official training set starts 5, 0, 4, 1, 9.
    assert.deepEqual(Array.from(labels.data.subarray(0, 5)), [5, 0, 4, 1, 9]);
  });

  it("reads raw (uncompressed) files as well as gzip", () => {
    const pixels = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => i * 20);
    const raw = tmp.write("raw-images", idx([2, 2, 3], pixels));
    const gz = tmp.write("raw-images.gz", gzipSync(idx([2, 2, 3], pixels)));
    for (const p of [raw, gz]) {
      const t = readMnistImages(p);
      assert.deepEqual(t.shape, [2, 1, 2, 3]);
      assert.ok(Math.abs(t.data[11] - 220 / 255) < 1e-7);
    }
  });

  it("errors name the file: bad magic, truncated data, bad labels, mismatched counts", () => {
    const labelsAsImages = tmp.write("labels-idx1", idx([3], Uint8Array.from([1, 2, 3])));
    assert.throws(() => readMnistImages(labelsAsImages), {
      message: `${labelsAsImages}: IDX: bad magic number 0x00000801 (expected 0x00000803: unsigned bytes, 3 dimensions)`,
    });
    const floats = tmp.write("floats-idx1", idx([1], Uint8Array.from([0, 0, 0, 0]), 0x0d));
    assert.throws(() => readMnistLabels(floats), { message: `${floats}: IDX: bad magic number 0x00000d01 (expected 0x00000801: unsigned bytes, 1 dimensions)` });
    const truncated = tmp.write("short-idx3", idx([10, 28, 28], new Uint8Array(100)));
    assert.throws(() => readMnistImages(truncated), { message: `${truncated}: IDX: the header promises 10×28×28 = 7840 bytes of data, the file holds 100 (truncated?)` });
    const badLabel = tmp.write("bad-labels", idx([3], Uint8Array.from([1, 12, 3])));
    assert.throws(() => readMnistLabels(badLabel), { message: `${badLabel}: MNIST: label 12 at index 1 is not a digit (0-9)` });
    const notGzip = tmp.write("broken.gz", Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    assert.throws(() => readMnistLabels(notGzip), (e: unknown) => e instanceof DataError && e.message.startsWith(`${notGzip}: not a valid gzip file`));

    const dir = tmp.path("");
    tmp.write("t10k-images-idx3-ubyte", idx([2, 1, 1], Uint8Array.from([0, 255])));
    tmp.write("t10k-labels-idx1-ubyte", idx([3], Uint8Array.from([0, 1, 2])));
    assert.throws(() => loadMnist(dir, "test"), { message: `MNIST: 2 images in ${join(dir, "t10k-images-idx3-ubyte")} but 3 labels in ${join(dir, "t10k-labels-idx1-ubyte")}` });
    assert.throws(() => loadMnist(join(dir, "nowhere"), "train"), (e: unknown) => e instanceof DataError && e.message.startsWith("MNIST: no images file found (looked for "));
  });
});

/** CIFAR-10 records: label byte, then 3072 pixel bytes; pixel (c, y, x) of image i = (i + c * 7 + y * 3 + x) % 256. */
function cifarBytes(labels: number[]): Buffer {
  const out = Buffer.alloc(labels.length * 3073);
  labels.forEach((label, i) => {
    out[i * 3073] = label;
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[i * 3073 + 1 + c * 1024 + y * 32 + x] = (i + c * 7 + y * 3 + x) % 256;
  });
  return out;
}

describe("CIFAR-10 binary reader", () => {
  it("reads records into [N, 3, 32, 32] planes and int32 labels", () => {
    const p = tmp.write("data_batch_1.bin", cifarBytes([3, 9, 0]));
    const { images, labels } = readCifar10(p);
    assert.deepEqual([images.shape, labels.dtype, Array.from(labels.data)], [[3, 3, 32, 32], "int32", [3, 9, 0]]);
    // Image 1, channel 2 (blue), row 4, column 5.
    const at = ((1 * 3 + 2) * 32 + 4) * 32 + 5;
    assert.ok(Math.abs(images.data[at] - ((1 + 14 + 12 + 5) % 256) / 255) < 1e-7);
    assert.equal(CIFAR10_CLASSES[labels.data[0]], "cat");
  });

  it("loads a split from the batch files, in order, also from the archive's cifar-10-batches-bin folder", () => {
    const root = tmpDir("cifar-root");
    for (let b = 1; b <= 5; b++) root.write(`data_batch_${b}.bin`, cifarBytes([b, b]));
    root.write("test_batch.bin", cifarBytes([7]));
    const train = loadCifar10(root.path(""), "train");
    assert.deepEqual(Array.from(train.labels.data), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    assert.deepEqual(train.images.shape, [10, 3, 32, 32]);
    assert.deepEqual(Array.from(loadCifar10(root.path(""), "test").labels.data), [7]);
    const archive = tmpDir("cifar-archive");
    mkdirSync(archive.path("cifar-10-batches-bin"));
    archive.write(join("cifar-10-batches-bin", "test_batch.bin"), cifarBytes([4, 2]));
    assert.deepEqual(Array.from(loadCifar10(archive.path(""), "test").labels.data), [4, 2]);
  });

  it("errors: a size that is not whole records, a bad label, missing batch files", () => {
    const p = tmp.write("cut.bin", cifarBytes([1, 2]).subarray(0, 3073 + 100));
    assert.throws(() => readCifar10(p), { message: `${p}: CIFAR-10: the file is 3173 bytes, not a whole number of 3073-byte records (label + 3×32×32 pixels)` });
    const bad = tmp.write("badlabel.bin", cifarBytes([1, 10]));
    assert.throws(() => readCifar10(bad), { message: `${bad}: CIFAR-10: record 1 has label 10, not a class (0-9)` });
    const empty = tmpDir("cifar-empty");
    empty.write("data_batch_1.bin", cifarBytes([0]));
    assert.throws(() => loadCifar10(empty.path(""), "train"), (e: unknown) => e instanceof DataError && e.message.startsWith("CIFAR-10: missing ") && e.message.includes("data_batch_5.bin"));
  });
});
