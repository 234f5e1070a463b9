/** Linear axes with "nice" ticks (1, 2 or 5 times a power of ten), as chart libraries draw them. */

export interface Scale {
  /** The data interval the axis spans. */
  domain: [number, number];
  /** Tick values inside the domain, ascending. */
  ticks: number[];
  /** Pixel position of a data value. */
  map(v: number): number;
  /** A tick label, with as many decimals as the tick step needs. */
  format(v: number): string;
}

export interface ScaleOptions {
  /** Use exactly this domain instead of one fitted to the data (ROC axes are [0, 1]). */
  domain?: readonly [number, number];
  /** Ticks at whole numbers only (epochs); the domain is the data's range, not rounded out. */
  integer?: boolean;
  /** About how many ticks to draw. Default 5. */
  ticks?: number;
}

function niceStep(span: number, count: number): number {
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

/** The finite values' range, widened when it is a single value so the axis has some extent. */
function extent(values: readonly number[], integer: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo > hi) return [0, 1]; // nothing finite to show: an empty unit axis
  if (lo === hi) {
    const pad = integer ? 0.5 : lo === 0 ? 1 : Math.abs(lo) * 0.05;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/**
 * A scale from the values' data space onto the pixel interval `range` ([from, to]; `to` may
 * be smaller, as for a y axis that grows upwards). Non-finite values are ignored when
 * fitting the domain.
 */
export function linearScale(values: readonly number[], range: readonly [number, number], opts: ScaleOptions = {}): Scale {
  const integer = opts.integer ?? false;
  const count = opts.ticks ?? 5;
  let [lo, hi] = opts.domain ?? extent(values, integer);
  let step = niceStep(hi - lo, count);
  if (integer) step = Math.max(1, Math.round(step));
  // k steps, computed as k / 10 rather than k · 0.1 for steps below 1, where the product
  // is off in the last digit (7 · 0.1 = 0.7000000000000001).
  const at = (k: number): number => (k === 0 ? 0 : step < 1 ? k / Math.round(1 / step) : k * step);
  if (!opts.domain && !integer) {
    // Round the domain out to whole steps, so the axis ends on labelled ticks.
    lo = at(Math.floor(lo / step + 1e-9));
    hi = at(Math.ceil(hi / step - 1e-9));
  }
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9); k++) ticks.push(at(k));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const [r0, r1] = range;
  return {
    domain: [lo, hi],
    ticks,
    map: (v) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0),
    format: (v) => (decimals > 6 ? v.toExponential(1) : v.toFixed(decimals)),
  };
}
