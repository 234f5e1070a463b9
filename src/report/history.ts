import { higherIsBetter } from "../train/named_metrics.js";
import type { History } from "../train/types.js";

/** One logged quantity over the epochs: its training values and its validation values, either possibly absent. */
export interface Curve {
  /** The metric's name as logged ("loss", "accuracy"); validation values are logged as "valLoss", "valAccuracy". */
  name: string;
  train: number[] | null;
  val: number[] | null;
}

export interface HistoryCurves {
  epochs: number[];
  loss: Curve | null;
  metrics: Curve[];
  /** The learning rate per epoch, when a schedule changed it (a constant rate is no chart). */
  lr: number[] | null;
}

/** The best epoch by a monitored value. */
export interface Best {
  /** The logged key, such as "valLoss" or "valPrAuc". */
  key: string;
  /** Its curve's name ("loss", "prAuc") and whether the key is the validation one. */
  name: string;
  val: boolean;
  epoch: number;
  value: number;
}

/** Keys fit logs that are not train/validation curves. */
const OWN_CHART = new Set(["epoch", "lr", "seconds"]);

export function baseName(key: string): { name: string; val: boolean } {
  return /^val[A-Z]/.test(key) ? { name: key[3].toLowerCase() + key.slice(4), val: true } : { name: key, val: false };
}

function value(v: unknown): number {
  return typeof v === "number" ? v : NaN;
}

/**
 * The curves of a history, metrics in the order fit first logged them. An epoch that lacks
 * a key (a resumed run that added a metric) contributes NaN, which charts draw as a gap.
 */
export function historyCurves(history: History | undefined): HistoryCurves {
  const epochs = history?.epochs ?? [];
  const xs = epochs.map((e, i) => (Number.isFinite(e.epoch) ? e.epoch : i + 1));
  const curves = new Map<string, Curve>();
  for (const e of epochs) {
    for (const key of Object.keys(e)) {
      if (OWN_CHART.has(key)) continue;
      const { name, val } = baseName(key);
      let c = curves.get(name);
      if (!c) curves.set(name, (c = { name, train: null, val: null }));
      if (val) c.val ??= epochs.map((x) => value(x[key]));
      else c.train ??= epochs.map((x) => value(x[key]));
    }
  }
  const lrs = epochs.map((e) => value(e.lr));
  const lrChanges = lrs.some((v) => v !== lrs[0] && !(Number.isNaN(v) && Number.isNaN(lrs[0])));
  const loss = curves.get("loss") ?? null;
  curves.delete("loss");
  return { epochs: xs, loss, metrics: [...curves.values()], lr: lrChanges ? lrs : null };
}

/**
 * The epoch where `monitor` (default "valLoss") was best — lowest, or highest for
 * accuracy-like metrics, as earlyStopping judges — or null when it was never logged as a
 * finite number. The first of equal values wins, as with earlyStopping.
 */
export function bestEpoch(history: History | undefined, monitor = "valLoss"): Best | null {
  const sign = higherIsBetter(monitor) ? -1 : 1;
  let best: Best | null = null;
  (history?.epochs ?? []).forEach((e, i) => {
    const v = value(e[monitor]);
    if (!Number.isFinite(v) || (best && sign * v >= sign * best.value)) return;
    best = { key: monitor, ...baseName(monitor), epoch: Number.isFinite(e.epoch) ? e.epoch : i + 1, value: v };
  });
  return best;
}
