/**
 * The bundle adapter: the one file that knows how a model bundle loads and predicts
 * (io's loadModel and TabularModel). It turns a bundle into what the server needs — a
 * schema to validate requests against and a function from validated rows to predictions —
 * and the bundle's data errors into input errors that name the row and field.
 */
import { DataError } from "../data/errors.js";
import type { PreprocessorJSON } from "../data/preprocess/base.js";
import { loadModel } from "../io/bundle.js";
import type { TabularModel } from "../io/bundle_model.js";
import type { WireError } from "./protocol.js";
import { type FeatureSpec, type Instance, InputError, type ModelInfo, type Prediction } from "./types.js";

export interface ServedModel {
  readonly info: ModelInfo;
  /** Predictions for validated rows, exactly as `TabularModel.predictRecords` (and so `lathe predict`) gives them. */
  predict(rows: Instance[]): Prediction[];
}

const ENCODERS = new Set(["OneHotEncoder", "OrdinalEncoder"]);

/**
 * What the saved preprocessing does with each input column: whether a step imputes missing
 * values, and the categories of an encoder that rejects unseen ones (null if it accepts them).
 */
function preprocessFacts(m: TabularModel): Map<string, { imputes: boolean; strictCategories: string[] | null }> {
  const facts = new Map<string, { imputes: boolean; strictCategories: string[] | null }>();
  for (const group of m.manifest.preprocess.groups) {
    const steps = group.steps as PreprocessorJSON[];
    const imputes = steps.some((s) => s.type === "SimpleImputer");
    group.columns.forEach((column) => {
      const encoder = steps.find((s) => ENCODERS.has(s.type));
      let strict: string[] | null = null;
      if (encoder && encoder.handleUnknown === "error") {
        const at = encoder.columns.indexOf(column);
        strict = at >= 0 ? ((encoder.categories as string[][])[at] ?? []) : null;
      }
      facts.set(column, { imputes, strictCategories: strict });
    });
  }
  return facts;
}

export function modelInfo(m: TabularModel): ModelInfo {
  const facts = preprocessFacts(m);
  const features = m.schema.columns.map((c): FeatureSpec => {
    const f = facts.get(c.name);
    const strict = f?.strictCategories ?? null;
    return {
      name: c.name,
      type: c.type,
      ...(c.type === "categorical" ? { categories: strict ?? c.categories ?? [], acceptsUnknownCategories: strict === null } : {}),
      acceptsMissing: f?.imputes ?? false,
    };
  });
  const { architecture, target, training, weights } = m.manifest;
  return {
    task: m.task,
    labels: m.labels,
    features,
    metrics: m.manifest.metrics,
    metadata: { target: target.name, architecture, parameters: weights.parameters, training },
  };
}

export async function loadServedModel(dir: string): Promise<ServedModel> {
  const m = await loadModel(dir);
  return { info: modelInfo(m), predict: (rows) => m.predictRecords(rows) };
}

/**
 * An error as it crosses from a worker to the server. A DataError from the bundle names
 * the 1-based row of the rows scored and the column; it becomes an input error with the
 * 0-based row, its message without the location prefix (the server words that itself).
 * An InputError (the LM adapter's refusal of a prompt) crosses as it is.
 */
export function toWireError(e: unknown): WireError {
  if (e instanceof InputError) return { message: e.message, input: true, row: e.row, field: e.field };
  if (e instanceof DataError) {
    const prefix = [e.line != null ? `row ${e.line}` : null, e.column != null ? `column "${e.column}"` : null].filter(Boolean).join(", ");
    const message = prefix && e.message.startsWith(`${prefix}: `) ? e.message.slice(prefix.length + 2) : e.message;
    return { message, input: true, row: e.line != null ? e.line - 1 : null, field: e.column };
  }
  return { message: e instanceof Error ? e.message : String(e), input: false, row: null, field: null };
}
