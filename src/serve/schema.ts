/**
 * Request validation from a model's input schema. Every instance is checked on the event
 * loop before it joins a batch, so one client's bad row is that client's 400 naming the
 * row and field, never a failed batch that takes other clients' rows down with it.
 */
import { parseDate } from "../data/infer.js";
import type { FeatureSpec, Instance } from "./types.js";

/** Why an instance was rejected: its 0-based index in `instances`, the field, and a sentence. */
export interface InstanceError {
  readonly row: number;
  readonly field: string | null;
  readonly message: string;
}

export type Validation = { readonly ok: true; readonly rows: Instance[] } | { readonly ok: false; readonly error: InstanceError };

export type Validator = (instances: readonly unknown[]) => Validation;

/**
 * The largest float32. Features reach the model as float32, so a larger magnitude would
 * turn into Infinity there and come out as a NaN prediction; it is refused up front.
 */
const FLOAT32_MAX = 3.4028234663852886e38;

/** A value as a short phrase for a message: never the whole of a huge or deeply nested value. */
function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

/** A client-supplied name, shortened for a message. */
function quote(name: string): string {
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
}

function listNames(features: readonly FeatureSpec[], max = 12): string {
  const names = features.slice(0, max).map((f) => f.name).join(", ");
  return features.length > max ? `${names}, … ${features.length} in all` : names;
}

type Cell = Instance[string];
/** A rejected row, as a class so it cannot be mistaken for an instance that has the same keys. */
class Rejection {
  constructor(readonly error: InstanceError) {}
}
/** A checked value ready for the bundle, or the reason it is not acceptable. */
type Checked = { ok: true; value: Cell } | { ok: false; reason: string };

function checker(f: FeatureSpec): (v: unknown) => Checked {
  const known = f.categories ? new Set(f.categories) : null;
  const strictCategories = known !== null && f.acceptsUnknownCategories === false;
  const bad = (expected: string, v: unknown): Checked => ({ ok: false, reason: `expected ${expected}, got ${describe(v)}` });
  const typed = (v: unknown): Checked => {
    switch (f.type) {
      case "numeric":
        if (typeof v !== "number") return bad("a number", v);
        // JSON has no NaN or Infinity literals, but 1e400 parses to Infinity.
        if (!Number.isFinite(v)) return { ok: false, reason: `the number is not finite (${v})` };
        if (Math.abs(v) > FLOAT32_MAX) return { ok: false, reason: `${v} is out of range: the model computes in float32 (max ±3.4e38)` };
        return { ok: true, value: v };
      case "boolean":
        return typeof v === "boolean" ? { ok: true, value: v } : bad("true or false", v);
      case "date":
        // The parser the bundle reads date cells with, so what passes here converts there.
        if (typeof v === "string" && parseDate(v.trim()) !== undefined) return { ok: true, value: v };
        return bad("a date string (ISO 8601, e.g. 2024-05-01T12:00:00Z)", v);
      case "categorical": {
        if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return bad("a category (string)", v);
        if (typeof v === "number" && !Number.isFinite(v)) return { ok: false, reason: `the number is not finite (${v})` };
        // Categories are keyed as text, so 1 and "1" name the same one (as in training).
        const key = String(v);
        if (strictCategories && !known!.has(key)) {
          const shown = f.categories!.slice(0, 10).map((c) => JSON.stringify(c)).join(", ");
          return { ok: false, reason: `unknown category ${describe(key)}; the model accepts only the categories seen in training (${shown}${f.categories!.length > 10 ? ", …" : ""})` };
        }
        return { ok: true, value: key };
      }
    }
  };
  return (v) => {
    if (v === null) {
      return f.acceptsMissing ? { ok: true, value: null } : { ok: false, reason: "missing value (null) is not accepted: the model has no imputer for this feature" };
    }
    return typed(v);
  };
}

/**
 * A validator for instances of a model with these features. An instance is either an
 * object {feature: value} with exactly the model's features, or an array of values in the
 * schema's feature order.
 */
export function compileValidator(features: readonly FeatureSpec[]): Validator {
  const checks = features.map(checker);
  const index = new Map(features.map((f, i) => [f.name, i]));
  const n = features.length;

  function validateRow(x: unknown, row: number): Instance | Rejection {
    const fail = (name: string | null, message: string) => {
      // An unknown key is the client's and may be huge; echo only its start.
      const field = name !== null && name.length > 100 ? `${name.slice(0, 100)}…` : name;
      return new Rejection({ row, field, message: `instances[${row}]${field === null ? "" : `.${field}`}: ${message}` });
    };
    let values: unknown[];
    if (Array.isArray(x)) {
      if (x.length !== n) return fail(null, `expected an array of ${n} values in feature order (${listNames(features)}), got ${x.length}`);
      values = x;
    } else if (typeof x === "object" && x !== null) {
      const obj = x as Record<string, unknown>;
      values = new Array(n);
      const seen = new Uint8Array(n);
      for (const key of Object.keys(obj)) {
        const i = index.get(key);
        if (i === undefined) return fail(key, `unknown feature ${quote(key)}; the model's features are ${listNames(features)}`);
        values[i] = obj[key];
        seen[i] = 1;
      }
      const missing = seen.indexOf(0);
      if (missing >= 0) return fail(features[missing].name, `missing feature (send null for a missing value where the model imputes it)`);
    } else {
      return fail(null, `expected an object {feature: value} or an array of ${n} values, got ${describe(x)}`);
    }
    const entries: [string, Cell][] = new Array(n);
    for (let i = 0; i < n; i++) {
      const c = checks[i](values[i]);
      if (!c.ok) return fail(features[i].name, c.reason);
      entries[i] = [features[i].name, c.value];
    }
    // fromEntries makes own properties even of a feature named "__proto__".
    return Object.fromEntries(entries);
  }

  return (instances) => {
    const rows: Instance[] = new Array(instances.length);
    for (let r = 0; r < instances.length; r++) {
      const out = validateRow(instances[r], r);
      if (out instanceof Rejection) return { ok: false, error: out.error };
      rows[r] = out;
    }
    return { ok: true, rows };
  };
}
