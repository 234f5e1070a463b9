/** A case is one config of one workload on one peer; running it yields a Sample record. */
import { type Plan, type Sample, type WorkloadId, sampleTime } from "./plan.js";
import { measure } from "./timing.js";

export interface Case {
  workload: WorkloadId;
  config: string;
  variant?: string;
  metric: string;
  work: number;
  /** Uses the plan's longer sample time (GEMM n=2048, W4). */
  long?: boolean;
  /** Builds the inputs and model (untimed) and returns the function to time. */
  make: () => () => unknown;
}

export async function runCase(peer: string, c: Case, plan: Plan): Promise<Sample> {
  const base = { workload: c.workload, peer, config: c.config, variant: c.variant ?? "", metric: c.metric, work: c.work };
  try {
    const fn = c.make();
    const seconds = await measure(fn, { reps: plan.reps, minTime: sampleTime(plan, c.long ?? false) });
    return { ...base, seconds };
  } catch (e) {
    // A peer that cannot run a case (tfjs-wasm has no Conv2DBackpropFilter) is a row, not a crash.
    return { ...base, seconds: [], error: e instanceof Error ? e.message : String(e) };
  }
}
