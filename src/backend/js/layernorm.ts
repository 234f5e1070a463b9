/** Layer normalisation over the last `cols` values of each row, statistics in double precision. */
export function layerNorm(
  x: Float32Array, weight: Float32Array | null, bias: Float32Array | null, out: Float32Array,
  mean: Float32Array, rstd: Float32Array, rows: number, cols: number, eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[o + j];
    const mu = s / cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[o + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < cols; j++) {
      let y = (x[o + j] - mu) * rs;
      if (weight) y *= weight[j];
      if (bias) y += bias[j];
      out[o + j] = y;
    }
  }
}

export function layerNormBackward(
  g: Float32Array, x: Float32Array, weight: Float32Array | null, mean: Float32Array, rstd: Float32Array,
  gx: Float32Array, gw: Float32Array | null, gb: Float32Array | null, rows: number, cols: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const mu = mean[r];
    const rs = rstd[r];
    // With xhat = (x - mu) * rstd and dy = g * w:  dx = rstd * (dy - mean(dy) - xhat * mean(dy * xhat))
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[o + j] - mu) * rs;
      const dy = weight ? g[o + j] * weight[j] : g[o + j];
      sumDy += dy;
      sumDyXhat += dy * xhat;
      if (gw) gw[j] += g[o + j] * xhat;
      if (gb) gb[j] += g[o + j];
    }
    const mDy = sumDy / cols;
    const mDyXhat = sumDyXhat / cols;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[o + j] - mu) * rs;
      const dy = weight ? g[o + j] * weight[j] : g[o + j];
      gx[o + j] = rs * (dy - mDy - xhat * mDyXhat);
    }
  }
}
