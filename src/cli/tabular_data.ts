import { readCsv } from "../data/csv.js";
import { detectIdentifierColumns, detectTask } from "../data/detect.js";
import { DataError } from "../data/errors.js";
import { parseNumber } from "../data/infer.js";
import type { Preprocessor } from "../data/preprocess/base.js";
import { ColumnTransformer } from "../data/preprocess/column_transformer.js";
import { OneHotEncoder, OrdinalEncoder } from "../data/preprocess/encoders.js";
import { SimpleImputer } from "../data/preprocess/imputer.js";
import { type Label, LabelEncoder } from "../data/preprocess/label.js";
import { MinMaxScaler, StandardScaler } from "../data/preprocess/scalers.js";
import { trainValTestSplit } from "../data/split.js";
import { type ColumnType, Table } from "../data/table.js";
import { Tensor } from "../tensor/tensor.js";
import type { ColumnSteps, RunConfig, TaskName } from "./config.js";
import { ConfigError } from "./config_check.js";

/**
 * The data half of `lathe train`: a CSV becomes a typed table, the tool decides what to
 * learn (task, features, what to drop) and says why, and the rows are split and encoded
 * with statistics from the training split only.
 */

export interface TrainingTable {
  table: Table;
  target: string;
  task: TaskName;
  features: string[];
  dropped: { name: string; reason: string }[];
}

/**
 * A column read as text in which nearly every value is a number holds a typo, not
 * categories: that is an error naming the first cell that is not a number, rather than a
 * column silently one-hot encoded into hundreds of features.
 */
function checkNumericLooking(table: Table, declared: Record<string, ColumnType>): void {
  for (const col of table.columns) {
    if (col.type !== "categorical" || Object.hasOwn(declared, col.name)) continue;
    let present = 0;
    let numbers = 0;
    let bad = -1;
    col.values.forEach((v, r) => {
      if (v === null) return;
      present++;
      if (parseNumber(v) !== undefined) numbers++;
      else if (bad < 0) bad = r;
    });
    if (bad >= 0 && present >= 10 && numbers >= 0.9 * present) {
      throw table.errorAt(bad, col.name, `"${col.values[bad]}" is not a number, but ${numbers} of the column's ${present} values are; ` +
        `fix the cell, add the value to data.missing in the config if it marks a missing value, or declare the column categorical (data.schema)`);
    }
  }
}

/** A row without a target can be neither learned from nor scored: it goes, and the log says so. */
function dropMissingTargets(table: Table, target: string, log: (line: string) => void): Table {
  const col = table.column(target);
  const keep: number[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const v = col.values[r];
    if (v !== null && !Number.isNaN(v)) keep.push(r);
  }
  if (keep.length === table.numRows) return table;
  // The first row missing is where the kept rows first skip one.
  const gap = keep.findIndex((r, i) => r !== i);
  const n = table.numRows - keep.length;
  log(`dropped ${n} row${n > 1 ? "s" : ""} whose target "${target}" is missing (the first at line ${table.lineOf(gap < 0 ? keep.length : gap)})`);
  return table.take(keep);
}

/** Reads the CSV and decides the task, the features and the columns to drop, logging each decision. */
export async function readTrainingTable(path: string, target: string, config: RunConfig, log: (line: string) => void): Promise<TrainingTable> {
  const { schema, missing, drop, identifiers } = config.data;
  let table = await readCsv(path, { schema, ...(missing ? { missing } : {}) });
  log(`read ${path}: ${table.numRows} rows, ${table.numColumns} columns`);
  table.column(target);
  checkNumericLooking(table, schema);

  table = dropMissingTargets(table, target, log);

  let task: TaskName;
  if (config.task) {
    task = config.task;
    log(`task: ${task} (as asked)`);
  } else {
    const guess = detectTask(table, target);
    task = guess.task;
    log(`task: ${task}, detected: ${guess.reason}; override with --task`);
  }
  if (task === "regression" && table.column(target).type === "categorical") {
    throw new DataError(`a regression target must hold numbers, and this one holds text`, { file: path, column: target });
  }

  const dropped: { name: string; reason: string }[] = [];
  if (identifiers === "drop") {
    for (const id of detectIdentifierColumns(table, { exclude: [target] })) {
      dropped.push({ name: id.name, reason: `identifier: ${id.reason}` });
      log(`dropping identifier column "${id.name}": ${id.reason} (keep it with data.identifiers: keep)`);
    }
  }
  const byConfig = [...drop, ...Object.entries(config.preprocessing.columns).filter(([, s]) => s === "drop").map(([n]) => n)];
  for (const name of byConfig) {
    if (name === target) throw new ConfigError(`the config drops "${name}", which is the target`);
    table.column(name);
    if (!dropped.some((d) => d.name === name)) dropped.push({ name, reason: "dropped by the config" });
  }
  const gone = new Set([target, ...dropped.map((d) => d.name)]);
  const features = table.names.filter((n) => !gone.has(n));
  if (features.length === 0) throw new DataError(`no feature columns are left besides the target "${target}"`, { file: path });
  return { table, target, task, features, dropped };
}

