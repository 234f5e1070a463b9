import { higherIsBetter } from "./named_metrics.js";
import type { EpochLogs } from "./types.js";

/** "auto" picks "max" for accuracy-like names (accuracy, f1, rocAuc, r2, with or without "val") and "min" otherwise. */
export type MonitorMode = "auto" | "min" | "max";

export function resolveMode(op: string, monitor: string, mode: MonitorMode = "auto"): "min" | "max" {
  if (mode !== "auto" && mode !== "min" && mode !== "max") throw new RangeError(`${op}: mode must be "auto", "min" or "max", got ${JSON.stringify(mode)}`);
  if (mode !== "auto") return mode;
  return higherIsBetter(monitor) ? "max" : "min";
}

/** The monitored value of an epoch; a missing key is an error that says what the logs hold. */
export function monitoredValue(op: string, logs: EpochLogs, monitor: string): number {
  if (!Object.hasOwn(logs, monitor)) {
    const hint = monitor.startsWith("val") ? "; give fit validation data (validation or validationSplit) or monitor a training value" : "";
    throw new RangeError(`${op}: the epoch logs have no "${monitor}" (they hold ${Object.keys(logs).join(", ")})${hint}`);
  }
  return logs[monitor];
}

/** Whether `value` beats `best` by more than minDelta; NaN never does, and anything beats no best yet. */
export function improves(mode: "min" | "max", value: number, best: number | null, minDelta = 0): boolean {
  if (Number.isNaN(value)) return false;
  if (best === null) return true;
  return mode === "min" ? value < best - minDelta : value > best + minDelta;
}
