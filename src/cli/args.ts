import { InvalidArgumentError } from "commander";

/** Commander parser for a non-negative integer option. */
export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}
