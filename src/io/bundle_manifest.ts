import { readFileSync } from "node:fs";
import type { ColumnTransformerJSON } from "../data/preprocess/column_transformer.js";
import type { Label } from "../data/preprocess/label.js";
import type { ColumnType } from "../data/table.js";
import { type ArchitectureConfig, checkArchitecture } from "./bundle_arch.js";

/**
 * lathe.json, the description of a model bundle: everything besides the weights that turns
 * a table into predictions (feature schema, preprocessing state, architecture, labels), and
 * how the model was made (training metadata, metrics).
 */

export const BUNDLE_FORMAT = "lathe-model";
export const BUNDLE_VERSION = 1;
export const MANIFEST_FILE = "lathe.json";
export const WEIGHTS_FILE = "model.safetensors";

/** The installed Lathe's version, recorded in every bundle it writes. */
export const LATHE_VERSION: string = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;

export type BundleTask = "classification" | "regression";

/** A feature column as training saw it; `categories` are a categorical column's values in the training split. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  categories?: string[];
}

export interface FeatureSchema {
  /** The columns a table must have to be predicted, in training order. */
  columns: ColumnSpec[];
  /** Columns of the training data left out of the features (identifiers, and any the config dropped), with why. */
  dropped: { name: string; reason: string }[];
  /** The cells that meant "missing" in the training CSV, when not the reader's defaults; CSVs to predict are read with them. */
  missing?: string[];
}

export interface TargetSpec {
  name: string;
  type: ColumnType;
  /**
   * Regression targets are standardised for training; the model predicts (y - mean) / std
   * and predictions are mapped back. null for classification.
   */
  scale: { mean: number; std: number } | null;
}

/** Metrics by split name ("test", "validation"); each maps metric names to numbers. */
export type BundleMetrics = Record<string, Record<string, number>>;

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  task: BundleTask;
  architecture: ArchitectureConfig;
  target: TargetSpec;
  /** The class labels in output order (classification), or null (regression). */
  labels: Label[] | null;
  features: FeatureSchema;
  /** The fitted ColumnTransformer that turns the feature columns into the model's inputs. */
  preprocess: ColumnTransformerJSON;
  /** The weights file, its SHA-256 (a bundle half-rewritten by a crash is detected on load) and the parameter count. */
  weights: { file: string; sha256: string; parameters: number };
  /** Free-form facts about the run: seed, epochs, dates, Lathe version, the data, the config. */
  training: Record<string, unknown>;
  metrics: BundleMetrics;
}

/** A model bundle that cannot be read or used: the message names the file or column at fault. */
export class BundleError extends Error {
  override name = "BundleError";
}

function fail(path: string, message: string): never {
  throw new BundleError(`${path}: ${message}`);
}

const COLUMN_TYPES: readonly ColumnType[] = ["numeric", "categorical", "boolean", "date"];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks a parsed lathe.json enough that loading can trust its shape; `path` names it in errors. */
export function checkManifest(json: unknown, path: string): BundleManifest {
  if (!isObject(json) || json.format !== BUNDLE_FORMAT) fail(path, `not a Lathe model bundle description (format "${BUNDLE_FORMAT}")`);
  if (json.version !== BUNDLE_VERSION) {
    const newer = typeof json.version === "number" && json.version > BUNDLE_VERSION;
    fail(path, `bundle format version ${JSON.stringify(json.version)} ${newer ? "was written by a newer Lathe; " : "is not supported; "}this Lathe (${LATHE_VERSION}) reads version ${BUNDLE_VERSION}`);
  }
  const m = json as unknown as BundleManifest;
  if (m.task !== "classification" && m.task !== "regression") fail(path, `task must be "classification" or "regression", got ${JSON.stringify(m.task)}`);
  try {
    m.architecture = checkArchitecture(m.architecture);
  } catch (err) {
    fail(path, `architecture: ${(err as Error).message}`);
  }
  if (!isObject(m.target) || typeof m.target.name !== "string" || !COLUMN_TYPES.includes(m.target.type)) fail(path, `target must be an object with a name and a column type`);
  if (m.task === "classification" && !(Array.isArray(m.labels) && m.labels.length >= 2)) fail(path, `a classifier needs at least 2 labels`);
  if (m.task === "regression" && !(isObject(m.target.scale) && Number.isFinite(m.target.scale.mean) && m.target.scale.std > 0)) {
    fail(path, `a regressor needs target.scale { mean, std > 0 }`);
  }
  const cols = m.features?.columns;
  if (!Array.isArray(cols) || !cols.every((c) => isObject(c) && typeof c.name === "string" && COLUMN_TYPES.includes(c.type as ColumnType))) {
    fail(path, `features.columns must list { name, type } objects (type: ${COLUMN_TYPES.join(", ")})`);
  }
  if (!Array.isArray(m.features.dropped)) fail(path, `features.dropped must be a list`);
  const missing = m.features.missing;
  if (missing !== undefined && !(Array.isArray(missing) && missing.every((c) => typeof c === "string"))) fail(path, `features.missing must be a list of strings`);
  if (!isObject(m.preprocess)) fail(path, `preprocess must be a saved ColumnTransformer`);
  if (!isObject(m.weights) || typeof m.weights.file !== "string" || typeof m.weights.sha256 !== "string") fail(path, `weights must name the weights file and its sha256`);
  // The manifest names a file beside it; a path elsewhere would be a tampered manifest.
  if (!/^[\w.-]+$/.test(m.weights.file) || m.weights.file.startsWith(".")) fail(path, `weights.file must be a file name in the bundle, got ${JSON.stringify(m.weights.file)}`);
  m.training = isObject(m.training) ? m.training : {};
  m.metrics = isObject(m.metrics) ? m.metrics : {};
  return m;
}
