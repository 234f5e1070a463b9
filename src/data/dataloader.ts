import { Generator, defaultGenerator } from "../tensor/random.js";
import { type Collated, defaultCollate } from "./collate.js";
import { type Dataset, IterableDataset } from "./dataset.js";

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1, as PyTorch). */
  batchSize?: number;
  /** Reshuffle the samples every epoch (map-style datasets only). */
  shuffle?: boolean;
  /** Leave out the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /**
   * Seed for shuffling: epoch e is shuffled by its own stream derived from (seed, e), so
   * the same seed gives the same order every epoch and a run resumed at epoch e (set
   * `loader.epoch`) reshuffles exactly as the original did.
   */
  seed?: number;
  /** Draw shuffles from this generator instead (its state advances each epoch, as PyTorch's). */
  generator?: Generator;
  /** Makes a batch from a list of samples (default: defaultCollate). */
  collate?: (samples: T[]) => B;
}

/**
 * Batches of a dataset, as torch.utils.data.DataLoader: `for (const [x, y] of loader)`.
 * Map-style datasets can be shuffled; an IterableDataset is read in order and needs
 * `for await` when its source is asynchronous. Batching happens on the calling thread.
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: Dataset<T> | IterableDataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  /** The epoch the next iteration shuffles for; counts up by one per iteration. */
  epoch = 0;
  private readonly seed: number | undefined;
  private readonly generator: Generator;
  private readonly collate: ((samples: T[]) => B) | undefined;

  constructor(dataset: Dataset<T> | IterableDataset<T>, options: DataLoaderOptions<T, B> = {}) {
    this.dataset = dataset;
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${options.batchSize}`);
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    if (this.shuffle && dataset instanceof IterableDataset) throw new TypeError("DataLoader: an IterableDataset is read in order; it cannot be shuffled");
    if (options.seed !== undefined && options.generator) throw new TypeError("DataLoader: give seed or generator, not both");
    this.seed = options.seed;
    this.generator = options.generator ?? defaultGenerator;
    this.collate = options.collate;
  }

  /** Batches per epoch. */
  get length(): number {
    if (this.dataset instanceof IterableDataset) throw new TypeError("DataLoader: an IterableDataset has no length");
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<B> {
    const ds = this.dataset;
    if (ds instanceof IterableDataset) {
      const source = ds.iterate();
      if (!(Symbol.iterator in source)) throw new TypeError("DataLoader: the dataset is asynchronous; iterate with for await");
      yield* this.batchStream(source);
      return;
    }
    const order = this.order(ds.length);
    const bs = this.batchSize;
    const end = this.dropLast ? order.length - (order.length % bs) : order.length;
    for (let s = 0; s < end; s += bs) yield this.fetch(ds, order.subarray(s, Math.min(s + bs, end)));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const ds = this.dataset;
    if (!(ds instanceof IterableDataset)) {
      yield* this[Symbol.iterator]() as unknown as Iterable<B>;
      return;
    }
    let batch: T[] = [];
    for await (const sample of ds.iterate()) {
      batch.push(sample);
      if (batch.length === this.batchSize) {
        yield this.collateSamples(batch);
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield this.collateSamples(batch);
  }

  private *batchStream(source: Iterable<T>): IterableIterator<B> {
    let batch: T[] = [];
    for (const sample of source) {
      batch.push(sample);
      if (batch.length === this.batchSize) {
        yield this.collateSamples(batch);
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield this.collateSamples(batch);
  }

  /** Sample indices for this epoch: in order, or a shuffle. */
  private order(n: number): Int32Array {
    const epoch = this.epoch++;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (!this.shuffle) return order;
    const g = this.seed !== undefined ? new Generator(this.seed * 1000003 + epoch) : this.generator;
    for (let i = n - 1; i > 0; i--) {
      const j = g.integer(0, i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  private fetch(ds: Dataset<T>, indices: Int32Array): B {
    if (!this.collate && ds.getBatch) return ds.getBatch(indices) as B;
    return this.collateSamples(Array.from(indices, (i) => ds.get(i)));
  }

  private collateSamples(samples: T[]): B {
    return this.collate ? this.collate(samples) : (defaultCollate(samples) as B);
  }
}
