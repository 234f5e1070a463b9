/** Constructor-argument checks shared by the layers: bad arguments fail at construction, naming the layer. */

/** Throws unless v is an integer ≥ min (sizes may be 0, as in PyTorch; counts such as groups must be ≥ 1). */
export function checkInt(layer: string, what: string, v: number, min = 0): void {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`${layer}: ${what} must be an integer ≥ ${min}, got ${v}`);
  }
}

/** Throws unless p is a probability. */
export function checkProbability(layer: string, what: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${layer}: ${what} must be between 0 and 1, got ${p}`);
}
