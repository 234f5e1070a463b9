import { endianness } from "node:os";
import type { DType, TypedArray } from "../tensor/index.js";
import type { ReadableDType, SafetensorsDType } from "./dtypes.js";

/**
 * Conversions between safetensors bytes (little-endian, C order) and Lathe storage. Typed
 * arrays use the host's byte order, so these views are only right on a little-endian host —
 * every platform Node ships for in practice; a big-endian one gets an error, not garbage.
 */
export function requireLittleEndian(op: string): void {
  if (endianness() !== "LE") throw new Error(`${op}: safetensors needs a little-endian host`);
}

/** A stored value the loaded dtype cannot hold. Readers re-throw it naming the file and tensor. */
export class ValueError extends RangeError {}

type ArrayCtor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };

/** `bytes` as a typed array: a view when its offset is aligned for the element size, else an aligned copy. */
export function viewAs<T>(bytes: Uint8Array, Ctor: ArrayCtor<T>): T {
  const size = Ctor.BYTES_PER_ELEMENT;
  const src = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return new Ctor(src.buffer, src.byteOffset, src.byteLength / size);
}

/** The bytes of a typed array's elements [start, start + n), without copying. */
export function bytesOf(data: TypedArray, start = 0, n = data.length - start): Uint8Array {
  const size = data.BYTES_PER_ELEMENT;
  return new Uint8Array(data.buffer, data.byteOffset + start * size, n * size);
}

/** The file dtypes whose bytes are Lathe storage as they are, so they can be read or viewed without conversion. */
export function sameLayout(file: SafetensorsDType, target: DType): boolean {
  return (file === "F32" && target === "float32") || (file === "I32" && target === "int32") || (file === "BOOL" && target === "bool");
}

/** Lathe masks are 0/1 bytes; any other byte would make comparisons and sums lie. */
export function checkBool(bytes: Uint8Array, at: number): void {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] > 1) throw new ValueError(`element ${at + i} is ${bytes[i]}, not a boolean (0 or 1)`);
  }
}

let halfTable: Float32Array | null = null;

/** float16 bit patterns → float32 values, built once: 256 KB that make decoding a lookup. */
function halfToFloat(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) halfTable[h] = sign * frac * 2 ** -24;
    else if (exp === 31) halfTable[h] = frac ? NaN : sign * Infinity;
    else halfTable[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return halfTable;
}

/**
 * Converts whole elements of `dtype` from `src` into out[at…]. `out` is the storage of the
 * Lathe dtype the tensor loads as (checked against the file dtype by the caller). Throws a
 * ValueError naming the element when a value cannot be represented.
 */
export function decodeInto(dtype: ReadableDType, src: Uint8Array, out: TypedArray, at: number): void {
  switch (dtype) {
    case "F32":
      return out.set(viewAs(src, Float32Array), at);
    case "I32":
      return out.set(viewAs(src, Int32Array), at);
    case "I16":
      return out.set(viewAs(src, Int16Array), at);
    case "U16":
      return out.set(viewAs(src, Uint16Array), at);
    case "I8":
      return out.set(viewAs(src, Int8Array), at);
    case "U8":
      return out.set(src, at);
    case "BOOL":
      checkBool(src, at);
      return out.set(src, at);
    case "F16": {
      const h = viewAs(src, Uint16Array);
      const table = halfToFloat();
      for (let i = 0; i < h.length; i++) out[at + i] = table[h[i]];
      return;
    }
    case "BF16": {
      // bfloat16 is the top half of a float32: shift the bits into place.
      const h = viewAs(src, Uint16Array);
      const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
      for (let i = 0; i < h.length; i++) bits[at + i] = h[i] << 16;
      return;
    }
    case "F64": {
      const d = viewAs(src, Float64Array);
      for (let i = 0; i < d.length; i++) {
        const f = Math.fround(d[i]);
        if (!Number.isFinite(f) && Number.isFinite(d[i])) throw new ValueError(`element ${at + i} = ${d[i]} overflows float32`);
        out[at + i] = f;
      }
      return;
    }
    case "I64":
      return decodeInt64(viewAs(src, Int32Array), out, at);
  }
}

/** int64 as (low, high) int32 words: exact into int32 when the high word is the sign of the low one; else an error (or a rounded float32). */
function decodeInt64(words: Int32Array, out: TypedArray, at: number): void {
  const n = words.length / 2;
  if (out instanceof Int32Array) {
    for (let i = 0; i < n; i++) {
      const lo = words[2 * i];
      const hi = words[2 * i + 1];
      if (hi !== lo >> 31) {
        const value = (BigInt(hi) << 32n) + BigInt(lo >>> 0);
        throw new ValueError(`element ${at + i} = ${value} does not fit in int32 (load it as float32 with { dtypes: { I64: "float32" } })`);
      }
      out[at + i] = lo;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const hi = words[2 * i + 1];
      let lo = words[2 * i] >>> 0;
      // Beyond ±2^53 the sum would round twice (to float64, then to float32) and could miss
      // float32's nearest value, as torch's direct cast finds it. Folding the low 13 bits into
      // one sticky bit makes the sum exact without moving the value across a float32 rounding
      // point: up there those are multiples of 2^29.
      if (hi >= 0x200000 || hi < -0x200000) lo = ((lo & ~0x1fff) | (lo & 0x1fff ? 0x1000 : 0)) >>> 0;
      out[at + i] = hi * 4294967296 + lo;
    }
  }
}
