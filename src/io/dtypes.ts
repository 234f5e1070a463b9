import type { DType } from "../tensor/index.js";

/**
 * The element types a safetensors header may name, in the order of the `Dtype` enum of
 * Hugging Face's reference implementation. That order matters: a writer lays tensors out by
 * descending position here (then by name), which keeps every tensor aligned to its size.
 */
export const SAFETENSORS_DTYPES = [
  "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64",
] as const;

export type SafetensorsDType = (typeof SAFETENSORS_DTYPES)[number];

/** Bytes per element. Every known dtype has one, so a header can be validated in full even where Lathe cannot decode a tensor. */
export const DTYPE_SIZE: Readonly<Record<SafetensorsDType, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** The file dtypes Lathe decodes; the others (U32, U64, 8-bit floats) are validated but not loaded. */
export type ReadableDType = Exclude<SafetensorsDType, "U32" | "U64" | "F8_E5M2" | "F8_E4M3">;

/** The Lathe dtype each readable file dtype loads as, unless the caller maps it elsewhere. */
const DEFAULT_TARGET: Readonly<Record<ReadableDType, DType>> = {
  F32: "float32", F16: "float32", BF16: "float32", F64: "float32",
  I64: "int32", I32: "int32", I16: "int32", U16: "int32", I8: "int32", U8: "int32",
  BOOL: "bool",
};

/**
 * The Lathe dtypes a file dtype may be mapped to. Floats stay floats (no silent truncation);
 * integers may widen to float32 (as torch's `.float()`, rounding above 2^24); booleans may
 * become 0/1 numbers.
 */
function allowedTargets(dtype: SafetensorsDType): readonly DType[] {
  if (!isReadable(dtype)) return [];
  const t = DEFAULT_TARGET[dtype];
  return t === "float32" ? ["float32"] : t === "int32" ? ["int32", "float32"] : ["bool", "int32", "float32"];
}

export function isSafetensorsDType(s: string): s is SafetensorsDType {
  return Object.hasOwn(DTYPE_SIZE, s);
}

export function isReadable(dtype: SafetensorsDType): dtype is ReadableDType {
  return Object.hasOwn(DEFAULT_TARGET, dtype);
}

/** The file dtypes Lathe can decode, for error messages. */
export const READABLE_DTYPES = Object.keys(DEFAULT_TARGET) as ReadableDType[];

/** A caller's mapping from file dtype to Lathe dtype (e.g. `{ I64: "float32" }`). */
export type DTypeMapping = Partial<Record<SafetensorsDType, DType>>;

/** Rejects a mapping that names an unknown file dtype or a conversion Lathe does not do. */
export function checkMapping(mapping: DTypeMapping, op: string): void {
  for (const [from, to] of Object.entries(mapping)) {
    if (!isSafetensorsDType(from)) throw new TypeError(`${op}: dtypes: unknown safetensors dtype "${from}"`);
    const ok = allowedTargets(from);
    if (to !== undefined && !ok.includes(to)) {
      const what = ok.length ? `it can load as ${ok.join(" or ")}` : "Lathe cannot read it";
      throw new TypeError(`${op}: dtypes: cannot load ${from} as ${to}; ${what}`);
    }
  }
}

/** The Lathe dtype a tensor stored as `dtype` loads as. */
export function targetDType(dtype: ReadableDType, mapping: DTypeMapping): DType {
  return mapping[dtype] ?? DEFAULT_TARGET[dtype];
}

/** The dtypes Lathe writes, and the Lathe dtype each one holds. */
export const WRITE_SOURCE = { F32: "float32", I32: "int32", I64: "int32", BOOL: "bool" } as const;

export type WritableDType = keyof typeof WRITE_SOURCE;

/** What a Lathe dtype is written as by default: the same width, as PyTorch would hold it. */
export const DEFAULT_WRITE: Readonly<Record<DType, WritableDType>> = { float32: "F32", int32: "I32", bool: "BOOL" };
