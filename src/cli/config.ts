import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ColumnType } from "../data/table.js";
import { ACTIVATIONS, type ActivationName } from "../io/bundle_arch.js";
import { Parameter } from "../nn/parameter.js";
import { zeros } from "../tensor/creation.js";
import { type OptimizerName, type OptimizerSpec, resolveOptimizer } from "../train/optimizer_spec.js";
import { type Check, ConfigError, boolean, listOf, mapOf, number, object, oneOf, orFalse, orWord, text } from "./config_check.js";

/**
 * The run config of `lathe train`: every setting with its default, overridden by a YAML or
 * JSON file (`--config`), then by the command's flags. A file gives only what it changes:
 *
 *   model: { hidden: [64, 32], dropout: 0.1, batchNorm: true }
 *   optimizer: { name: adamw, lr: 0.003, weightDecay: 0.01 }
 *   schedule: { type: cosine }
 *   training: { epochs: 100, earlyStopping: { patience: 15 } }
 *   preprocessing: { numeric: { scale: minmax }, columns: { zip: drop } }
 */

export type TaskName = "classification" | "regression";

export interface ColumnSteps {
  impute?: "mean" | "median" | "mostFrequent" | "constant";
  scale?: "standard" | "minmax" | "none";
  encode?: "onehot" | "ordinal";
}

export type ScheduleConfig =
  | { type: "none" }
  | { type: "step"; stepSize: number; gamma: number }
  | { type: "cosine"; minLr: number }
  | { type: "plateau"; factor: number; patience: number };

export interface RunConfig {
  /** null: detected from the target column. */
  task: TaskName | null;
  data: {
    /** Column types that override inference (e.g. a numeric code that is really a category). */
    schema: Record<string, ColumnType>;
    /** Cells that mean "missing"; null: the reader's defaults (empty, NA, ?, NaN, …). */
    missing: string[] | null;
    /** Columns to leave out of the features. */
    drop: string[];
    /** Detected identifier columns (unique per row) are dropped, or kept with "keep". */
    identifiers: "drop" | "keep";
  };
  split: { validation: number; test: number; stratify: boolean };
  model: { hidden: number[]; dropout: number; batchNorm: boolean; activation: ActivationName };
  /** Settings beyond name and lr go to the optimizer as they are (weightDecay, momentum, betas, …). */
  optimizer: { name: OptimizerName; lr: number; [setting: string]: unknown };
  schedule: ScheduleConfig;
  training: {
    epochs: number;
    batchSize: number;
    seed: number;
    earlyStopping: { patience: number; monitor: string; minDelta: number } | false;
    /** "balanced" weighs classes by the inverse of their frequency in the training split. */
    classWeight: "none" | "balanced";
    gradClipNorm: number | null;
  };
  preprocessing: {
    numeric: ColumnSteps;
    categorical: ColumnSteps;
    columns: Record<string, ColumnSteps | "drop">;
  };
}

export const DEFAULT_CONFIG: RunConfig = {
  task: null,
  data: { schema: {}, missing: null, drop: [], identifiers: "drop" },
  split: { validation: 0.15, test: 0.15, stratify: true },
  model: { hidden: [128, 64], dropout: 0, batchNorm: false, activation: "relu" },
  optimizer: { name: "adam", lr: 1e-3 },
  schedule: { type: "none" },
  training: {
    epochs: 50,
    batchSize: 32,
    seed: 0,
    earlyStopping: { patience: 10, monitor: "valLoss", minDelta: 0 },
    classWeight: "none",
    gradClipNorm: null,
  },
  preprocessing: {
    numeric: { impute: "median", scale: "standard" },
    categorical: { impute: "mostFrequent", encode: "onehot" },
    columns: {},
  },
};

const fraction = number({ above: 0, below: 1 });
const positive = number({ above: 0 });
const count = number({ min: 1, integer: true });

const steps = object({
  impute: oneOf("mean", "median", "mostFrequent", "constant"),
  scale: oneOf("standard", "minmax", "none"),
  encode: oneOf("onehot", "ordinal"),
});

const SCHEDULE_KEYS: Record<ScheduleConfig["type"], string[]> = { none: [], step: ["stepSize", "gamma"], cosine: ["minLr"], plateau: ["factor", "patience"] };

