/**
 * Batched GEMM in plain TypeScript. Each transpose case gets the loop order that reads
 * both operands sequentially in its innermost loop; blocking over k keeps a panel of B
 * in cache for large matrices.
 */
export function gemm(
  batch: number, m: number, n: number, k: number,
  a: Float32Array, aOff: number, aBs: number, transA: boolean,
  b: Float32Array, bOff: number, bBs: number, transB: boolean,
  c: Float32Array, cOff: number, cBs: number, accumulate: boolean,
  bias: Float32Array | null = null,
): void {
  for (let t = 0; t < batch; t++) {
    const ao = aOff + t * aBs;
    const bo = bOff + t * bBs;
    const co = cOff + t * cBs;
    if (!accumulate) c.fill(0, co, co + m * n);
    // The bias first, so the loops below accumulate onto it as onto a pre-filled C.
    if (bias) {
      for (let i = 0; i < m; i++) {
        const ci = co + i * n;
        for (let j = 0; j < n; j++) c[ci + j] += bias[j];
      }
    }
    if (!transA && !transB) gemmNN(m, n, k, a, ao, b, bo, c, co);
    else if (!transA && transB) gemmNT(m, n, k, a, ao, b, bo, c, co);
    else if (transA && !transB) gemmTN(m, n, k, a, ao, b, bo, c, co);
    else {
      // Rare: transpose B (n×k stored) into k×n and reuse the TN loop.
      const bt = new Float32Array(k * n);
      for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) bt[p * n + j] = b[bo + j * k + p];
      gemmTN(m, n, k, a, ao, bt, 0, c, co);
    }
  }
}

const KB = 256;

// C[i,:] += A[i,p] * B[p,:]
function gemmNN(m: number, n: number, k: number, a: Float32Array, ao: number, b: Float32Array, bo: number, c: Float32Array, co: number): void {
  for (let p0 = 0; p0 < k; p0 += KB) {
    const p1 = Math.min(k, p0 + KB);
    for (let i = 0; i < m; i++) {
      const ci = co + i * n;
      const ai = ao + i * k;
      for (let p = p0; p < p1; p++) {
        const av = a[ai + p];
        const bp = bo + p * n;
        for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
      }
    }
  }
}

// C[i,j] += dot(A[i,:], B[j,:]) with B stored n×k
function gemmNT(m: number, n: number, k: number, a: Float32Array, ao: number, b: Float32Array, bo: number, c: Float32Array, co: number): void {
  for (let i = 0; i < m; i++) {
    const ai = ao + i * k;
    const ci = co + i * n;
    for (let j = 0; j < n; j++) {
      const bj = bo + j * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let p = 0;
      for (; p + 3 < k; p += 4) {
        s0 += a[ai + p] * b[bj + p];
        s1 += a[ai + p + 1] * b[bj + p + 1];
        s2 += a[ai + p + 2] * b[bj + p + 2];
        s3 += a[ai + p + 3] * b[bj + p + 3];
      }
      for (; p < k; p++) s0 += a[ai + p] * b[bj + p];
      c[ci + j] += s0 + s1 + s2 + s3;
    }
  }
}

// C[i,:] += A[p,i] * B[p,:] with A stored k×m
function gemmTN(m: number, n: number, k: number, a: Float32Array, ao: number, b: Float32Array, bo: number, c: Float32Array, co: number): void {
  for (let p = 0; p < k; p++) {
    const ap = ao + p * m;
    const bp = bo + p * n;
    for (let i = 0; i < m; i++) {
      const av = a[ap + i];
      const ci = co + i * n;
      for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
    }
  }
}
