/** torch.optim.SGD's update for one parameter (see torch/optim/sgd.py for the formula). */
export function sgdStep(
  p: Float32Array, g: Float32Array, buf: Float32Array | null, lr: number, momentum: number,
  dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean,
): void {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    let d = g[i];
    if (weightDecay !== 0) d += weightDecay * p[i];
    if (buf) {
      const b = firstStep ? d : momentum * buf[i] + (1 - dampening) * d;
      buf[i] = b;
      d = nesterov ? d + momentum * b : b;
    }
    p[i] -= lr * d;
  }
}

/**
 * Adam (Kingma & Ba 2015) as torch.optim.Adam computes it: bias-corrected moments,
 * eps added after the square root of the corrected second moment. `decoupled` is AdamW:
 * the weight decay shrinks the parameter directly instead of entering the gradient.
 */
export function adamStep(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vMax: Float32Array | null,
  lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
): void {
  const n = p.length;
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
  const stepSize = lr / bc1;
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  for (let i = 0; i < n; i++) {
    let gi = g[i];
    if (weightDecay !== 0 && !decoupled) gi += weightDecay * p[i];
    const mi = beta1 * m[i] + (1 - beta1) * gi;
    const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    let vHat = vi;
    if (vMax) {
      if (vi > vMax[i]) vMax[i] = vi;
      vHat = vMax[i];
    }
    const denom = Math.sqrt(vHat) / bc2Sqrt + eps;
    p[i] = p[i] * decay - stepSize * (mi / denom);
  }
}
