/** Argument parsing shared by the conv and pooling ops (internal: not re-exported). */

/** An int or an n-tuple of ints as an n-tuple, as PyTorch's `_single`/`_pair`. */
export function ntuple(v: number | readonly number[], n: number, op: string, what: string): number[] {
  const t = typeof v === "number" ? new Array<number>(n).fill(v) : v.slice();
  if (t.length !== n || !t.every((x) => Number.isInteger(x))) {
    throw new TypeError(`${op}: ${what} must be an int or ${n === 1 ? "a list of 1 int" : `a list of ${n} ints`}, got ${JSON.stringify(v)}`);
  }
  return t;
}

/** ntuple with every entry at least `min`. */
export function ntupleMin(v: number | readonly number[], n: number, min: number, op: string, what: string): number[] {
  const t = ntuple(v, n, op, what);
  if (t.some((x) => x < min)) throw new RangeError(`${op}: ${what} must be ${min === 0 ? "non-negative" : "positive"}, got ${JSON.stringify(v)}`);
  return t;
}
