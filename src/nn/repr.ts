/** Formatting for Module.toString(): PyTorch's repr layout, with values written as Lathe code. */

/** A constructor argument as it would be typed in TypeScript: `[5, 5]`, `"same"`, `true`, `null`. */
export function fmtArg(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fmtArg).join(", ")}]`;
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}

/** Indents every line after the first, as PyTorch's `_addindent`, so nested modules line up. */
export function indentTail(s: string, spaces: number): string {
  return s.split("\n").join("\n" + " ".repeat(spaces));
}
