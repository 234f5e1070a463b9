import { Tensor } from "../../tensor/tensor.js";
import { DataError } from "../errors.js";
import type { ColumnType, Table } from "../table.js";
import { type PreprocessorJSON, type TransformContext, Preprocessor } from "./base.js";
import { OneHotEncoder } from "./encoders.js";
import { SimpleImputer } from "./imputer.js";
import { preprocessorFromJSON } from "./json.js";
import { StandardScaler } from "./scalers.js";

export type Steps = readonly Preprocessor[];

export interface ColumnTransformerOptions {
  /** Steps for numeric columns (default: median imputation, then standard scaling). */
  numeric?: Steps;
  /** Steps for categorical columns (default: most-frequent imputation, then one-hot encoding that ignores unseen categories). */
  categorical?: Steps;
  /** Steps for boolean columns (default: most-frequent imputation; the values are already 0/1). */
  boolean?: Steps;
  /** Steps for date columns, as milliseconds since 1970 (default: median imputation, then standard scaling). */
  date?: Steps;
  /** Steps for particular columns, instead of their type's; "drop" leaves a column out, [] passes it through. */
  columns?: Readonly<Record<string, Steps | "drop">>;
  /** Columns left out of the features: the target, identifiers. */
  drop?: readonly string[];
}

/** Columns fitted together through one list of steps. */
interface Group {
  columns: string[];
  steps: Preprocessor[];
}

export interface ColumnTransformerJSON {
  type: "ColumnTransformer";
  drop: string[];
  groups: { columns: string[]; steps: PreprocessorJSON[] }[];
  featureNames: string[];
}

function defaultSteps(type: ColumnType): Preprocessor[] {
  switch (type) {
    case "numeric":
    case "date":
      return [new SimpleImputer({ strategy: "median" }), new StandardScaler()];
    case "categorical":
      return [new SimpleImputer({ strategy: "mostFrequent" }), new OneHotEncoder({ handleUnknown: "ignore" })];
    case "boolean":
      return [new SimpleImputer({ strategy: "mostFrequent" })];
  }
}

/**
 * Turns a table into a float32 feature matrix [rows, features], like sklearn's
 * ColumnTransformer: each column goes through the steps for its type (or its own steps),
 * fitted on the training split only; the outputs are laid side by side, group after group
 * in the order of each group's first column in the table (columns of one type form one
 * group), and `featureNames` names them. The fitted
 * transformer saves to JSON with the model and restores with fromJSON, so prediction
 * applies exactly the training statistics.
 */
export class ColumnTransformer {
  readonly type = "ColumnTransformer";
  private readonly options: ColumnTransformerOptions;
  private groups: Group[] | null = null;
  private dropped: string[] = [];
  /** The names of the output features, after fit. */
  featureNames: string[] = [];

  constructor(options: ColumnTransformerOptions = {}) {
    this.options = options;
  }

  static fromJSON(json: unknown): ColumnTransformer {
    const j = json as ColumnTransformerJSON;
    if (typeof j !== "object" || j === null || j.type !== "ColumnTransformer") throw new TypeError("ColumnTransformer.fromJSON: not a saved ColumnTransformer");
    if (!Array.isArray(j.groups) || !Array.isArray(j.featureNames) || !Array.isArray(j.drop)) {
      throw new TypeError(`ColumnTransformer.fromJSON: "groups", "featureNames" and "drop" must be arrays`);
    }
    const ct = new ColumnTransformer();
    ct.groups = j.groups.map((g) => {
      if (!Array.isArray(g.columns) || !Array.isArray(g.steps)) throw new TypeError(`ColumnTransformer.fromJSON: each group needs "columns" and "steps" arrays`);
      return { columns: g.columns.slice(), steps: g.steps.map(preprocessorFromJSON) };
    });
    ct.featureNames = j.featureNames.slice();
    ct.dropped = j.drop.slice();
    return ct;
  }

  get fitted(): boolean {
    return this.groups !== null;
  }

  /** The columns a table must have for transform, in the order they were fitted. */
  get inputColumns(): string[] {
    return this.requireFitted().flatMap((g) => g.columns);
  }

  /** Learns every step's statistics from `table` (the training split). */
  fit(table: Table, ctx: TransformContext = {}): this {
    this.fitTransform(table, ctx);
    return this;
  }

