import { type DType, type TypedArray, Tensor } from "../tensor/index.js";
import { allocate } from "../tensor/dtype.js";
import { writeFileAtomic, writeFileAtomicSync } from "./atomic.js";
import { bytesOf, requireLittleEndian, sameLayout, viewAs } from "./decode.js";
import { DEFAULT_WRITE, SAFETENSORS_DTYPES, WRITE_SOURCE, type WritableDType } from "./dtypes.js";
import { type HeaderEntry, byUtf8, encodeHeader, isPlainObject, parseHeader, readHeaderLength, setOwn } from "./header.js";
import { type LoadOptions, type Safetensors, type Selected, checkLoadOptions, checkRaw, decodeAll, selectTensors } from "./read.js";

export interface SaveOptions {
  /** Strings stored under `__metadata__`, as PyTorch's `save_file(..., metadata=)`; e.g. `{ format: "pt" }`. */
  metadata?: Record<string, string>;
  /**
   * The file dtype of particular tensors, by name, where the default (float32 → F32,
   * int32 → I32, bool → BOOL) will not do: "I64" writes an int32 tensor as int64, the way
   * PyTorch holds `num_batches_tracked` and other integer buffers.
   */
  dtypes?: Record<string, WritableDType>;
}

function checkMetadata(metadata: unknown, op: string): asserts metadata is Record<string, string> | undefined {
  if (metadata === undefined) return;
  if (!isPlainObject(metadata)) throw new TypeError(`${op}: metadata must be an object of strings`);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") throw new TypeError(`${op}: metadata value for ${JSON.stringify(k)} must be a string, got ${typeof v}`);
  }
}

/** A tensor's values in the file dtype's bytes: views on its storage where they already are, else a converted copy. */
function tensorBytes(t: Tensor, dtype: WritableDType): Uint8Array {
  const n = t.numel();
  const data: TypedArray = t.isContiguous() ? t.data.subarray(t.offset, t.offset + n) : t.toArray();
  if (dtype !== "I64") return bytesOf(data);
  // int64 little-endian is (low word, high word); the high word of an int32 is its sign.
  const words = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    words[2 * i] = data[i];
    words[2 * i + 1] = data[i] >> 31;
  }
  return bytesOf(words);
}

/**
 * The file as a list of byte chunks (header, then each tensor's bytes in layout order), so a
 * file writer can stream them without joining them. Tensors are laid out as Hugging Face's
 * writer does: by descending dtype alignment, then by name.
 */
