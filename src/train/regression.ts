import { type Matrix, type MetricInput, toMatrix } from "./metric_input.js";

/**
 * Regression metrics, as sklearn's: for [N, K] targets each output is scored on its own and
 * the K scores averaged (multioutput "uniform_average"). A 1-d input and an [N, 1] column
 * are the same thing.
 */

function pair(op: string, yTrue: MetricInput, yPred: MetricInput): [Matrix, Matrix] {
  const t = toMatrix(op, "yTrue", yTrue);
  const p = toMatrix(op, "yPred", yPred);
  if (t.rows !== p.rows || t.cols !== p.cols) {
    throw new RangeError(`${op}: yTrue has ${t.rows} rows of ${t.cols} values, yPred ${p.rows} rows of ${p.cols}`);
  }
  return [t, p];
}

/** The mean over outputs of `score(column of yTrue, column of yPred)`. */
function perOutput(op: string, yTrue: MetricInput, yPred: MetricInput, score: (t: Float64Array, p: Float64Array) => number): number {
  const [t, p] = pair(op, yTrue, yPred);
  let total = 0;
  for (let c = 0; c < t.cols; c++) {
    const tc = new Float64Array(t.rows);
    const pc = new Float64Array(t.rows);
    for (let r = 0; r < t.rows; r++) {
      tc[r] = t.data[r * t.cols + c];
      pc[r] = p.data[r * t.cols + c];
    }
    total += score(tc, pc);
  }
  return total / t.cols;
}

function meanOf(n: number, f: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(i);
  return s / n;
}

/** Mean squared error. */
export function mse(yTrue: MetricInput, yPred: MetricInput): number {
  return perOutput("mse", yTrue, yPred, (t, p) => meanOf(t.length, (i) => (t[i] - p[i]) ** 2));
}

/** Root mean squared error (per output, then averaged, as sklearn's squared=False). */
export function rmse(yTrue: MetricInput, yPred: MetricInput): number {
  return perOutput("rmse", yTrue, yPred, (t, p) => Math.sqrt(meanOf(t.length, (i) => (t[i] - p[i]) ** 2)));
}

/** Mean absolute error. */
export function mae(yTrue: MetricInput, yPred: MetricInput): number {
  return perOutput("mae", yTrue, yPred, (t, p) => meanOf(t.length, (i) => Math.abs(t[i] - p[i])));
}

/**
 * Coefficient of determination, 1 − SS_res / SS_tot. As sklearn: NaN for fewer than two
 * samples; an output whose true values are constant scores 1 if predicted exactly, else 0.
 */
export function r2(yTrue: MetricInput, yPred: MetricInput): number {
  return perOutput("r2", yTrue, yPred, (t, p) => {
    if (t.length < 2) return NaN;
    const mean = meanOf(t.length, (i) => t[i]);
    let res = 0;
    let tot = 0;
    for (let i = 0; i < t.length; i++) {
      res += (t[i] - p[i]) ** 2;
      tot += (t[i] - mean) ** 2;
    }
    if (tot === 0) return res === 0 ? 1 : 0;
    return 1 - res / tot;
  });
}