  fitTransform(table: Table, ctx: TransformContext = {}): Tensor {
    const groups = this.planGroups(table);
    const outputs = groups.map((g) => {
      let t = table.select(g.columns);
      for (const step of g.steps) t = step.fitTransform(t, ctx);
      return t;
    });
    const names = outputs.flatMap((t) => t.names);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new DataError(`ColumnTransformer: two features are named "${dup}"; rename a column`, { file: table.file });
    if (names.length === 0) throw new DataError(`ColumnTransformer: no feature columns are left (all dropped)`, { file: table.file });
    this.groups = groups;
    this.featureNames = names;
    return toMatrix(outputs, table.numRows);
  }

  /** The feature matrix of `table`, float32 [rows, featureNames.length]. */
  transform(table: Table, ctx: TransformContext = {}): Tensor {
    const groups = this.requireFitted();
    for (const c of this.inputColumns) {
      if (!table.has(c)) throw new DataError(`ColumnTransformer: column "${c}", used in training, is not in the data`, { file: table.file });
    }
    const outputs = groups.map((g) => {
      let t = table.select(g.columns);
      for (const step of g.steps) t = step.transform(t, ctx);
      return t;
    });
    return toMatrix(outputs, table.numRows);
  }

  toJSON(): ColumnTransformerJSON {
    const groups = this.requireFitted();
    return {
      type: "ColumnTransformer",
      drop: this.dropped.slice(),
      groups: groups.map((g) => ({ columns: g.columns.slice(), steps: g.steps.map((s) => s.toJSON()) })),
      featureNames: this.featureNames.slice(),
    };
  }

  /** Which columns go through which steps: one group per type, one per column given its own steps. */
  private planGroups(table: Table): Group[] {
    const { columns: own = {}, drop = [] } = this.options;
    for (const name of [...drop, ...Object.keys(own)]) table.column(name);
    const dropped = new Set(drop);
    for (const [name, steps] of Object.entries(own)) if (steps === "drop") dropped.add(name);
    const groups: Group[] = [];
    const byType = new Map<ColumnType, Group>();
    const used = new Set<Preprocessor>();
    const claim = (steps: Steps, what: string): Preprocessor[] => {
      for (const s of steps) {
        if (!(s instanceof Preprocessor)) throw new TypeError(`ColumnTransformer: the steps for ${what} must be preprocessors (SimpleImputer, StandardScaler, …)`);
        if (used.has(s)) throw new TypeError(`ColumnTransformer: one ${s.type} instance is used for ${what} and elsewhere; give each its own`);
        used.add(s);
      }
      return steps.slice();
    };
    for (const col of table.columns) {
      if (dropped.has(col.name)) continue;
      const mine = own[col.name];
      if (mine !== undefined && mine !== "drop") {
        groups.push({ columns: [col.name], steps: claim(mine, `column "${col.name}"`) });
        continue;
      }
      let g = byType.get(col.type);
      if (!g) {
        g = { columns: [], steps: claim(this.options[col.type] ?? defaultSteps(col.type), `${col.type} columns`) };
        byType.set(col.type, g);
        groups.push(g);
      }
      g.columns.push(col.name);
    }
    this.dropped = [...dropped];
    return groups;
  }

  private requireFitted(): Group[] {
    if (!this.groups) throw new Error("ColumnTransformer: not fitted yet; call fit() on the training data first");
    return this.groups;
  }
}

/** The groups' outputs side by side; text or a missing value left at the end is an error that says where. */
function toMatrix(outputs: Table[], rows: number): Tensor {
  const width = outputs.reduce((n, t) => n + t.numColumns, 0);
  const out = new Float32Array(rows * width);
  let at = 0;
  for (const t of outputs) {
    for (const col of t.columns) {
      if (col.type === "categorical") {
        throw new DataError(`ColumnTransformer: the column is still text after its steps; add an encoder (OneHotEncoder or OrdinalEncoder)`, { file: t.file, column: col.name });
      }
      const v = col.values;
      for (let r = 0; r < rows; r++) {
        if (Number.isNaN(v[r])) throw t.errorAt(r, col.name, `ColumnTransformer: missing value left after the column's steps; add a SimpleImputer`);
        out[r * width + at] = v[r];
      }
      at++;
    }
  }
  return new Tensor(out, [rows, width]);
}
