import { DataLoader } from "../data/dataloader.js";
import { IterableDataset, Subset, TensorDataset } from "../data/dataset.js";
import { trainTestSplit } from "../data/split.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * Data for fit, evaluate and predict: [inputs, targets] tensors (sample i is row i of
 * each), a dataset (map-style or iterable) whose samples are [input, target], or a
 * DataLoader of [inputs, targets] batches used as it is (its own batch size and shuffling).
 */
export type FitData = readonly [Tensor, Tensor] | SampleDataset | IterableDataset<unknown> | DataLoader<any, any>;

/** A map-style dataset of any sample type (data's Dataset<T>, seen without its optional getBatch). */
export interface SampleDataset {
  readonly length: number;
  get(index: number): unknown;
}

export interface LoaderOptions {
  batchSize?: number;
  /** Reshuffle every epoch; by default map-style data is shuffled when `shuffleByDefault`. */
  shuffle?: boolean;
  shuffleByDefault: boolean;
  seed?: number;
}

function isTensorPair(data: unknown): data is readonly [Tensor, Tensor] {
  return Array.isArray(data) && data.length === 2 && data[0] instanceof Tensor && data[1] instanceof Tensor;
}

function isDataset(data: unknown): data is SampleDataset {
  const d = data as SampleDataset;
  return typeof d === "object" && d !== null && typeof d.get === "function" && typeof d.length === "number";
}

/** The data as a dataset, or null when it is a DataLoader. */
function asDataset(op: string, what: string, data: FitData): SampleDataset | IterableDataset<unknown> | null {
  if (data instanceof DataLoader) return null;
  if (isTensorPair(data)) return new TensorDataset(data[0], data[1]);
  if (isDataset(data) || data instanceof IterableDataset) return data;
  throw new TypeError(`${op}: ${what} must be [inputs, targets] tensors, a Dataset or a DataLoader`);
}

/** The data as a loader of batches; a DataLoader is used as given, so batchSize and shuffle must not be set for one. */
export function toLoader(op: string, what: string, data: FitData, opts: LoaderOptions): DataLoader<any, any> {
  const ds = asDataset(op, what, data);
  if (ds === null) {
    if (opts.batchSize !== undefined || opts.shuffle) throw new TypeError(`${op}: ${what} is a DataLoader, which batches and shuffles by its own settings; leave batchSize and shuffle out`);
    return data as DataLoader<any, any>;
  }
  // An iterable dataset is read in order: it is shuffled only if asked, which DataLoader refuses.
  const shuffle = opts.shuffle ?? (opts.shuffleByDefault && !(ds instanceof IterableDataset));
  return new DataLoader(ds, { batchSize: opts.batchSize ?? 32, shuffle, seed: opts.seed });
}

/**
 * Holds out a seeded random `fraction` of the samples for validation (sklearn's
 * train_test_split: ceil(fraction · n) samples), for data that can be indexed.
 */
export function splitValidation(data: FitData, fraction: number, seed: number): { train: SampleDataset; val: SampleDataset } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`fit: validationSplit must be a fraction in (0, 1), got ${fraction}`);
  const ds = asDataset("fit", "trainData", data);
  if (ds === null || ds instanceof IterableDataset) throw new TypeError("fit: validationSplit needs tensors or a Dataset to split; with a DataLoader pass validation data instead");
  const { train, test } = trainTestSplit(ds.length, { testSize: fraction, seed });
  if (train.length === 0) throw new RangeError(`fit: validationSplit ${fraction} leaves no training samples out of ${ds.length}`);
  return { train: new Subset(ds, train), val: new Subset(ds, test) };
}

/** A batch's inputs and targets; the batch must be an array whose first two entries are tensors. */
export function unpack(op: string, batch: unknown): [Tensor, Tensor] {
  if (Array.isArray(batch) && batch[0] instanceof Tensor && batch[1] instanceof Tensor) return [batch[0], batch[1]];
  throw new TypeError(`${op}: a batch must be [inputs, targets] (tensors), got ${Array.isArray(batch) ? `an array of ${batch.length}` : typeof batch}; make the dataset's samples [input, target]`);
}

/** The inputs of a batch for predict: the batch itself, or the first entry of an [inputs, …] array. */
export function inputsOf(batch: unknown): Tensor {
  const x = Array.isArray(batch) ? batch[0] : batch;
  if (!(x instanceof Tensor)) throw new TypeError("predict: a batch must be a tensor of inputs or an [inputs, …] array");
  return x;
}

/** Batches per epoch, or null for an iterable dataset, which has no length. */
export function batchCount(loader: DataLoader<any, any>): number | null {
  return loader.dataset instanceof IterableDataset ? null : loader.length;
}