function planFile(tensors: Record<string, Tensor>, opts: SaveOptions, op: string): Uint8Array[] {
  requireLittleEndian(op);
  if (!isPlainObject(tensors)) throw new TypeError(`${op}: tensors must be an object of name → Tensor`);
  checkMetadata(opts.metadata, op);
  const dtypes = opts.dtypes ?? {};
  for (const [name, dtype] of Object.entries(dtypes)) {
    if (!Object.hasOwn(tensors, name)) throw new TypeError(`${op}: dtypes names tensor ${JSON.stringify(name)}, which is not among the tensors`);
    if (!Object.hasOwn(WRITE_SOURCE, dtype)) {
      throw new TypeError(`${op}: tensor ${JSON.stringify(name)}: cannot write dtype ${JSON.stringify(dtype)} (Lathe writes ${Object.keys(WRITE_SOURCE).join(", ")})`);
    }
  }
  const items = Object.keys(tensors).map((name) => {
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: tensor ${JSON.stringify(name)} is not a Tensor`);
    if (name === "__metadata__") throw new TypeError(`${op}: "__metadata__" is reserved for the metadata and cannot name a tensor`);
    const dtype: WritableDType = Object.hasOwn(dtypes, name) ? dtypes[name] : DEFAULT_WRITE[t.dtype];
    const source: DType = WRITE_SOURCE[dtype];
    if (t.dtype !== source) throw new TypeError(`${op}: tensor ${JSON.stringify(name)}: a ${t.dtype} tensor cannot be written as ${dtype} (${dtype} holds ${source})`);
    return { name, t, dtype, rank: SAFETENSORS_DTYPES.indexOf(dtype) };
  });
  items.sort((a, b) => b.rank - a.rank || byUtf8(a.name, b.name));

  const entries: HeaderEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const { name, t, dtype } of items) {
    const bytes = tensorBytes(t, dtype);
    entries.push({ name, dtype, shape: t.shape, begin: offset, end: offset + bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  return [encodeHeader(entries, opts.metadata), ...chunks];
}

/** The safetensors file of `tensors` as one buffer, byte for byte what Hugging Face's writer makes of the same tensors. */
export function serializeSafetensors(tensors: Record<string, Tensor>, opts: SaveOptions = {}): Uint8Array {
  const chunks = planFile(tensors, opts, "serializeSafetensors");
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Writes `tensors` to a safetensors file at `path`, atomically (temporary file, fsync,
 * rename): a crash leaves the old file or the new one, never half of one. Tensor data is
 * written from the tensors' own storage where it is laid out as the file needs, not copied,
 * so the tensors must not change until the returned promise settles.
 */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor>, opts: SaveOptions = {}): Promise<void> {
  await writeFileAtomic(path, planFile(tensors, opts, "saveSafetensors"));
}

/** saveSafetensors, synchronously. */
export function saveSafetensorsSync(path: string, tensors: Record<string, Tensor>, opts: SaveOptions = {}): void {
  writeFileAtomicSync(path, planFile(tensors, opts, "saveSafetensorsSync"));
}

export interface ParseOptions extends LoadOptions {
  /** What to call the buffer in error messages (default "<buffer>"); pass the file name if it came from one. */
  source?: string;
  /**
   * Copy every tensor out of the buffer. By default F32, I32 and BOOL tensors whose bytes
   * are aligned are views on the buffer, with no copy: they share its memory and keep it alive.
   */
  copy?: boolean;
}

/** The bytes as storage of `dtype`: a view when aligned, else an aligned copy. */
function viewStorage(bytes: Uint8Array, dtype: DType): TypedArray {
  if (dtype === "float32") return viewAs(bytes, Float32Array);
  return dtype === "int32" ? viewAs(bytes, Int32Array) : bytes;
}

function storageFrom(s: Selected, bytes: Uint8Array, copy: boolean, file: string): TypedArray {
  if (!sameLayout(s.info.dtype, s.target)) return decodeAll(s, bytes, file);
  let data: TypedArray;
  if (copy) {
    data = allocate(s.target, s.numel);
    bytesOf(data).set(bytes);
  } else {
    data = viewStorage(bytes, s.target);
  }
  checkRaw(s, data, file);
  return data;
}

/**
 * Reads a safetensors file held in memory (e.g. `fs.readFileSync(path)`). The whole header
 * is validated before any tensor is made, so a truncated or hostile buffer is rejected with
 * a SafetensorsError before anything it claims is allocated.
 */
export function parseSafetensors(buffer: Uint8Array, opts: ParseOptions = {}): Safetensors {
  requireLittleEndian("parseSafetensors");
  if (!(buffer instanceof Uint8Array)) throw new TypeError(`parseSafetensors: expected a Uint8Array or Buffer, got ${typeof buffer}`);
  checkLoadOptions(opts, "parseSafetensors");
  // A plain view even when given a Buffer: bool storage must not be a Buffer, whose slice() shares memory.
  buffer = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const file = opts.source ?? "<buffer>";
  const n = readHeaderLength(buffer.subarray(0, 8), buffer.length, file);
  const header = parseHeader(buffer.subarray(8, 8 + n), buffer.length - 8 - n, file);
  const tensors: Record<string, Tensor> = {};
  for (const s of selectTensors(header, opts, file)) {
    const [begin, end] = s.info.dataOffsets;
    const bytes = buffer.subarray(header.dataStart + begin, header.dataStart + end);
    setOwn(tensors, s.name, new Tensor(storageFrom(s, bytes, opts.copy ?? false, file), s.info.shape));
  }
  return { tensors, metadata: header.metadata };
}
