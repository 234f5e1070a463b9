import { DataError } from "../errors.js";
import { type Column, Table } from "../table.js";
import { type PreprocessorJSON, type TransformContext, Preprocessor, categoryKey, checkJSON, sortCategories } from "./base.js";

export interface EncoderOptions {
  /**
   * The categories of a column, in the order to encode them (an ordinal scale such as
   * low, medium, high); columns not named learn theirs from the training data, sorted.
   */
  categories?: Readonly<Record<string, readonly (string | number | boolean)[]>>;
}

/**
 * Categories per column: given ones, else the sorted distinct values of the training data.
 * Values are keyed as text, so 1 and "1" are the same category. A missing training value
 * is an error when `missingIsError`, else skipped.
 */
function learnCategories(t: Table, given: EncoderOptions["categories"], type: string, missingIsError: boolean): string[][] {
  return t.columns.map((col) => {
    const fixed = given?.[col.name]?.map(String);
    const known = new Set(fixed);
    const seen = new Set<string>();
    for (let r = 0; r < t.numRows; r++) {
      const key = categoryKey(col, r);
      if (key === null) {
        if (missingIsError) throw t.errorAt(r, col.name, `${type}: missing value; impute it first (SimpleImputer)`);
        continue;
      }
      if (fixed && !known.has(key)) throw t.errorAt(r, col.name, `${type}: category "${key}" is not among the given categories (${list(fixed)})`);
      seen.add(key);
    }
    if (fixed) return fixed;
    if (seen.size === 0) throw new DataError(`${type}: the column has no values in the training data`, { file: t.file, column: col.name });
    return sortCategories(col, seen);
  });
}

function list(categories: readonly string[], max = 10): string {
  const shown = categories.slice(0, max).map((c) => `"${c}"`).join(", ");
  return categories.length > max ? `${shown}, … ${categories.length} in all` : shown;
}

function checkCategories(j: PreprocessorJSON, type: string): string[][] {
  const cats = j.categories as unknown[];
  return cats.map((c) => {
    if (!Array.isArray(c) || !c.every((k) => typeof k === "string")) throw new TypeError(`${type}.fromJSON: "categories" must hold arrays of strings`);
    return c.slice();
  });
}

function indexOf(categories: string[][]): Map<string, number>[] {
  return categories.map((cats) => new Map(cats.map((k, i) => [k, i])));
}

/** Reports rows whose category was not seen in training, once per column, through ctx.log. */
function logUnknown(ctx: TransformContext, type: string, col: Column, unknown: Map<string, number>, treatment: string): void {
  if (unknown.size === 0) return;
  let rows = 0;
  for (const n of unknown.values()) rows += n;
  ctx.log?.(`${type}: ${rows} row${rows > 1 ? "s" : ""} of "${col.name}" had categories not seen in training (${list([...unknown.keys()], 5)}); ${treatment}`);
}

export interface OneHotEncoderOptions extends EncoderOptions {
  /** A category not seen in training: "error" (the default, as sklearn) names it and its row; "ignore" encodes it as all zeros. */
  handleUnknown?: "error" | "ignore";
}

/**
 * One 0/1 column per category, named `<column>_<category>` as sklearn's
 * get_feature_names_out. Missing values are an error here: impute them first.
 */
export class OneHotEncoder extends Preprocessor {
  readonly type = "OneHotEncoder";
  readonly handleUnknown: "error" | "ignore";
  private readonly given: EncoderOptions["categories"];
  categories: string[][] = [];
  private index: Map<string, number>[] = [];

  constructor(options: OneHotEncoderOptions = {}) {
    super();
    this.handleUnknown = options.handleUnknown ?? "error";
    if (this.handleUnknown !== "error" && this.handleUnknown !== "ignore") throw new TypeError(`OneHotEncoder: handleUnknown must be "error" or "ignore", got "${this.handleUnknown}"`);
    this.given = options.categories;
  }

  static fromJSON(json: unknown): OneHotEncoder {
    const j = checkJSON(json, "OneHotEncoder", ["categories"]);
    const e = new OneHotEncoder({ handleUnknown: j.handleUnknown as "error" | "ignore" });
    e.setCategories(checkCategories(j, e.type));
    return e.restoreColumns(j);
  }

  /** The output column names, `<column>_<category>`. */
  get featureNames(): string[] {
    const cols = this.requireFitted();
    return this.categories.flatMap((cats, c) => cats.map((k) => `${cols[c]}_${k}`));
  }

  protected fitTable(t: Table): void {
    this.setCategories(learnCategories(t, this.given, this.type, true));
  }

