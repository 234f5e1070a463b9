import { fmt } from "./escape.js";
import { type Scale, type ScaleOptions, linearScale } from "./scale.js";
import { el, num, polylinePath, svgRoot, text, textWidth, tooltip } from "./svg.js";

/** Colours: blue and orange stay apart for the common colour-vision deficiencies. */
export const COLORS = {
  train: "#2563eb",
  validation: "#ea580c",
  accent: "#7c3aed",
  point: "#dc2626",
  chance: "#9ca3af",
  grid: "#e5e7eb",
  axis: "#6b7280",
  ink: "#374151",
} as const;

export interface Series {
  name: string;
  color: string;
  xs: readonly number[];
  /** NaN or infinite values leave a gap in the line. */
  ys: readonly number[];
  dashed?: boolean;
  /** Dots at the data points, each with a tooltip (left out when there are too many to tell apart). */
  dots?: boolean;
  /** Hold each value until the next point (a learning rate set at the start of an epoch) instead of a straight line. */
  step?: boolean;
}

/** A vertical line at `x` (`y` undefined) or a highlighted point, with a label. */
export interface Marker {
  x: number;
  y?: number;
  label: string;
}

export interface XYChartOptions {
  /** What the chart shows, for screen readers. */
  label: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  x?: ScaleOptions;
  y?: ScaleOptions;
  markers?: readonly Marker[];
  /** Tooltip of a dot. */
  describe?: (series: Series, x: number, y: number) => string;
  width?: number;
  height?: number;
}

