import type { DType, Tensor, TypedArray } from "../tensor/index.js";
import { allocate } from "../tensor/dtype.js";
import { ValueError, checkBool, decodeInto } from "./decode.js";
import { type DTypeMapping, READABLE_DTYPES, type ReadableDType, checkMapping, isReadable, targetDType } from "./dtypes.js";
import { SafetensorsError } from "./errors.js";
import type { SafetensorsHeader, TensorInfo } from "./header.js";

/** Options shared by every reader. */
export interface LoadOptions {
  /** Load only these tensors (default: all). A name the file does not hold is an error. */
  keys?: Iterable<string>;
  /**
   * The Lathe dtype a file dtype loads as, where the default will not do. Defaults: floats
   * (F32, F16, BF16, F64) → float32, integers (I64, I32, I16, U16, I8, U8) → int32 (an I64
   * value outside int32 is an error), BOOL → bool. Integers may map to float32 and BOOL to
   * int32 or float32, e.g. `{ I64: "float32" }`.
   */
  dtypes?: DTypeMapping;
}

/** What a reader returns: the tensors by name (in name order) and the `__metadata__` strings, or null when the file has none. */
export interface Safetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string> | null;
}

export interface Selected {
  name: string;
  info: TensorInfo & { dtype: ReadableDType };
  target: DType;
  numel: number;
}

export function checkLoadOptions(opts: LoadOptions, op: string): void {
  if (opts.dtypes !== undefined) checkMapping(opts.dtypes, op);
}

/** The tensors to load and the dtype each becomes; errors for a requested name the file lacks or a dtype Lathe cannot read. */
export function selectTensors(header: SafetensorsHeader, opts: LoadOptions, file: string): Selected[] {
  const all = Object.keys(header.tensors);
  let names = all;
  if (opts.keys !== undefined) {
    const wanted = new Set(opts.keys);
    const missing = [...wanted].filter((k) => !Object.hasOwn(header.tensors, k));
    if (missing.length) {
      const held = all.length > 20 ? `${all.slice(0, 20).join(", ")}, … (${all.length} in all)` : all.join(", ");
      throw new SafetensorsError(file, `no tensor named ${missing.map((k) => JSON.stringify(k)).join(", ")}; the file holds: ${held || "no tensors"}`);
    }
    names = all.filter((k) => wanted.has(k));
  }
  return names.map((name) => {
    const info = header.tensors[name];
    if (!isReadable(info.dtype)) {
      throw new SafetensorsError(file, `dtype ${info.dtype} is not supported (Lathe reads ${READABLE_DTYPES.join(", ")})`, name);
    }
    const numel = info.shape.reduce((a, b) => a * b, 1);
    return { name, info: info as Selected["info"], target: targetDType(info.dtype, opts.dtypes ?? {}), numel };
  });
}

/** Runs a decoding step, turning a value that does not fit into an error naming the file and tensor. */
export function decoding(file: string, name: string, step: () => void): void {
  try {
    step();
  } catch (err) {
    if (err instanceof ValueError) throw new SafetensorsError(file, err.message, name);
    throw err;
  }
}

/** Checks storage that was filled with the file's bytes as they are (BOOL must hold only 0 and 1). */
export function checkRaw(s: Selected, data: TypedArray, file: string): void {
  if (s.target === "bool") decoding(file, s.name, () => checkBool(data as Uint8Array, 0));
}

/** Decodes a whole tensor's bytes into fresh storage. */
export function decodeAll(s: Selected, bytes: Uint8Array, file: string): TypedArray {
  const out = allocate(s.target, s.numel);
  decoding(file, s.name, () => decodeInto(s.info.dtype, bytes, out, 0));
  return out;
}
