import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { DataError } from "./errors.js";

/** An IDX array of unsigned bytes: its dimensions and values, row-major. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** A file's bytes, gunzipped when it starts with the gzip magic bytes (1f 8b), so .gz and raw files both read. */
export function readMaybeGzip(path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`cannot read the file: ${(e as Error).message}`, { file: path });
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (e) {
      throw new DataError(`not a valid gzip file: ${(e as Error).message}`, { file: path });
    }
  }
  return bytes;
}

const UBYTE = 0x08;

/**
 * Reads an IDX file of unsigned bytes (the MNIST format): a 4-byte magic number (0, 0,
 * type 0x08, number of dimensions), one big-endian uint32 per dimension, then the values.
 * The header is checked against the file's size before anything is taken from it, so a
 * truncated or corrupt file is an error naming it, not a short or garbage array.
 */
export function readIdx(path: string, expectDims?: number): IdxArray {
  const bytes = readMaybeGzip(path);
  if (bytes.length < 4) throw new DataError(`IDX: the file is ${bytes.length} bytes, too short for a header`, { file: path });
  const magic = bytes.readUInt32BE(0);
  const type = bytes[2];
  const ndims = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type !== UBYTE || ndims === 0 || (expectDims !== undefined && ndims !== expectDims)) {
    const want = expectDims !== undefined ? `0x${(0x800 + expectDims).toString(16).padStart(8, "0")}` : "0x000008NN";
    throw new DataError(`IDX: bad magic number 0x${magic.toString(16).padStart(8, "0")} (expected ${want}: unsigned bytes${expectDims !== undefined ? `, ${expectDims} dimensions` : ""})`, { file: path });
  }
  const headerSize = 4 + 4 * ndims;
  if (bytes.length < headerSize) throw new DataError(`IDX: the file is ${bytes.length} bytes, too short for a header of ${ndims} dimensions`, { file: path });
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(bytes.readUInt32BE(4 + 4 * d));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerSize;
  if (actual !== expected) {
    throw new DataError(`IDX: the header promises ${dims.join("×")} = ${expected} bytes of data, the file holds ${actual}${actual < expected ? " (truncated?)" : ""}`, { file: path });
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerSize, expected) };
}
