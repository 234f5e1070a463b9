import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { Tensor } from "../tensor/index.js";
import { allocate } from "../tensor/dtype.js";
import { bytesOf, decodeInto, requireLittleEndian, sameLayout } from "./decode.js";
import { DTYPE_SIZE } from "./dtypes.js";
import { SafetensorsError } from "./errors.js";
import { type SafetensorsHeader, parseHeader, readHeaderLength, setOwn } from "./header.js";
import { type LoadOptions, type Safetensors, checkLoadOptions, checkRaw, decoding, selectTensors } from "./read.js";

/**
 * File readers that never hold the file in memory: the header is read with two small reads,
 * then each tensor's bytes are read at its offset straight into the tensor's storage (F32,
 * I32, BOOL) or, when they must be converted (F16, BF16, I64, …), through one scratch
 * buffer of at most CHUNK bytes. Loading a 500 MB F16 checkpoint takes the float32 tensors
 * and 8 MB, not the file twice.
 *
 * The logic is written once, as a generator that yields the reads it needs; a sync and an
 * async driver perform them.
 */

interface ReadRequest {
  into: Uint8Array;
  position: number;
}

type Steps<T> = Generator<ReadRequest, T, void>;

/** Bytes converted per read; a multiple of every element size. */
const CHUNK = 1 << 23;

/** Node refuses single reads over 2 GiB. */
const MAX_READ = 1 << 30;

function* headerSteps(size: number, file: string): Steps<SafetensorsHeader> {
  const first = new Uint8Array(8);
  if (size >= 8) yield { into: first, position: 0 };
  const n = readHeaderLength(first, size, file);
  const bytes = new Uint8Array(n);
  yield { into: bytes, position: 8 };
  return parseHeader(bytes, size - 8 - n, file);
}

function* loadSteps(size: number, file: string, opts: LoadOptions): Steps<Safetensors> {
  const header = yield* headerSteps(size, file);
  const tensors: Record<string, Tensor> = {};
  let scratch = new Uint8Array(0);
  for (const s of selectTensors(header, opts, file)) {
    const [begin, end] = s.info.dataOffsets;
    const start = header.dataStart + begin;
    const data = allocate(s.target, s.numel);
    if (sameLayout(s.info.dtype, s.target)) {
      yield { into: bytesOf(data), position: start };
      checkRaw(s, data, file);
    } else {
      const elem = DTYPE_SIZE[s.info.dtype];
      if (scratch.length < Math.min(CHUNK, end - begin)) scratch = new Uint8Array(Math.min(CHUNK, end - begin));
      for (let off = 0; off < end - begin; off += CHUNK) {
        const chunk = scratch.subarray(0, Math.min(CHUNK, end - begin - off));
        yield { into: chunk, position: start + off };
        decoding(file, s.name, () => decodeInto(s.info.dtype, chunk, data, off / elem));
      }
    }
    setOwn(tensors, s.name, new Tensor(data, s.info.shape));
  }
  return { tensors, metadata: header.metadata };
}

/** The file shrank after it was measured: another process is rewriting it. */
function truncated(file: string, at: number): SafetensorsError {
  return new SafetensorsError(file, `the file ended at byte ${at} while being read (was it changed or truncated meanwhile?)`);
}

/** Opens `path`, measures it, and performs the reads `plan(size)` asks for. */
function runSync<T>(path: string, plan: (size: number) => Steps<T>): T {
  const fd = openSync(path, "r");
  try {
    const steps = plan(fstatSync(fd).size);
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) return r.value;
      const { into, position } = r.value;
      for (let off = 0; off < into.length; ) {
        const got = readSync(fd, into, off, Math.min(into.length - off, MAX_READ), position + off);
        if (got === 0) throw truncated(path, position + off);
        off += got;
      }
    }
  } finally {
    closeSync(fd);
  }
}

async function runAsync<T>(path: string, plan: (size: number) => Steps<T>): Promise<T> {
  const handle: FileHandle = await open(path, "r");
  try {
    const steps = plan((await handle.stat()).size);
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) return r.value;
      const { into, position } = r.value;
      for (let off = 0; off < into.length; ) {
        const { bytesRead } = await handle.read(into, off, Math.min(into.length - off, MAX_READ), position + off);
        if (bytesRead === 0) throw truncated(path, position + off);
        off += bytesRead;
      }
    }
  } finally {
    await handle.close();
  }
}

/**
 * Loads the tensors of a safetensors file (all, or `opts.keys`), reading each at its offset
 * so the file is never held in memory whole. The header is validated in full first: a
 * truncated or hostile file is rejected with a SafetensorsError before anything it claims
 * is allocated.
 */
export async function loadSafetensors(path: string, opts: LoadOptions = {}): Promise<Safetensors> {
  requireLittleEndian("loadSafetensors");
  checkLoadOptions(opts, "loadSafetensors");
  return runAsync(path, (size) => loadSteps(size, path, opts));
}

/** loadSafetensors, synchronously. */
export function loadSafetensorsSync(path: string, opts: LoadOptions = {}): Safetensors {
  requireLittleEndian("loadSafetensorsSync");
  checkLoadOptions(opts, "loadSafetensorsSync");
  return runSync(path, (size) => loadSteps(size, path, opts));
}

/** The validated header of a safetensors file — names, dtypes, shapes, offsets, metadata — without reading any tensor. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  return runAsync(path, (size) => headerSteps(size, path));
}

/** readSafetensorsHeader, synchronously. */
export function readSafetensorsHeaderSync(path: string): SafetensorsHeader {
  return runSync(path, (size) => headerSteps(size, path));
}
