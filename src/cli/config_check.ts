/**
 * Checks for a run config read from YAML or JSON: each check takes the value and its
 * dotted path and returns the value typed, or throws a ConfigError that names the path and
 * says what was expected, so a bad config gets one clear line.
 */

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type Check<T> = (value: unknown, path: string) => T;

const show = (v: unknown): string => (typeof v === "string" ? `"${v}"` : JSON.stringify(v));

function expected(path: string, what: string, v: unknown): never {
  throw new ConfigError(`${path} must be ${what}, got ${show(v)}`);
}

export function number(opts: { min?: number; above?: number; max?: number; below?: number; integer?: boolean } = {}): Check<number> {
  const { min, above, max, below, integer } = opts;
  const parts = [integer ? "an integer" : "a number"];
  if (min !== undefined) parts.push(`>= ${min}`);
  if (above !== undefined) parts.push(`> ${above}`);
  if (max !== undefined) parts.push(`<= ${max}`);
  if (below !== undefined) parts.push(`< ${below}`);
  const what = parts.join(" ");
  return (v, path) => {
    const ok = typeof v === "number" && Number.isFinite(v) && (!integer || Number.isInteger(v)) &&
      (min === undefined || v >= min) && (above === undefined || v > above) && (max === undefined || v <= max) && (below === undefined || v < below);
    return ok ? (v as number) : expected(path, what, v);
  };
}

export const boolean: Check<boolean> = (v, path) => (typeof v === "boolean" ? v : expected(path, "true or false", v));

export const text: Check<string> = (v, path) => (typeof v === "string" ? v : expected(path, "text", v));

export function oneOf<T extends string>(...values: T[]): Check<T> {
  return (v, path) => (values.includes(v as T) ? (v as T) : expected(path, `one of ${values.join(", ")}`, v));
}

export function listOf<T>(item: Check<T>): Check<T[]> {
  return (v, path) => (Array.isArray(v) ? v.map((x, i) => item(x, `${path}[${i}]`)) : expected(path, "a list", v));
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** An object whose keys are free (column names) and whose values all pass `item`. */
export function mapOf<T>(item: Check<T>): Check<Record<string, T>> {
  return (v, path) => {
    if (!isMap(v)) expected(path, "a mapping", v);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, item(x, `${path}.${k}`)]));
  };
}

export type Fields = Record<string, Check<unknown>>;
export type Checked<F extends Fields> = { [K in keyof F]?: ReturnType<F[K]> };

/** An object with known keys, each optional; an unknown key is an error listing the known ones. */
export function object<F extends Fields>(fields: F): Check<Checked<F>> {
  return (v, path) => {
    if (!isMap(v)) expected(path, "a mapping", v);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const at = path ? `${path}.${k}` : k;
      if (!Object.hasOwn(fields, k)) throw new ConfigError(`unknown key "${at}" (known${path ? ` in ${path}` : ""}: ${Object.keys(fields).join(", ")})`);
      out[k] = fields[k](x, at);
    }
    return out as Checked<F>;
  };
}

/** A section that `false` switches off. */
export function orFalse<T>(check: Check<T>): Check<T | false> {
  return (v, path) => (v === false ? false : check(v, path));
}

/** A fixed word, or anything `check` accepts. */
export function orWord<W extends string, T>(word: W, check: Check<T>): Check<W | T> {
  return (v, path) => (v === word ? word : check(v, path));
}
