import { DataError } from "../errors.js";
import { type Column, Table } from "../table.js";
import { Preprocessor, checkJSON, checkNumbers, numericValues } from "./base.js";

const ENCODE_FIRST = "encode it first (OneHotEncoder or OrdinalEncoder)";

/** Applies `f(value, column)` to every present value of every column; missing values stay NaN, as in sklearn. */
function mapColumns(t: Table, f: (v: number, c: number) => number, type: string): Table {
  return new Table(
    t.columns.map((col, c): Column => {
      const v = numericValues(col, t, type, ENCODE_FIRST);
      const out = new Float64Array(v.length);
      for (let r = 0; r < v.length; r++) out[r] = f(v[r], c);
      return { name: col.name, type: "numeric", values: out };
    }),
    t,
  );
}

export interface StandardScalerOptions {
  withMean?: boolean;
  withStd?: boolean;
}

/**
 * (x - mean) / std per column, as sklearn's StandardScaler: the population standard
 * deviation (ddof 0), missing values ignored in fit and kept in transform, and a constant
 * column (variance zero up to rounding, by sklearn's test) scaled by 1 rather than divided by 0.
 */
export class StandardScaler extends Preprocessor {
  readonly type = "StandardScaler";
  readonly withMean: boolean;
  readonly withStd: boolean;
  mean: number[] = [];
  scale: number[] = [];

  constructor(options: StandardScalerOptions = {}) {
    super();
    this.withMean = options.withMean ?? true;
    this.withStd = options.withStd ?? true;
  }

  static fromJSON(json: unknown): StandardScaler {
    const j = checkJSON(json, "StandardScaler", ["mean", "scale"]);
    const s = new StandardScaler({ withMean: j.withMean !== false, withStd: j.withStd !== false });
    s.mean = checkNumbers(j.mean as unknown[], s.type, "mean");
    s.scale = checkNumbers(j.scale as unknown[], s.type, "scale");
    return s.restoreColumns(j);
  }

  protected fitTable(t: Table): void {
    this.mean = [];
    this.scale = [];
    for (const col of t.columns) {
      const v = numericValues(col, t, this.type, ENCODE_FIRST);
      let n = 0;
      let sum = 0;
      for (const x of v) {
        if (Number.isNaN(x)) continue;
        n++;
        sum += x;
      }
      if (n === 0) throw new DataError(`${this.type}: the column has no values in the training data`, { file: t.file, column: col.name });
      const mean = sum / n;
      let ss = 0;
      for (const x of v) if (!Number.isNaN(x)) ss += (x - mean) * (x - mean);
      const variance = ss / n;
      this.mean.push(this.withMean ? mean : 0);
      this.scale.push(this.withStd && !isConstant(variance, mean, n) ? Math.sqrt(variance) : 1);
    }
  }

  protected transformTable(t: Table): Table {
    return mapColumns(t, (v, c) => (v - this.mean[c]) / this.scale[c], this.type);
  }

  protected stateJSON(): Record<string, unknown> {
    return { withMean: this.withMean, withStd: this.withStd, mean: this.mean, scale: this.scale };
  }
}

/** sklearn's _is_constant_feature: a variance within float64 rounding error of zero. */
function isConstant(variance: number, mean: number, n: number): boolean {
  const eps = Number.EPSILON;
  const bound = n * eps * variance + (n * mean * eps) ** 2;
  return variance <= bound;
}

export interface MinMaxScalerOptions {
  /** The target range (default [0, 1]). */
  featureRange?: [number, number];
}

/**
 * Maps each column's training [min, max] onto `featureRange`, as sklearn's MinMaxScaler:
 * a constant column gets scale 1 (so it maps to the range's low end), missing values stay NaN.
 * Values outside the training range map outside featureRange.
 */
export class MinMaxScaler extends Preprocessor {
  readonly type = "MinMaxScaler";
  readonly featureRange: [number, number];
  dataMin: number[] = [];
  dataMax: number[] = [];
  private scale: number[] = [];
  private offset: number[] = [];

  constructor(options: MinMaxScalerOptions = {}) {
    super();
    this.featureRange = options.featureRange ?? [0, 1];
    const [lo, hi] = this.featureRange;
    if (!(lo < hi)) throw new RangeError(`MinMaxScaler: featureRange [${lo}, ${hi}] must have low < high`);
  }

  static fromJSON(json: unknown): MinMaxScaler {
    const j = checkJSON(json, "MinMaxScaler", ["dataMin", "dataMax"]);
    const range = checkNumbers(j.featureRange as unknown[], "MinMaxScaler", "featureRange");
    const s = new MinMaxScaler({ featureRange: [range[0], range[1]] });
    s.setRange(checkNumbers(j.dataMin as unknown[], s.type, "dataMin"), checkNumbers(j.dataMax as unknown[], s.type, "dataMax"));
    return s.restoreColumns(j);
  }

  protected fitTable(t: Table): void {
    const mins: number[] = [];
    const maxs: number[] = [];
    for (const col of t.columns) {
      const v = numericValues(col, t, this.type, ENCODE_FIRST);
      let lo = Infinity;
      let hi = -Infinity;
      for (const x of v) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      if (lo > hi) throw new DataError(`${this.type}: the column has no values in the training data`, { file: t.file, column: col.name });
      mins.push(lo);
      maxs.push(hi);
    }
    this.setRange(mins, maxs);
  }

  private setRange(mins: number[], maxs: number[]): void {
    const [lo, hi] = this.featureRange;
    this.dataMin = mins;
    this.dataMax = maxs;
    this.scale = mins.map((m, c) => (hi - lo) / (maxs[c] - m === 0 ? 1 : maxs[c] - m));
    this.offset = mins.map((m, c) => lo - m * this.scale[c]);
  }

  protected transformTable(t: Table): Table {
    return mapColumns(t, (v, c) => v * this.scale[c] + this.offset[c], this.type);
  }

  protected stateJSON(): Record<string, unknown> {
    return { featureRange: this.featureRange, dataMin: this.dataMin, dataMax: this.dataMax };
  }
}
