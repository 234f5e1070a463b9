import { Tensor } from "../../tensor/tensor.js";
import { DataError } from "../errors.js";
import { Table, cellValue } from "../table.js";

export type Label = string | number | boolean;

/** Labels with where each came from, when known. */
interface Located {
  labels: (Label | null)[];
  where: (i: number) => { file: string | null; line: number | null; column: string | null };
}

function locate(source: Table | readonly (Label | null)[], column: string | undefined, op: string): Located {
  if (source instanceof Table) {
    if (column === undefined) throw new TypeError(`LabelEncoder.${op}: pass the target column's name with a table`);
    const col = source.column(column);
    const labels: (Label | null)[] = [];
    for (let r = 0; r < source.numRows; r++) labels.push(cellValue(col, r));
    return { labels, where: (i) => ({ file: source.file, line: source.lineOf(i), column }) };
  }
  return { labels: source.slice(), where: (i) => ({ file: null, line: i + 1, column: null }) };
}

/**
 * Class targets as class indices 0..k-1 (int32), as sklearn's LabelEncoder: classes
 * sorted (numerically when they are numbers), so 0/1 targets keep their values. Labels
 * are matched by their text, so 1 and "1" are one class. A label not seen in fit, or a
 * missing one, is an error naming the value and, given a table, its file, line and column.
 */
export class LabelEncoder {
  classes: Label[] | null = null;
  private index = new Map<string, number>();

  static fromJSON(json: unknown): LabelEncoder {
    const j = json as { type?: unknown; classes?: unknown };
    if (typeof j !== "object" || j === null || j.type !== "LabelEncoder") throw new TypeError(`LabelEncoder.fromJSON: not a saved LabelEncoder`);
    if (!Array.isArray(j.classes) || !j.classes.every((c) => ["string", "number", "boolean"].includes(typeof c))) {
      throw new TypeError(`LabelEncoder.fromJSON: "classes" must be an array of strings, numbers or booleans`);
    }
    return new LabelEncoder().setClasses(j.classes as Label[]);
  }

  get numClasses(): number {
    return this.requireFitted().length;
  }

  fit(table: Table, column: string): this;
  fit(labels: readonly (Label | null)[]): this;
  fit(source: Table | readonly (Label | null)[], column?: string): this {
    const { labels, where } = locate(source, column, "fit");
    const distinct = new Map<string, Label>();
    labels.forEach((l, i) => {
      if (l === null) throw new DataError(`LabelEncoder: the label is missing`, where(i));
      distinct.set(String(l), l);
    });
    if (distinct.size === 0) throw new DataError(`LabelEncoder: no labels to fit`);
    const classes = [...distinct.values()];
    const numeric = classes.every((c) => typeof c === "number");
    classes.sort(numeric ? (a, b) => (a as number) - (b as number) : (a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    return this.setClasses(classes);
  }

  /** Class indices as an int32 tensor [rows]. */
  transform(table: Table, column: string): Tensor;
  transform(labels: readonly (Label | null)[]): Tensor;
  transform(source: Table | readonly (Label | null)[], column?: string): Tensor {
    const classes = this.requireFitted();
    const { labels, where } = locate(source, column, "transform");
    const out = new Int32Array(labels.length);
    labels.forEach((l, i) => {
      if (l === null) throw new DataError(`LabelEncoder: the label is missing`, where(i));
      const k = this.index.get(String(l));
      if (k === undefined) {
        const known = classes.slice(0, 10).map((c) => JSON.stringify(c)).join(", ") + (classes.length > 10 ? `, … ${classes.length} in all` : "");
        throw new DataError(`label ${JSON.stringify(l)} was not seen in training (known: ${known})`, where(i));
      }
      out[i] = k;
    });
    return new Tensor(out, [labels.length]);
  }

  fitTransform(table: Table, column: string): Tensor;
  fitTransform(labels: readonly (Label | null)[]): Tensor;
  fitTransform(source: Table | readonly (Label | null)[], column?: string): Tensor {
    if (source instanceof Table) return this.fit(source, column!).transform(source, column!);
    return this.fit(source).transform(source);
  }

  /** The labels of class indices (predictions back to names). */
  inverseTransform(indices: Tensor | ArrayLike<number>): Label[] {
    const classes = this.requireFitted();
    const idx = indices instanceof Tensor ? indices.toArray() : indices;
    return Array.from(idx, (k) => {
      if (!Number.isInteger(k) || k < 0 || k >= classes.length) throw new RangeError(`LabelEncoder.inverseTransform: class index ${k} is out of range for ${classes.length} classes`);
      return classes[k];
    });
  }

  toJSON(): { type: "LabelEncoder"; classes: Label[] } {
    return { type: "LabelEncoder", classes: this.requireFitted().slice() };
  }

  private setClasses(classes: Label[]): this {
    this.classes = classes;
    this.index = new Map(classes.map((c, i) => [String(c), i]));
    return this;
  }

  private requireFitted(): Label[] {
    if (!this.classes) throw new Error("LabelEncoder: not fitted yet; call fit() on the training labels first");
    return this.classes;
  }
}
