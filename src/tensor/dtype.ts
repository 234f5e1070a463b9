/** Element types. `bool` holds masks (0/1 bytes); `int32` holds indices and labels. */
export type DType = "float32" | "int32" | "bool";
export type TypedArray = Float32Array | Int32Array | Uint8Array;

export function allocate(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "int32":
      return new Int32Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}

const BYTES: Record<DType, number> = { float32: 4, int32: 4, bool: 1 };

/**
 * Arrays of at least this many bytes skip zero-filling: a zeroed `new Float32Array` of a few
 * megabytes costs page faults and a memset on every allocation (~0.3 ms for 4 MB here),
 * while malloc'd memory is reused warm. Smaller arrays come from V8's heap, where zeroing
 * is cheaper than the native allocation.
 */
const UNINIT_MIN_BYTES = 16384;

/** LATHE_POISON_UNINIT=1 fills uninitialised storage with NaN / garbage, so a kernel that fails to write its whole output shows up in tests. */
const poison = typeof process !== "undefined" && process.env?.LATHE_POISON_UNINIT === "1";

/**
 * Storage whose contents are unspecified, for kernel outputs that are written in full
 * (see the Backend conventions). Still ordinary garbage-collected memory.
 */
export function allocateUninit(dtype: DType, n: number): TypedArray {
  const bytes = n * BYTES[dtype];
  if (bytes < UNINIT_MIN_BYTES && !poison) return allocate(dtype, n);
  const buffer = spare.get(bytes)?.pop() ?? Buffer.allocUnsafeSlow(bytes).buffer;
  const out = dtype === "float32" ? new Float32Array(buffer, 0, n) : dtype === "int32" ? new Int32Array(buffer, 0, n) : new Uint8Array(buffer, 0, n);
  if (poison) out.fill(dtype === "float32" ? NaN : dtype === "int32" ? -1234567 : 7);
  return out;
}

/**
 * Storage that autograd's backward pass knows to be dead (a gradient it owned and has used),
 * by byte length: the next allocations of that size take it instead of new memory. Every
 * megabyte allocated counts towards V8's next full garbage collection, which marks the whole
 * heap on every core; reusing a step's gradient buffers roughly halves their number.
 */
const spare = new Map<number, ArrayBuffer[]>();

/** Offers `data`'s storage for reuse; only whole buffers of the uninitialised kind are taken. */
export function recycleStorage(data: TypedArray): void {
  const buffer = data.buffer as ArrayBuffer;
  if (data.byteOffset !== 0 || data.byteLength !== buffer.byteLength || data.byteLength < UNINIT_MIN_BYTES) return;
  const list = spare.get(buffer.byteLength);
  if (list) list.push(buffer);
  else spare.set(buffer.byteLength, [buffer]);
}

/**
 * Forgets the recycled storage (backward calls it when it ends), so it is garbage again. Not
 * kept for the next step, not even weakly: V8 keeps every WeakRef target alive until the
 * current job ends, and a synchronous training loop is one job, so a weak pool grew by the
 * step's dead gradients on every step (~400 KB a W2 step, gigabytes in a long loop).
 */
export function dropRecycledStorage(): void {
  spare.clear();
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Int32Array) return "int32";
  return "bool";
}

const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2 };

/** The result type of an arithmetic op on two dtypes, as torch.result_type. */
export function promoteTypes(a: DType, b: DType): DType {
  return rank[a] >= rank[b] ? a : b;
}

export function isFloating(dtype: DType): boolean {
  return dtype === "float32";
}
