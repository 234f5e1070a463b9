/** Which backend Lathe runs on, and the machine's FMA peak, for the report. */
import { backend } from "../src/backend/index.js";

export interface BackendInfo {
  name: string;
  isa: string;
  threads: number;
  /** Measured FP32 FMA peak (all native threads), null when the addon did not load. */
  peakGflops: number | null;
}

export function backendInfo(): BackendInfo {
  // A busy neighbour can only lower a peak measurement, so the best of three is the estimate.
  const peak = Math.max(...[0, 1, 2].map(() => backend.measurePeakGflops() ?? 0));
  return { name: backend.name, isa: backend.isa ?? "n/a", threads: backend.threads, peakGflops: peak > 0 ? peak : null };
}
