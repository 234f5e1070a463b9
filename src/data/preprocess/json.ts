import type { Preprocessor } from "./base.js";
import { OneHotEncoder, OrdinalEncoder } from "./encoders.js";
import { SimpleImputer } from "./imputer.js";
import { MinMaxScaler, StandardScaler } from "./scalers.js";

const loaders: Record<string, (json: unknown) => Preprocessor> = {
  SimpleImputer: SimpleImputer.fromJSON,
  StandardScaler: StandardScaler.fromJSON,
  MinMaxScaler: MinMaxScaler.fromJSON,
  OneHotEncoder: OneHotEncoder.fromJSON,
  OrdinalEncoder: OrdinalEncoder.fromJSON,
};

/** Restores any saved preprocessing step from its JSON form, by its `type`. */
export function preprocessorFromJSON(json: unknown): Preprocessor {
  const type = (json as { type?: unknown } | null)?.type;
  const load = typeof type === "string" ? loaders[type] : undefined;
  if (!load) throw new TypeError(`preprocessorFromJSON: unknown step type ${JSON.stringify(type)} (known: ${Object.keys(loaders).join(", ")})`);
  return load(json);
}
