/**
 * The timing method of ../shared/peers/benchutil.mjs, so Lathe and its peers are measured
 * alike: warm up (≥ 2 calls and ≥ 0.2 s), time one call to choose an iteration count so
 * one sample lasts ≥ minTime, then take `reps` samples, each the mean seconds per call over
 * its iterations.
 *
 * Cases that take seconds per call (pure-JS GEMM at n ≥ 1024, tfjs-cpu LeNet training)
 * would make a run last an hour, so — as the peer scripts do for tfjs-cpu, but decided by
 * the measured call time rather than by name — a first call of ≥ 1 s counts as the warm-up
 * and is followed by at most 2 single-call samples, and a first call of ≥ 8 s is the only
 * sample.
 */

export interface TimingOptions {
  reps: number;
  minTime: number;
  warmup?: number;
  warmupTime?: number;
}

const SLOW_CALL_S = 1;
const GLACIAL_CALL_S = 8;

const now = (): number => performance.now() / 1e3;

/** Seconds per call of fn (awaited: tfjs trainOnBatch returns a promise), one entry per sample. */
export async function measure(fn: () => unknown, opts: TimingOptions): Promise<number[]> {
  const { reps, minTime, warmup = 2, warmupTime = 0.2 } = opts;
  const start = now();
  await fn();
  const first = now() - start;
  if (first >= GLACIAL_CALL_S) return [first];
  if (first >= SLOW_CALL_S) {
    const samples: number[] = [];
    for (let r = 0; r < Math.min(reps, 2); r++) samples.push(await timeCalls(fn, 1));
    return samples;
  }
  for (let k = 1; k < warmup || now() - start < warmupTime; k++) await fn();
  const iters = Math.max(1, Math.floor(minTime / Math.max(await timeCalls(fn, 1), 1e-9)));
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) samples.push(await timeCalls(fn, iters));
  return samples;
}

async function timeCalls(fn: () => unknown, iters: number): Promise<number> {
  const t = now();
  for (let i = 0; i < iters; i++) await fn();
  return (now() - t) / iters;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function stats(values: readonly number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}
