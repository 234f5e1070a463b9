import type { TypedArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { type Collated, contiguousValues } from "./collate.js";

/** A map-style dataset, as torch.utils.data.Dataset: a length and the sample at an index. */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
  /**
   * Optional: the samples at `indices`, already collated — a DataLoader without its own
   * collate uses it instead of get() per sample (TensorDataset copies rows in one pass).
   */
  getBatch?(indices: Int32Array): Collated<T>;
}

/**
 * A dataset that is read in order rather than by index (a stream of CSV chunks, a
 * generator of windows), as torch's IterableDataset. It holds a function that starts a
 * fresh iteration, so every epoch reads from the beginning.
 */
export class IterableDataset<T> {
  constructor(private readonly start: () => Iterable<T> | AsyncIterable<T>) {}

  /** A new iteration over the samples. */
  iterate(): Iterable<T> | AsyncIterable<T> {
    return this.start();
  }
}

function checkIndex(index: number, length: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) throw new RangeError(`${what}: index ${index} is out of range for ${length} samples`);
}

/**
 * Tensors indexed together along their first dimension, as torch's TensorDataset:
 * sample i is [t0[i], t1[i], …] (views, no copy); batches keep each tensor's dtype, so
 * float32 features and int32 labels stay so.
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  readonly length: number;

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new RangeError("TensorDataset: needs at least one tensor");
    for (const t of tensors) {
      if (t.ndim === 0) throw new RangeError("TensorDataset: tensors need a first (sample) dimension, got a 0-d tensor");
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new RangeError(`TensorDataset: tensors differ in their first dimension: ${tensors.map((x) => `[${x.shape.join(", ")}]`).join(", ")}`);
      }
    }
    // Contiguous copies once, so that batches are plain row copies.
    this.tensors = tensors.map((t) => (t.isContiguous() ? t : new Tensor(t.toArray(), t.shape)));
    this.length = tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    checkIndex(index, this.length, "TensorDataset");
    return this.tensors.map((t) => new Tensor(t.data, t.shape.slice(1), t.strides.slice(1), t.offset + index * t.strides[0]));
  }

  getBatch(indices: Int32Array): Tensor[] {
    return this.tensors.map((t) => {
      const row = t.numel() / t.shape[0];
      const src = contiguousValues(t);
      const out = new (src.constructor as new (n: number) => TypedArray)(row * indices.length);
      indices.forEach((index, i) => {
        checkIndex(index, this.length, "TensorDataset");
        out.set(src.subarray(index * row, (index + 1) * row), i * row);
      });
      return new Tensor(out, [indices.length, ...t.shape.slice(1)]);
    });
  }
}

/** The samples of `dataset` at `indices` (a split), as torch's Subset. */
export class Subset<T> implements Dataset<T> {
  readonly indices: Int32Array;
  readonly length: number;
  getBatch?: (indices: Int32Array) => Collated<T>;

  constructor(
    readonly dataset: Dataset<T>,
    indices: ArrayLike<number>,
  ) {
    this.indices = Int32Array.from(indices);
    for (const i of this.indices) checkIndex(i, dataset.length, "Subset");
    this.length = this.indices.length;
    const batch = dataset.getBatch?.bind(dataset);
    if (batch) {
      this.getBatch = (idx) =>
        batch(
          idx.map((i) => {
            checkIndex(i, this.length, "Subset");
            return this.indices[i];
          }),
        );
    }
  }

  get(index: number): T {
    checkIndex(index, this.length, "Subset");
    return this.dataset.get(this.indices[index]);
  }
}

/** `dataset` with `fn` applied to each sample as it is read (augmentation, a transform per image). */
export function mapDataset<T, U>(dataset: Dataset<T>, fn: (sample: T, index: number) => U): Dataset<U> {
  return {
    get length() {
      return dataset.length;
    },
    get: (index) => fn(dataset.get(index), index),
  };
}