export interface Splits {
  train: Table;
  val: Table;
  test: Table;
}

/** The seeded train/validation/test split, stratified by class for classification. */
export function splitTable(t: TrainingTable, config: RunConfig): Splits {
  const { validation, test, stratify } = config.split;
  if (validation + test >= 0.9) throw new ConfigError(`split.validation + split.test must leave rows to train on (they add up to ${validation + test})`);
  const byClass = t.task === "classification" && stratify;
  return trainValTestSplit(t.table, { valSize: validation, testSize: test, seed: config.training.seed, ...(byClass ? { stratify: t.target } : {}) });
}

const CATEGORICAL_IMPUTE = new Set(["mostFrequent", "constant"]);

/** The preprocessing steps for a column of `type`, from the config's settings for it. */
function stepsFor(type: ColumnType, s: ColumnSteps, where: string): Preprocessor[] {
  const steps: Preprocessor[] = [];
  if (type === "categorical") {
    if (s.scale !== undefined) throw new ConfigError(`${where}.scale does not apply to a categorical column (use encode)`);
    const strategy = s.impute ?? "mostFrequent";
    if (!CATEGORICAL_IMPUTE.has(strategy)) throw new ConfigError(`${where}.impute "${strategy}" needs numbers; a categorical column takes mostFrequent or constant`);
    steps.push(new SimpleImputer({ strategy }));
    steps.push(s.encode === "ordinal" ? new OrdinalEncoder({ handleUnknown: "useEncodedValue", unknownValue: -1 }) : new OneHotEncoder({ handleUnknown: "ignore" }));
    return steps;
  }
  if (s.encode !== undefined) throw new ConfigError(`${where}.encode applies to categorical columns only`);
  if (type === "boolean") {
    // Booleans are 0/1 already; scaling them would only blur that.
    steps.push(new SimpleImputer({ strategy: s.impute ?? "mostFrequent" }));
    return steps;
  }
  steps.push(new SimpleImputer({ strategy: s.impute ?? "median" }));
  const scale = s.scale ?? "standard";
  if (scale === "standard") steps.push(new StandardScaler());
  if (scale === "minmax") steps.push(new MinMaxScaler());
  return steps;
}

/** A ColumnTransformer for the features, by the config (each type's steps, then per-column ones), not fitted yet. */
export function makePreprocessor(t: TrainingTable, config: RunConfig): ColumnTransformer {
  const p = config.preprocessing;
  const columns: Record<string, Preprocessor[]> = {};
  for (const [name, s] of Object.entries(p.columns)) {
    if (s === "drop") continue;
    if (!t.features.includes(name)) throw new ConfigError(`preprocessing.columns names "${name}", which is not a feature column (features: ${t.features.join(", ")})`);
    const type = t.table.column(name).type;
    const base = type === "categorical" ? p.categorical : type === "boolean" ? {} : p.numeric;
    columns[name] = stepsFor(type, { ...base, ...s }, `preprocessing.columns.${name}`);
  }
  return new ColumnTransformer({
    numeric: stepsFor("numeric", p.numeric, "preprocessing.numeric"),
    date: stepsFor("date", p.numeric, "preprocessing.numeric"),
    boolean: stepsFor("boolean", {}, "preprocessing.boolean"),
    categorical: stepsFor("categorical", p.categorical, "preprocessing.categorical"),
    columns,
  });
}

/** How targets become tensors: class indices (one 0/1 float for two classes), or standardised values. */
export interface TargetEncoding {
  labels: Label[] | null;
  scale: { mean: number; std: number } | null;
  encode(table: Table): Tensor;
}

/**
 * The target encoding. Classes are learned from every row (a rare class may miss the
 * training split, and the label set is no statistic to leak); a regression target's mean
 * and standard deviation come from the training split only.
 */
export function targetEncoding(t: TrainingTable, train: Table): TargetEncoding {
  if (t.task === "classification") {
    const enc = new LabelEncoder().fit(t.table, t.target);
    const labels = enc.classes!;
    if (labels.length < 2) throw new DataError(`the target has only one class (${JSON.stringify(labels[0])}); there is nothing to learn`, { file: t.table.file, column: t.target });
    const binary = labels.length === 2;
    return { labels, scale: null, encode: (table) => (binary ? enc.transform(table, t.target).float() : enc.transform(table, t.target)) };
  }
  const values = (table: Table): Float64Array => Float64Array.from(table.column(t.target).values as ArrayLike<number>);
  const y = values(train);
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const std = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length) || 1;
  return {
    labels: null,
    scale: { mean, std },
    encode: (table) => new Tensor(Float32Array.from(values(table), (v) => (v - mean) / std), [table.numRows]),
  };
}