  private setCategories(categories: string[][]): void {
    this.categories = categories;
    this.index = indexOf(categories);
  }

  protected transformTable(t: Table, ctx: TransformContext): Table {
    const out: Column[] = [];
    t.columns.forEach((col, c) => {
      const cats = this.categories[c];
      const blocks = cats.map(() => new Float64Array(t.numRows));
      const unknown = new Map<string, number>();
      for (let r = 0; r < t.numRows; r++) {
        const key = categoryKey(col, r);
        if (key === null) throw t.errorAt(r, col.name, `${this.type}: missing value; impute it first (SimpleImputer)`);
        const k = this.index[c].get(key);
        if (k !== undefined) blocks[k][r] = 1;
        else if (this.handleUnknown === "error") throw t.errorAt(r, col.name, `category "${key}" was not seen in training (known: ${list(cats)})`);
        else unknown.set(key, (unknown.get(key) ?? 0) + 1);
      }
      logUnknown(ctx, this.type, col, unknown, "encoded as all zeros");
      cats.forEach((k, i) => out.push({ name: `${col.name}_${k}`, type: "numeric", values: blocks[i] }));
    });
    return new Table(out, t);
  }

  protected stateJSON(): Record<string, unknown> {
    return { handleUnknown: this.handleUnknown, categories: this.categories };
  }
}

export interface OrdinalEncoderOptions extends EncoderOptions {
  /** A category not seen in training: "error" (the default) names it and its row; "useEncodedValue" encodes it as `unknownValue`. */
  handleUnknown?: "error" | "useEncodedValue";
  /** The code for unseen categories with handleUnknown "useEncodedValue" (default -1; NaN to treat them as missing). */
  unknownValue?: number;
}

/**
 * Each category as its index (0, 1, …) in the learned or given order, in one numeric column.
 * Missing values stay missing (NaN), as sklearn, for an imputer after it.
 */
export class OrdinalEncoder extends Preprocessor {
  readonly type = "OrdinalEncoder";
  readonly handleUnknown: "error" | "useEncodedValue";
  readonly unknownValue: number;
  private readonly given: EncoderOptions["categories"];
  categories: string[][] = [];
  private index: Map<string, number>[] = [];

  constructor(options: OrdinalEncoderOptions = {}) {
    super();
    this.handleUnknown = options.handleUnknown ?? "error";
    if (this.handleUnknown !== "error" && this.handleUnknown !== "useEncodedValue") {
      throw new TypeError(`OrdinalEncoder: handleUnknown must be "error" or "useEncodedValue", got "${this.handleUnknown}"`);
    }
    this.unknownValue = options.unknownValue ?? -1;
    this.given = options.categories;
  }

  static fromJSON(json: unknown): OrdinalEncoder {
    const j = checkJSON(json, "OrdinalEncoder", ["categories"]);
    // JSON has no NaN: a NaN unknownValue is saved as null.
    const unknownValue = j.unknownValue === null ? NaN : (j.unknownValue as number);
    const e = new OrdinalEncoder({ handleUnknown: j.handleUnknown as "error" | "useEncodedValue", unknownValue });
    e.categories = checkCategories(j, e.type);
    e.index = indexOf(e.categories);
    return e.restoreColumns(j);
  }

  protected fitTable(t: Table): void {
    this.categories = learnCategories(t, this.given, this.type, false);
    this.index = indexOf(this.categories);
  }

  protected transformTable(t: Table, ctx: TransformContext): Table {
    return new Table(
      t.columns.map((col, c): Column => {
        const values = new Float64Array(t.numRows);
        const unknown = new Map<string, number>();
        for (let r = 0; r < t.numRows; r++) {
          const key = categoryKey(col, r);
          if (key === null) {
            values[r] = NaN;
            continue;
          }
          const k = this.index[c].get(key);
          if (k !== undefined) values[r] = k;
          else if (this.handleUnknown === "error") throw t.errorAt(r, col.name, `category "${key}" was not seen in training (known: ${list(this.categories[c])})`);
          else {
            values[r] = this.unknownValue;
            unknown.set(key, (unknown.get(key) ?? 0) + 1);
          }
        }
        logUnknown(ctx, this.type, col, unknown, `encoded as ${this.unknownValue}`);
        return { name: col.name, type: "numeric", values };
      }),
      t,
    );
  }

  protected stateJSON(): Record<string, unknown> {
    return { handleUnknown: this.handleUnknown, unknownValue: Number.isNaN(this.unknownValue) ? null : this.unknownValue, categories: this.categories };
  }
}
