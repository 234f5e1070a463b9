import { Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { backward } from "./engine.js";
import { noGrad } from "./grad_mode.js";

export interface GradcheckOptions {
  /** Finite-difference step. Lathe computes in float32, so steps are larger than PyTorch's float64 1e-6. */
  eps?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
}

export interface GradcheckFailure {
  input: number;
  index: number;
  analytic: number;
  numeric: number;
}

/**
 * Compares the backward rule of `fn` with central finite differences. With a random
 * output weighting v, the analytic side is the gradient of <v, fn(inputs)> from backward()
 * and the numeric side perturbs each input element by ±eps. Returns the mismatches (empty
 * when the rule is right); `assertGradcheck` throws instead.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckFailure[] {
  const eps = opts.eps ?? 1e-2;
  const atol = opts.atol ?? 1e-2;
  const rtol = opts.rtol ?? 1e-2;
  const gen = new Generator(opts.seed ?? 1234);

  for (const t of inputs) t.grad = null;
  const out = fn(...inputs);
  const vData = new Float32Array(out.numel());
  for (let i = 0; i < vData.length; i++) vData[i] = gen.normal();
  const v = new Tensor(vData, out.shape);
  backward(out, v);

  const weighted = (): number => {
    const y = noGrad(() => fn(...inputs)).toArray();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * vData[i];
    return s;
  };

  const failures: GradcheckFailure[] = [];
  inputs.forEach((t, k) => {
    if (!t.requiresGrad) return;
    if (!t.isContiguous()) throw new Error("gradcheck: inputs must be contiguous");
    const analytic = t.grad ? t.grad.toArray() : new Float32Array(t.numel());
    const data = t.data;
    for (let i = 0; i < t.numel(); i++) {
      const at = t.offset + i;
      const orig = data[at];
      data[at] = orig + eps;
      const plus = weighted();
      data[at] = orig - eps;
      const minus = weighted();
      data[at] = orig;
      const numeric = (plus - minus) / (2 * eps);
      if (!(Math.abs(analytic[i] - numeric) <= atol + rtol * Math.abs(numeric))) {
        failures.push({ input: k, index: i, analytic: analytic[i], numeric });
      }
    }
  });
  return failures;
}

export function assertGradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts?: GradcheckOptions): void {
  const failures = gradcheck(fn, inputs, opts);
  if (failures.length) {
    const f = failures.slice(0, 5).map((x) => `input ${x.input}[${x.index}]: analytic ${x.analytic}, numeric ${x.numeric}`);
    throw new Error(`gradcheck failed at ${failures.length} element(s):\n  ${f.join("\n  ")}`);
  }
}
