/** Constructor-argument checks shared by the layers: bad arguments fail at construction, naming the layer. */

/** Throws unless v is an integer ≥ min (sizes may be 0, as in PyTorch; counts such as groups must be ≥ 1). */
export function checkInt(layer: string, what: string, v: number, min = 0): void {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`${layer}: ${what} must be an integer ≥ ${min}, got ${v}`);
  }
}

/** An int or a list of n ints as a list of n ints, as PyTorch's `_single`/`_pair`. */
export function ntuple(layer: string, what: string, v: number | readonly number[], n: number, min = 0): number[] {
  const t = typeof v === "number" ? new Array<number>(n).fill(v) : Array.from(v);
  if (t.length !== n || !t.every((x) => Number.isInteger(x) && x >= min)) {
    throw new RangeError(`${layer}: ${what} must be an integer ≥ ${min} or a list of ${n} of them, got ${JSON.stringify(v)}`);
  }
  return t;
}

/** Throws unless p is a probability. */
export function checkProbability(layer: string, what: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${layer}: ${what} must be between 0 and 1, got ${p}`);
}
