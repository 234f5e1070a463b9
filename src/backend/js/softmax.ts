/** Row-wise softmax / log-softmax, max-subtracted so large logits do not overflow. */
export function softmax(x: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (x[o + j] > max) max = x[o + j];
    if (max === -Infinity) max = 0; // an all -inf row gives NaN/-inf as PyTorch, not a crash
    let sum = 0;
    if (log) {
      for (let j = 0; j < cols; j++) sum += Math.exp(x[o + j] - max);
      const lse = max + Math.log(sum);
      for (let j = 0; j < cols; j++) out[o + j] = x[o + j] - lse;
    } else {
      // Keep each exp in `out` so it is computed once per element.
      for (let j = 0; j < cols; j++) {
        const e = Math.exp(x[o + j] - max);
        out[o + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j < cols; j++) out[o + j] *= inv;
    }
  }
}

export function softmaxBackward(y: Float32Array, g: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    if (log) {
      // d/dx log_softmax: g - softmax * sum(g)
      let sg = 0;
      for (let j = 0; j < cols; j++) sg += g[o + j];
      for (let j = 0; j < cols; j++) out[o + j] = g[o + j] - Math.exp(y[o + j]) * sg;
    } else {
      // d/dx softmax: y * (g - sum(g * y))
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += g[o + j] * y[o + j];
      for (let j = 0; j < cols; j++) out[o + j] = y[o + j] * (g[o + j] - dot);
    }
  }
}