/** More dots than this would merge into a thick line. */
const MAX_DOTS = 40;
/** Margins around the plot; the left one also fits the widest y tick label. */
interface Margins {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function finite(x: number, y: number): boolean {
  return Number.isFinite(x) && Number.isFinite(y);
}

function axes(xs: Scale, ys: Scale, w: number, h: number, M: Margins, o: XYChartOptions): string {
  const [left, right, top, bottom] = [M.left, w - M.right, M.top, h - M.bottom];
  let out = "";
  for (const t of ys.ticks) {
    const y = ys.map(t);
    out += el("line", { x1: left, x2: right, y1: y, y2: y, stroke: COLORS.grid });
    out += text(left - 8, y + 4, ys.format(t), { "text-anchor": "end" });
  }
  for (const t of xs.ticks) {
    const x = xs.map(t);
    out += el("line", { x1: x, x2: x, y1: top, y2: bottom, stroke: COLORS.grid, "stroke-dasharray": "2 3" });
    out += el("line", { x1: x, x2: x, y1: bottom, y2: bottom + 5, stroke: COLORS.axis });
    out += text(x, bottom + 18, xs.format(t), { "text-anchor": "middle" });
  }
  out += el("path", { d: `M${num(left)} ${num(top)}V${num(bottom)}H${num(right)}`, fill: "none", stroke: COLORS.axis });
  out += text((left + right) / 2, h - 10, o.xLabel, { "text-anchor": "middle", "font-weight": 600 });
  const cy = (top + bottom) / 2;
  out += text(16, cy, o.yLabel, { "text-anchor": "middle", "font-weight": 600, transform: `rotate(-90 16 ${num(cy)})` });
  return out;
}

/** Legend entries right-aligned above the plot; a series without a finite value says so. */
function legend(series: readonly Series[], w: number, M: Margins): string {
  let x = w - M.right;
  let out = "";
  for (const s of [...series].reverse()) {
    const empty = !s.xs.some((v, i) => finite(v, s.ys[i]));
    const name = empty ? `${s.name} (no values)` : s.name;
    x -= textWidth(name, 12);
    out += text(x, 20, name, { fill: empty ? COLORS.axis : COLORS.ink });
    x -= 24;
    out += el("line", { x1: x, x2: x + 18, y1: 16, y2: 16, stroke: s.color, "stroke-width": 3, "stroke-dasharray": s.dashed ? "5 4" : undefined });
    x -= 16;
  }
  return out;
}

function seriesMarkup(s: Series, xs: Scale, ys: Scale, o: XYChartOptions): string {
  const pts = s.xs.map((x, i) => [xs.map(x), ys.map(s.ys[i])] as const);
  const line = s.step ? pts.flatMap((p, i) => (i + 1 < pts.length ? [p, [pts[i + 1][0], p[1]] as const] : [p])) : pts;
  let out = el("path", {
    d: polylinePath(line), fill: "none", stroke: s.color, "stroke-width": 2.25,
    "stroke-linejoin": "round", "stroke-linecap": "round", "stroke-dasharray": s.dashed ? "6 5" : undefined,
  });
  const many = s.xs.length > MAX_DOTS;
  for (let i = 0; i < s.xs.length; i++) {
    if (!finite(s.xs[i], s.ys[i])) continue;
    // A point between two gaps draws no line, so it always gets its dot.
    const isolated = !(i > 0 && finite(s.xs[i - 1], s.ys[i - 1])) && !(i + 1 < s.xs.length && finite(s.xs[i + 1], s.ys[i + 1]));
    if (!isolated && (many || !s.dots)) continue;
    const tip = o.describe ? o.describe(s, s.xs[i], s.ys[i]) : `${s.name}: ${fmt(s.ys[i])}`;
    out += el("circle", { cx: pts[i][0], cy: pts[i][1], r: 3.5, fill: s.color, stroke: "#fff", "stroke-width": 1.5 }, tooltip(tip));
  }
  return out;
}

function markerMarkup(m: Marker, xs: Scale, ys: Scale, w: number, h: number, M: Margins): string {
  const x = xs.map(m.x);
  const rightHalf = x > (M.left + w - M.right) / 2;
  const anchor = rightHalf ? "end" : "start";
  const dx = rightHalf ? -8 : 8;
  if (m.y === undefined) {
    return (
      el("line", { x1: x, x2: x, y1: M.top, y2: h - M.bottom, stroke: COLORS.axis, "stroke-width": 1.25, "stroke-dasharray": "4 4" }) +
      text(x + dx, M.top + 14, m.label, { "text-anchor": anchor, fill: COLORS.axis })
    );
  }
  const y = ys.map(m.y);
  return (
    el("circle", { cx: x, cy: y, r: 6, fill: COLORS.point, stroke: "#fff", "stroke-width": 2 }, tooltip(m.label)) +
    text(x + dx, y - 10, m.label, { "text-anchor": anchor, fill: COLORS.point, "font-weight": 600 })
  );
}

/**
 * A line chart of one or more series over shared axes: grid, ticks and tick labels, axis
 * titles, a legend, optional dots with tooltips and markers. Returns an <svg> element.
 */
export function xyChart(o: XYChartOptions): string {
  const w = o.width ?? 560;
  const h = o.height ?? 320;
  const allX = o.series.flatMap((s) => s.xs).concat((o.markers ?? []).map((m) => m.x));
  const allY = o.series.flatMap((s) => s.ys).concat((o.markers ?? []).flatMap((m) => (m.y === undefined ? [] : [m.y])));
  const M: Margins = { left: 0, right: 20, top: 36, bottom: 48 };
  const ys = linearScale(allY, [h - M.bottom, M.top], o.y);
  // Room for the axis title (about 28 px) and the widest tick label.
  M.left = 36 + Math.max(...ys.ticks.map((t) => textWidth(ys.format(t), 12)));
  const xs = linearScale(allX, [M.left, w - M.right], o.x);
  const body =
    axes(xs, ys, w, h, M, o) +
    o.series.map((s) => seriesMarkup(s, xs, ys, o)).join("") +
    (o.markers ?? []).map((m) => markerMarkup(m, xs, ys, w, h, M)).join("") +
    legend(o.series, w, M);
  return svgRoot(w, h, o.label, body, COLORS.ink);
}
