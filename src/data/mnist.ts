import { existsSync } from "node:fs";
import { join } from "node:path";
import { Tensor } from "../tensor/tensor.js";
import { DataError } from "./errors.js";
import { readIdx } from "./idx.js";

export interface ImageSet {
  /** float32 [N, C, H, W] with values in [0, 1] (bytes / 255, as torchvision's ToTensor). */
  images: Tensor;
  /** int32 [N] class indices. */
  labels: Tensor;
}

/** Bytes 0..255 as float32 in [0, 1]. */
export function bytesToUnit(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}

/** MNIST images (IDX magic 0x00000803, gzip or raw) as float32 [N, 1, rows, cols] in [0, 1]. */
export function readMnistImages(path: string): Tensor {
  const { dims, data } = readIdx(path, 3);
  const [n, rows, cols] = dims;
  return new Tensor(bytesToUnit(data), [n, 1, rows, cols]);
}

/** MNIST labels (IDX magic 0x00000801, gzip or raw) as int32 [N]; a label above 9 is an error naming its index. */
export function readMnistLabels(path: string): Tensor {
  const { dims, data } = readIdx(path, 1);
  const out = new Int32Array(dims[0]);
  for (let i = 0; i < data.length; i++) {
    if (data[i] > 9) throw new DataError(`MNIST: label ${data[i]} at index ${i} is not a digit (0-9)`, { file: path });
    out[i] = data[i];
  }
  return new Tensor(out, [dims[0]]);
}

// File name prefixes per split: the official names, then the 10k training subset bundled in data/mnist.
const PREFIXES = { train: ["train", "train10k"], test: ["t10k"] };

function find(dir: string, prefixes: string[], kind: "images-idx3" | "labels-idx1"): string {
  const tried: string[] = [];
  for (const p of prefixes) {
    for (const suffix of [".gz", ""]) {
      const path = join(dir, `${p}-${kind}-ubyte${suffix}`);
      if (existsSync(path)) return path;
      tried.push(path);
    }
  }
  throw new DataError(`MNIST: no ${kind.split("-")[0]} file found (looked for ${tried.join(", ")})`);
}

/**
 * The MNIST `split` from a folder holding the IDX files under their usual names
 * (`train-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte`, …; the repository's
 * data/mnist holds the test set and the first 10,000 training images as train10k-*).
 */
export function loadMnist(dir: string, split: "train" | "test"): ImageSet {
  const imagesPath = find(dir, PREFIXES[split], "images-idx3");
  const labelsPath = find(dir, PREFIXES[split], "labels-idx1");
  const images = readMnistImages(imagesPath);
  const labels = readMnistLabels(labelsPath);
  if (images.shape[0] !== labels.shape[0]) {
    throw new DataError(`MNIST: ${images.shape[0]} images in ${imagesPath} but ${labels.shape[0]} labels in ${labelsPath}`);
  }
  return { images, labels };
}
