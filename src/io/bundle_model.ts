import { noGrad } from "../autograd/grad_mode.js";
// Tensor methods (narrow, float, detach, …) that the network and fit call; the package root attaches them, a direct import of this module must too.
import { type CsvOptions, readCsv, streamCsv } from "../data/csv.js";
import { DataError } from "../data/errors.js";
import type { TransformContext } from "../data/preprocess/base.js";
import type { ColumnTransformer } from "../data/preprocess/column_transformer.js";
import { type Label, LabelEncoder } from "../data/preprocess/label.js";
import type { Table } from "../data/table.js";
import type { Module } from "../nn/module.js";
import { Tensor } from "../tensor/tensor.js";
import type { BundleManifest, BundleTask, FeatureSchema } from "./bundle_manifest.js";
import { conformTable, schemaCsvOptions, tableFromRecords } from "./bundle_schema.js";

export interface ClassificationPredictions {
  task: "classification";
  /** The class labels, in the order of each row of `probabilities`. */
  classes: Label[];
  /** The most probable class of each row. */
  labels: Label[];
  /** Per row, the probability of each class. */
  probabilities: number[][];
}

export interface RegressionPredictions {
  task: "regression";
  values: number[];
}

export type Predictions = ClassificationPredictions | RegressionPredictions;

/** One row's prediction as plain JSON: the label with every class's probability, or the value. */
export type RecordPrediction = { label: Label; probabilities: Record<string, number> } | { value: number };

/** The column names of a CSV file, from its first row of data (null for a file with none). */
async function csvColumns(path: string, opts: CsvOptions): Promise<string[] | null> {
  // Reading stops after the first row: returning closes the stream.
  for await (const first of streamCsv(path, { ...opts, schema: {}, chunkSize: 1, inferRows: 1 })) return first.names;
  return null;
}

/** Rows per forward pass, so a large table is not one huge activation matrix. */
const BATCH = 1024;

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Softmax of one row of logits, in float64, shifted by the row's max so it cannot overflow. */
function softmaxRow(row: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]);
  const e = Array.from(row, (v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * A trained tabular model ready to predict: the network (in eval mode), the fitted
 * preprocessing, the feature schema and the class labels, as a bundle holds them. Tables
 * and records are brought to the training schema, preprocessed with the training
 * statistics, and run through the network without gradients.
 */
export class TabularModel {
  readonly model: Module;
  readonly preprocess: ColumnTransformer;
  readonly manifest: BundleManifest;
  private readonly encoder: LabelEncoder | null;

  constructor(manifest: BundleManifest, model: Module, preprocess: ColumnTransformer) {
    this.manifest = manifest;
    this.model = model.eval();
    this.preprocess = preprocess;
    this.encoder = manifest.labels ? LabelEncoder.fromJSON({ type: "LabelEncoder", classes: manifest.labels }) : null;
  }

  get task(): BundleTask {
    return this.manifest.task;
  }

  /** The class labels in output order, or null for a regressor. */
  get labels(): Label[] | null {
    return this.manifest.labels;
  }

  get schema(): FeatureSchema {
    return this.manifest.features;
  }

  get target(): string {
    return this.manifest.target.name;
  }

  /**
   * Reads a CSV with the training column types, so a cell that does not fit (text in a
   * numeric column) is an error naming its file, line and column. With `withTarget` the
   * target column is read too, for evaluation.
   */
  async readCsv(path: string, opts: { withTarget?: boolean } = {}): Promise<Table> {
    const t = this.manifest.target;
    const needed = opts.withTarget ? { [t.name]: t.type } : {};
    const csv = schemaCsvOptions(this.schema, needed);
    // The header first, so a column the model needs and the file lacks is named as such.
    const names = await csvColumns(path, csv);
    if (names) {
      const absent = Object.keys(csv.schema!).find((n) => !names.includes(n));
      if (absent !== undefined) {
        const what = absent === t.name && opts.withTarget ? "the target column" : "a feature of the model";
        throw new DataError(`column "${absent}", ${what}, is not in the file (columns: ${names.map((n) => `"${n}"`).join(", ")})`, { file: path });
      }
    }
    return readCsv(path, csv);
  }

  /** The model's inputs for `table`: its feature columns in their training types, preprocessed. */
  features(table: Table, ctx: TransformContext = {}): Tensor {
    return this.preprocess.transform(conformTable(table, this.schema), ctx);
  }

  /** The network's raw outputs (logits, or standardised values) for `table`, [rows, outputs]. */
  outputs(table: Table, ctx: TransformContext = {}): Tensor {
    const x = this.features(table, ctx);
    const parts: number[] = [];
    let width = 0;
    noGrad(() => {
      for (let s = 0; s < x.shape[0]; s += BATCH) {
        const out = this.model.forward(x.narrow(0, s, Math.min(BATCH, x.shape[0] - s))) as Tensor;
        width = out.shape[1] ?? 1;
        for (const v of out.toArray()) parts.push(v);
      }
    });
    return new Tensor(Float32Array.from(parts), [x.shape[0], width]);
  }

  /** Predictions for every row of `table`: labels and class probabilities, or values. */
  predictTable(table: Table, ctx: TransformContext = {}): Predictions {
    const out = this.outputs(table, ctx);
    const [n, width] = out.shape;
    const flat = out.toArray();
    if (this.manifest.task === "regression") {
      const { mean, std } = this.manifest.target.scale!;
      return { task: "regression", values: Array.from(flat, (v) => v * std + mean) };
    }
    const classes = this.manifest.labels!;
    const probabilities: number[][] = [];
    for (let i = 0; i < n; i++) {
      if (width === 1) {
        // One logit: the probability of the second class, as sigmoid(logit).
        const p = sigmoid(flat[i]);
        probabilities.push([1 - p, p]);
      } else {
        probabilities.push(softmaxRow(flat.slice(i * width, (i + 1) * width)));
      }
    }
    const labels = probabilities.map((p) => classes[p.indexOf(Math.max(...p))]);
    return { task: "classification", classes, labels, probabilities };
  }

  /** Predictions for JSON records (objects of column → value; null for a missing value), one per record. */
  predictRecords(records: readonly Record<string, unknown>[], ctx: TransformContext = {}): RecordPrediction[] {
    const p = this.predictTable(tableFromRecords(records, this.schema), ctx);
    if (p.task === "regression") return p.values.map((value) => ({ value }));
    return p.labels.map((label, i) => ({ label, probabilities: Object.fromEntries(p.classes.map((c, k) => [String(c), p.probabilities[i][k]])) }));
  }

  /**
   * The true targets of a table that has the target column: class indices (a label not
   * seen in training is an error naming its line), or values (a missing one is an error).
   */
  targets(table: Table): Float64Array {
    const name = this.manifest.target.name;
    if (!table.has(name)) throw new DataError(`the target column "${name}" is not in the data`, { file: table.file });
    if (this.encoder) return Float64Array.from(this.encoder.transform(table, name).toArray());
    const col = table.column(name);
    if (col.type === "categorical") throw new DataError(`the target column holds text, but the model predicts numbers`, { file: table.file, column: name });
    const values = Float64Array.from(col.values);
    const missing = values.findIndex(Number.isNaN);
    if (missing >= 0) throw table.errorAt(missing, name, "the target is missing; drop the row or fill it in");
    return values;
  }
}