/** A schedule: its type, and only the settings that type has. */
const schedule: Check<Partial<ScheduleConfig>> = (v, path) => {
  const s = object({
    type: oneOf("none", "step", "cosine", "plateau"),
    stepSize: count,
    gamma: fraction,
    minLr: number({ min: 0 }),
    factor: fraction,
    patience: number({ min: 0, integer: true }),
  })(v, path);
  const type = s.type ?? "none";
  const extra = Object.keys(s).filter((k) => k !== "type" && !SCHEDULE_KEYS[type].includes(k));
  if (extra.length) throw new ConfigError(`${path}.${extra[0]} does not apply to schedule type "${type}" (its settings: ${SCHEDULE_KEYS[type].join(", ") || "none"})`);
  return s as Partial<ScheduleConfig>;
};

/** An optimizer: a name, a learning rate, and numeric or boolean settings the optimizer itself checks. */
const optimizer: Check<Record<string, unknown>> = (v, path) => {
  const setting: Check<unknown> = (x, p) => (Array.isArray(x) ? listOf(number())(x, p) : typeof x === "boolean" ? x : number()(x, p));
  const { name, lr, ...rest } = mapOf((x) => x)(v, path);
  return {
    ...(name !== undefined ? { name: oneOf("adam", "adamw", "sgd", "rmsprop", "adagrad")(name, `${path}.name`) } : {}),
    ...(lr !== undefined ? { lr: positive(lr, `${path}.lr`) } : {}),
    ...Object.fromEntries(Object.entries(rest).map(([k, x]) => [k, setting(x, `${path}.${k}`)])),
  };
};

const configFile = object({
  task: oneOf("classification", "regression"),
  data: object({
    schema: mapOf(oneOf("numeric", "categorical", "boolean", "date")),
    missing: listOf(text),
    drop: listOf(text),
    identifiers: oneOf("drop", "keep"),
  }),
  split: object({ validation: fraction, test: fraction, stratify: boolean }),
  model: object({
    hidden: listOf(count),
    dropout: number({ min: 0, below: 1 }),
    batchNorm: boolean,
    activation: oneOf(...ACTIVATIONS),
  }),
  optimizer,
  schedule,
  training: object({
    epochs: count,
    batchSize: count,
    seed: number({ min: 0, integer: true }),
    earlyStopping: orFalse(object({ patience: number({ min: 0, integer: true }), monitor: text, minDelta: number({ min: 0 }) })),
    classWeight: oneOf("none", "balanced"),
    gradClipNorm: positive,
  }),
  preprocessing: object({
    numeric: steps,
    categorical: steps,
    columns: mapOf(orWord("drop", steps)),
  }),
});

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `over` laid over `base`: mappings merge key by key, anything else (lists, false) replaces. */
function merge<T>(base: T, over: unknown): T {
  if (!isMap(base) || !isMap(over)) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
  return out as T;
}

/** A config file (YAML, or JSON by its .json extension) checked and laid over the defaults. */
export function loadConfig(path: string | undefined): RunConfig {
  if (path === undefined) return structuredClone(DEFAULT_CONFIG);
  let raw: unknown;
  try {
    const source = readFileSync(path, "utf8");
    raw = extname(path).toLowerCase() === ".json" ? JSON.parse(source) : parseYaml(source);
  } catch (err) {
    throw new ConfigError(`${path}: cannot read the config: ${(err as Error).message.split("\n")[0]}`);
  }
  // An empty YAML file is null: nothing changed.
  if (raw === null || raw === undefined) return structuredClone(DEFAULT_CONFIG);
  if (!isMap(raw)) throw new ConfigError(`${path}: a config is a mapping of settings (model, optimizer, training, …), got ${JSON.stringify(raw)}`);
  try {
    const file = configFile(raw, "");
    const config = merge(structuredClone(DEFAULT_CONFIG), file);
    // A schedule of another type does not keep the default's settings; fill in its own.
    config.schedule = { ...scheduleDefaults(config.schedule.type), ...(file.schedule ?? {}) } as ScheduleConfig;
    checkOptimizer(config.optimizer);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${path}: ${err.message}`);
    throw err;
  }
}

/** The optimizer's own check of its settings (an unknown or bad one), run now rather than when training starts. */
function checkOptimizer(spec: RunConfig["optimizer"]): void {
  try {
    resolveOptimizer(spec as OptimizerSpec, [new Parameter(zeros(1))]);
  } catch (err) {
    throw new ConfigError(`optimizer: ${(err as Error).message}`);
  }
}

function scheduleDefaults(type: ScheduleConfig["type"]): ScheduleConfig {
  switch (type) {
    case "none":
      return { type };
    case "step":
      return { type, stepSize: 10, gamma: 0.5 };
    case "cosine":
      return { type, minLr: 0 };
    case "plateau":
      return { type, factor: 0.5, patience: 5 };
  }
}
