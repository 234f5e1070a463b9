import { DataError } from "../errors.js";
import { type Column, type NumericArray, Table } from "../table.js";
import { type PreprocessorJSON, type TransformContext, Preprocessor, checkJSON } from "./base.js";

export type ImputeStrategy = "mean" | "median" | "mostFrequent" | "constant";

export interface SimpleImputerOptions {
  /** How a column's fill value is learned (default "mean", as sklearn). */
  strategy?: ImputeStrategy;
  /** The value for strategy "constant" (default 0 for number columns, "missing_value" for text, as sklearn). */
  fillValue?: number | string;
}

/**
 * Replaces missing values (NaN, null) with a per-column statistic of the training data,
 * as sklearn's SimpleImputer: the mean, the median, the most frequent value (the smallest
 * on a tie) or a constant. Each transform reports what it filled through `ctx.log`.
 */
export class SimpleImputer extends Preprocessor {
  readonly type = "SimpleImputer";
  readonly strategy: ImputeStrategy;
  readonly fillValue: number | string | undefined;
  /** The fill value of each fitted column. */
  statistics: (number | string)[] = [];

  constructor(options: SimpleImputerOptions = {}) {
    super();
    this.strategy = options.strategy ?? "mean";
    if (!["mean", "median", "mostFrequent", "constant"].includes(this.strategy)) {
      throw new TypeError(`SimpleImputer: unknown strategy "${this.strategy}" (mean, median, mostFrequent, constant)`);
    }
    this.fillValue = options.fillValue;
  }

  static fromJSON(json: unknown): SimpleImputer {
    const j = checkJSON(json, "SimpleImputer", ["statistics"]);
    const imp = new SimpleImputer({ strategy: j.strategy as ImputeStrategy, fillValue: j.fillValue as number | string | undefined });
    imp.statistics = (j.statistics as unknown[]).map((v) => {
      if (typeof v !== "number" && typeof v !== "string") throw new TypeError(`SimpleImputer.fromJSON: statistics must be numbers or strings, got ${JSON.stringify(v)}`);
      return v;
    });
    return imp.restoreColumns(j);
  }

  protected fitTable(t: Table): void {
    this.statistics = t.columns.map((col) => this.statistic(col, t));
  }

  private statistic(col: Column, t: Table): number | string {
    const where = { file: t.file, column: col.name };
    if (this.strategy === "constant") {
      if (col.type === "categorical") return this.fillValue === undefined ? "missing_value" : String(this.fillValue);
      if (typeof this.fillValue === "string") throw new DataError(`SimpleImputer: fillValue "${this.fillValue}" is text but the column holds numbers`, where);
      return this.fillValue ?? 0;
    }
    if (col.type === "categorical") {
      if (this.strategy !== "mostFrequent") throw new DataError(`SimpleImputer: strategy "${this.strategy}" needs numbers but the column is categorical; use "mostFrequent" or "constant"`, where);
      const counts = new Map<string, number>();
      for (const v of col.values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
      const best = mostFrequent(counts, (a, b) => a < b);
      if (best === undefined) throw noValues(this.strategy, where);
      return best;
    }
    const present = presentValues(col.values);
    if (present.length === 0) throw noValues(this.strategy, where);
    if (this.strategy === "mean") {
      let s = 0;
      for (const v of present) s += v;
      return s / present.length;
    }
    if (this.strategy === "median") {
      present.sort();
      const m = present.length >> 1;
      return present.length % 2 ? present[m] : (present[m - 1] + present[m]) / 2;
    }
    const counts = new Map<number, number>();
    for (const v of present) counts.set(v, (counts.get(v) ?? 0) + 1);
    return mostFrequent(counts, (a, b) => a < b)!;
  }

  protected transformTable(t: Table, ctx: TransformContext): Table {
    return new Table(
      t.columns.map((col, i) => {
        const fill = this.statistics[i];
        let filled = 0;
        let out: Column;
        if (col.type === "categorical") {
          const values = col.values.slice();
          for (let r = 0; r < values.length; r++) {
            if (values[r] !== null) continue;
            values[r] = String(fill);
            filled++;
          }
          out = { name: col.name, type: col.type, values };
        } else {
          const f = fill as number;
          const values = col.values.slice() as NumericArray;
          for (let r = 0; r < values.length; r++) {
            if (!Number.isNaN(values[r])) continue;
            values[r] = f;
            filled++;
          }
          // A boolean column filled with its mean (0.37) holds a fraction, so is numeric now.
          const type = col.type === "boolean" && f !== 0 && f !== 1 ? "numeric" : col.type;
          out = { name: col.name, type, values };
        }
        if (filled > 0) ctx.log?.(`SimpleImputer: filled ${filled} missing value${filled > 1 ? "s" : ""} in "${col.name}" with ${JSON.stringify(fill)} (${this.strategy})`);
        return out;
      }),
      t,
    );
  }

  protected stateJSON(): Record<string, unknown> {
    return { strategy: this.strategy, fillValue: this.fillValue, statistics: this.statistics };
  }
}

function presentValues(values: NumericArray): Float64Array {
  const out: number[] = [];
  for (const v of values) if (!Number.isNaN(v)) out.push(v);
  return Float64Array.from(out);
}

/** The key with the highest count; among equals, the smallest (sklearn's tie rule). */
function mostFrequent<K>(counts: Map<K, number>, less: (a: K, b: K) => boolean): K | undefined {
  let best: K | undefined;
  let bestCount = 0;
  for (const [k, c] of counts) {
    if (c > bestCount || (c === bestCount && best !== undefined && less(k, best))) {
      best = k;
      bestCount = c;
    }
  }
  return best;
}

function noValues(strategy: string, where: { file: string | null; column: string }): DataError {
  return new DataError(`SimpleImputer: the column has no values in the training data to take the ${strategy} of; drop it or use strategy "constant"`, where);
}
