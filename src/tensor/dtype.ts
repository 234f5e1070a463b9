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
