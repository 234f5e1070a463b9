/**
 * What one bench run measures: the shared vocabulary of the Lathe side, the tfjs child
 * processes and the torch script (which receives the plan as JSON on its command line).
 */

export type WorkloadId = "W1" | "W2" | "W3" | "W4" | "GPT2";
export const WORKLOADS: readonly WorkloadId[] = ["W1", "W2", "W3", "W4", "GPT2"];
/** Left out of --quick unless named with --only: GPT-2 small takes minutes and a 500 MB checkpoint. */
export const NOT_QUICK: readonly WorkloadId[] = ["GPT2"];

export interface Plan {
  rounds: number;
  /** Samples per case per round. */
  reps: number;
  /** Seconds one sample lasts at least (longTime for GEMM n=2048 and W4, as the peer scripts). */
  minTime: number;
  longTime: number;
  gemmSizes: number[];
  /** Quick mode also skips tfjs-cpu's multi-second cases (GEMM n ≥ 1024, LeNet training). */
  quick: boolean;
  /**
   * Seconds a peer may spend on one workload; then its process is killed (and restarted for
   * the next one) and what it printed so far is kept. Keeps a quick run quick when a
   * 2-thread peer crawls on a busy machine.
   */
  peerTimeout: number;
}

export const FULL_PLAN: Plan = { rounds: 3, reps: 3, minTime: 0.3, longTime: 0.5, gemmSizes: [128, 256, 512, 1024, 2048], quick: false, peerTimeout: 600 };
export const QUICK_PLAN: Plan = { rounds: 1, reps: 2, minTime: 0.1, longTime: 0.2, gemmSizes: [128, 512, 1024], quick: true, peerTimeout: 20 };

/**
 * One measured case of one peer in one round, as every peer prints it (one JSON object per
 * line). The metric is `work / seconds` for each sample, so rates are "higher is better";
 * measurements that are not rates (load time, memory) give `values` instead.
 */
export interface Sample {
  workload: WorkloadId;
  peer: string;
  /** Matches across peers, e.g. "n=512", "batch=32", "train,batch=100". */
  config: string;
  /** A peer's way of running the config (tfjs W2: "minimize" or "trainOnBatch"); "" if one way. */
  variant: string;
  metric: string;
  /** Units of metric per sample-second: GFLOP per call, steps per call, images per call… */
  work: number;
  /** Seconds per call, one entry per sample. */
  seconds: number[];
  /** The metric's values themselves, for measurements that are not rates (then `seconds` is empty). */
  values?: number[];
  error?: string;
  extra?: Record<string, unknown>;
}

/** Seconds a sample lasts at least for a case: the long time for the big cases. */
export function sampleTime(plan: Plan, long: boolean): number {
  return long ? plan.longTime : plan.minTime;
}
