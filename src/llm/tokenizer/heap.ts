/**
 * A binary min-heap of (primary, secondary) number pairs, ordered by primary then secondary.
 * Both BPE encoding (rank, position) and training (-count, pair key) need exactly this, and
 * two parallel number arrays avoid allocating an object per entry.
 */
export class PairHeap {
  private a: number[] = [];
  private b: number[] = [];
  /** The pair removed by the last `pop`. */
  topA = 0;
  topB = 0;

  get size(): number {
    return this.a.length;
  }

  push(a: number, b: number): void {
    const { a: as, b: bs } = this;
    let i = as.length;
    as.push(a);
    bs.push(b);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (as[p] < a || (as[p] === a && bs[p] <= b)) break;
      as[i] = as[p];
      bs[i] = bs[p];
      i = p;
    }
    as[i] = a;
    bs[i] = b;
  }

  /** Removes the smallest pair into `topA`/`topB`; returns false when the heap is empty. */
  pop(): boolean {
    const { a: as, b: bs } = this;
    const n = as.length - 1;
    if (n < 0) return false;
    this.topA = as[0];
    this.topB = bs[0];
    const a = as[n];
    const b = bs[n];
    as.length = n;
    bs.length = n;
    if (n === 0) return true;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (as[c + 1] < as[c] || (as[c + 1] === as[c] && bs[c + 1] < bs[c]))) c++;
      if (a < as[c] || (a === as[c] && b <= bs[c])) break;
      as[i] = as[c];
      bs[i] = bs[c];
      i = c;
    }
    as[i] = a;
    bs[i] = b;
    return true;
  }

  /** The smallest primary key, or undefined when empty. */
  peekA(): number | undefined {
    return this.a[0];
  }
}
