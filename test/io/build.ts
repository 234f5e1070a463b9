/**
 * Builds safetensors bytes from parts, so a test can break one part at a time: the header
 * (an object, serialized, or a raw string), the data buffer (bytes, or a count of zero
 * bytes), and optionally a header length that lies.
 */
export function rawFile(header: unknown, data: Uint8Array | number = 0, opts: { headerLength?: bigint } = {}): Uint8Array {
  const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header), "utf8");
  const body = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, opts.headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

/** One tensor entry of a header. */
export function entry(dtype: string, shape: unknown, begin: unknown, end: unknown): Record<string, unknown> {
  return { dtype, shape, data_offsets: [begin, end] };
}

/** Bytes of typed-array values (host order, little-endian here). */
export function bytes(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
