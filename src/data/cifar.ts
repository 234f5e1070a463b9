import { existsSync } from "node:fs";
import { join } from "node:path";
import { Tensor } from "../tensor/tensor.js";
import { DataError } from "./errors.js";
import { readMaybeGzip } from "./idx.js";
import type { ImageSet } from "./mnist.js";

export const CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"] as const;

const PIXELS = 3 * 32 * 32;
const RECORD = 1 + PIXELS;

/** A batch file's bytes, checked: a whole number of records, labels 0-9. */
function readRecords(path: string): Buffer {
  const bytes = readMaybeGzip(path);
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new DataError(`CIFAR-10: the file is ${bytes.length} bytes, not a whole number of ${RECORD}-byte records (label + 3×32×32 pixels)`, { file: path });
  }
  for (let i = 0; i < bytes.length / RECORD; i++) {
    const label = bytes[i * RECORD];
    if (label > 9) throw new DataError(`CIFAR-10: record ${i} has label ${label}, not a class (0-9)`, { file: path });
  }
  return bytes;
}

/** Records of several files as one image set, converted straight into the final arrays. */
function toImageSet(files: Buffer[]): ImageSet {
  const n = files.reduce((a, b) => a + b.length / RECORD, 0);
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let i = 0;
  for (const bytes of files) {
    for (let r = 0; r < bytes.length; r += RECORD, i++) {
      labels[i] = bytes[r];
      const out = i * PIXELS;
      for (let j = 0; j < PIXELS; j++) images[out + j] = bytes[r + 1 + j] / 255;
    }
  }
  return { images: new Tensor(images, [n, 3, 32, 32]), labels: new Tensor(labels, [n]) };
}

/**
 * Reads one CIFAR-10 binary batch (`data_batch_N.bin`, `test_batch.bin`) as float32
 * [N, 3, 32, 32] in [0, 1] and int32 labels. Records are 3073 bytes: a label byte, then
 * 1024 red, 1024 green and 1024 blue bytes, each plane row-major — already the [3, 32, 32]
 * layout. A size that is not a whole number of records, or a label above 9, is an error
 * naming the file.
 */
export function readCifar10(path: string): ImageSet {
  return toImageSet([readRecords(path)]);
}

/** The batch file names of a split. */
export function cifar10Files(split: "train" | "test"): string[] {
  return split === "train" ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ["test_batch.bin"];
}

/**
 * The CIFAR-10 `split` (train: data_batch_1..5.bin, 50,000 images; test: test_batch.bin)
 * from `dir` or its `cifar-10-batches-bin` folder, as the official archive unpacks. A
 * missing batch file is an error listing what is missing.
 */
export function loadCifar10(dir: string, split: "train" | "test"): ImageSet {
  const nested = join(dir, "cifar-10-batches-bin");
  const root = existsSync(join(nested, cifar10Files(split)[0])) ? nested : dir;
  const paths = cifar10Files(split).map((f) => join(root, f));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length) throw new DataError(`CIFAR-10: missing ${missing.join(", ")}`);
  return toImageSet(paths.map(readRecords));
}
