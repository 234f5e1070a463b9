/**
 * The learning-rate schedule of LM training: a linear warm-up over a number of steps, then a
 * cosine decay to a fraction of the peak over what is left of the budget, a step count or a
 * number of seconds. It is a pure function of where training is, so a checkpoint that holds
 * the step and the elapsed time holds the schedule's whole state.
 */

export interface WarmupCosine {
  /** The peak learning rate, reached at the end of the warm-up. */
  lr: number;
  warmupSteps: number;
  /** The final learning rate as a fraction of the peak (0.1: decay to 10%). */
  minLrRatio: number;
}

/**
 * The learning rate for optimizer step `step` (0-based). During the warm-up it rises
 * linearly to the peak, lr·(step+1)/warmupSteps; after it, `decayProgress` in [0, 1] is how
 * far training has gone through the rest of its budget, and the rate follows half a cosine
 * from the peak down to lr·minLrRatio.
 */
export function scheduledLr(s: WarmupCosine, step: number, decayProgress: number): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const p = Math.min(1, Math.max(0, decayProgress));
  const minLr = s.lr * s.minLrRatio;
  return minLr + 0.5 * (1 + Math.cos(Math.PI * p)) * (s.lr - minLr);
}

/** How far past the warm-up `done` is, on a budget of `total` (steps or seconds) whose warm-up ended at `warmupEnd`. */
export function decayProgress(done: number, warmupEnd: number, total: number): number {
  return total > warmupEnd ? (done - warmupEnd) / (total - warmupEnd) : 1;
}
