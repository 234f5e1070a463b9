import { DTYPE_SIZE, SAFETENSORS_DTYPES, type SafetensorsDType, isSafetensorsDType } from "./dtypes.js";
import { SafetensorsError } from "./errors.js";
import { findDuplicateKey } from "./json_keys.js";

/** Hugging Face's limit: a longer header is taken as a broken or hostile file. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  dtype: SafetensorsDType;
  shape: number[];
  /** [begin, end) of the tensor's bytes, relative to the start of the byte buffer. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** The `__metadata__` strings, or null when the file has none. */
  metadata: Record<string, string> | null;
  /** The tensors by name, in name order. */
  tensors: Record<string, TensorInfo>;
  /** File offset of the byte buffer (8 + header length): a tensor starts at dataStart + dataOffsets[0]. */
  dataStart: number;
}

/** Sets a key as an own property, so that a name like "__proto__" is a key and not a prototype. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Orders strings by their UTF-8 bytes, as Rust (and so the safetensors writer) compares them. */
export function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The header length stored in the first 8 bytes, checked against the cap and the file size before anything that long is read. */
export function readHeaderLength(first8: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8) throw new SafetensorsError(file, `file is ${fileSize} bytes, too short to hold the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(file, `header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit: not a safetensors file, or a corrupt one`);
  }
  if (8 + Number(n) > fileSize) {
    throw new SafetensorsError(file, `header length ${n} runs past the end of the file (${fileSize} bytes): the file is truncated or corrupt`);
  }
  return Number(n);
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Parses and validates the JSON header (the bytes after the length) of a file whose byte
 * buffer is `dataLength` bytes long. Everything a tensor claims is checked against the
 * file here, before a single tensor is allocated: dtype, shape, byte size, offsets in
 * range, and offsets that tile the buffer exactly (no overlaps, no holes), as Hugging Face
 * requires.
 */
export function parseHeader(bytes: Uint8Array, dataLength: number, file: string): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new SafetensorsError(file, "header is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(file, `header is not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(json)) {
    throw new SafetensorsError(file, `header must be a JSON object, got ${Array.isArray(json) ? "an array" : json === null ? "null" : typeof json}`);
  }
  const dup = findDuplicateKey(text);
  if (dup) {
    throw new SafetensorsError(file, `header has the key ${JSON.stringify(dup.key)} twice${dup.parent === null ? "" : ` in ${JSON.stringify(dup.parent)}`}`);
  }

  let metadata: Record<string, string> | null = null;
  const tensors: Record<string, TensorInfo> = {};
  for (const name of Object.keys(json).sort(byUtf8)) {
    if (name === "__metadata__") metadata = parseMetadata(json[name], file);
    else setOwn(tensors, name, parseEntry(json[name], dataLength, file, name));
  }
  checkLayout(tensors, dataLength, file);
  return { metadata, tensors, dataStart: 8 + bytes.length };
}

function parseMetadata(value: unknown, file: string): Record<string, string> | null {
  if (value === null) return null;
  if (!isPlainObject(value)) throw new SafetensorsError(file, "__metadata__ must be an object of strings");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") {
      throw new SafetensorsError(file, `__metadata__ value for ${JSON.stringify(k)} must be a string, got ${Array.isArray(v) ? "an array" : v === null ? "null" : typeof v}`);
    }
    setOwn(out, k, v);
  }
  return out;
}

function parseEntry(value: unknown, dataLength: number, file: string, name: string): TensorInfo {
  const fail = (message: string) => new SafetensorsError(file, message, name);
  if (!isPlainObject(value)) throw fail("header entry must be an object with dtype, shape and data_offsets");
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== "string" || !isSafetensorsDType(dtype)) {
    throw fail(`unknown dtype ${JSON.stringify(dtype)} (safetensors dtypes: ${SAFETENSORS_DTYPES.join(", ")})`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw fail(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(`data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw fail(`data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) {
    throw fail(`data_offsets [${begin}, ${end}] run past the end of the data buffer (${dataLength} bytes): the file is truncated or corrupt`);
  }
  let numel = 1;
  for (const d of shape as number[]) numel *= d;
  const nbytes = numel * DTYPE_SIZE[dtype];
  if (!Number.isSafeInteger(nbytes)) throw fail(`shape [${shape.join(", ")}] is too large`);
  if (nbytes !== end - begin) {
    throw fail(`shape [${shape.join(", ")}] of ${dtype} needs ${nbytes} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { dtype, shape: shape.slice(), dataOffsets: [begin, end] };
}

/** The tensors must tile [0, dataLength) in offset order: each starts where the previous ended, the last ends at the end. */
function checkLayout(tensors: Record<string, TensorInfo>, dataLength: number, file: string): void {
  const order = Object.keys(tensors).sort((a, b) => {
    const [ab, ae] = tensors[a].dataOffsets;
    const [bb, be] = tensors[b].dataOffsets;
    return ab - bb || ae - be;
  });
  let pos = 0;
  let prev: string | null = null;
  for (const name of order) {
    const [begin, end] = tensors[name].dataOffsets;
    if (begin < pos) {
      const [pb, pe] = tensors[prev!].dataOffsets;
      throw new SafetensorsError(file, `data_offsets [${begin}, ${end}] overlap those of tensor ${JSON.stringify(prev)} [${pb}, ${pe}]`, name);
    }
    if (begin > pos) {
      throw new SafetensorsError(file, `data_offsets [${begin}, ${end}] leave bytes ${pos}..${begin} of the data buffer to no tensor`, name);
    }
    pos = end;
    prev = name;
  }
  if (pos !== dataLength) {
    throw new SafetensorsError(file, `the tensors cover ${pos} of the ${dataLength} bytes in the data buffer; the rest belongs to no tensor`);
  }
}

export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: readonly number[];
  begin: number;
  end: number;
}

/**
 * The 8-byte length and the JSON header, laid out byte for byte as Hugging Face's writer
 * does: compact JSON, `__metadata__` first, the tensors in the order given (their data
 * order), padded with spaces to a multiple of 8 so the data starts aligned. Metadata keys
 * are sorted (Hugging Face's come out in hash order), so the same call gives the same bytes.
 */
export function encodeHeader(entries: readonly HeaderEntry[], metadata: Record<string, string> | undefined): Uint8Array {
  const parts: string[] = [];
  if (metadata !== undefined) {
    const fields = Object.keys(metadata).sort(byUtf8).map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`);
    parts.push(`"__metadata__":{${fields.join(",")}}`);
  }
  for (const e of entries) {
    parts.push(`${JSON.stringify(e.name)}:{"dtype":"${e.dtype}","shape":[${e.shape.join(",")}],"data_offsets":[${e.begin},${e.end}]}`);
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}
