import { COLORS } from "./chart.js";
import { esc, pct, truncate } from "./escape.js";
import { el, svgRoot, text, textWidth, tooltip } from "./svg.js";
import type { ConfusionMatrixInput } from "./types.js";

type Rgb = readonly [number, number, number];

// Ramps from a pale tint to a deep shade: blue for correct predictions, orange for mistakes.
const CORRECT: [Rgb, Rgb] = [[239, 246, 255], [30, 64, 175]];
const WRONG: [Rgb, Rgb] = [[255, 247, 237], [194, 65, 12]];
const EMPTY = "#f9fafb";
const LABEL_CHARS = 16;

function mix([a, b]: [Rgb, Rgb], t: number): string {
  const c = a.map((v, i) => Math.round(v + (b[i] - v) * t));
  return `#${c.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The confusion matrix as a heat map: rows are true classes, columns predicted ones; each
 * cell shows its count (and its share of the row when there is room). Colour follows the
 * share of the true class, not the raw count, so that a rare class's row is as readable as
 * a common one's; any non-zero cell gets at least a visible tint.
 */
export function confusionHeatmap(cm: ConfusionMatrixInput): string {
  const n = cm.labels.length;
  const names = cm.labels.map((l) => String(l));
  const short = names.map((s) => truncate(s, LABEL_CHARS));
  const cell = Math.max(16, Math.min(110, Math.floor(360 / n)));
  const longest = Math.max(...short.map((s) => textWidth(s, 12)));
  // Column labels lie flat when they fit their column, else they are turned 45°.
  const turned = longest > cell - 6;
  const left = 36 + longest + 10;
  const top = 12;
  const grid = n * cell;
  const bottom = (turned ? longest * 0.72 + 18 : 24) + 28;
  const w = left + grid + 16;
  const h = top + grid + bottom;

  let body = "";
  cm.matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => {
      const share = total > 0 ? count / total : 0;
      const t = count > 0 ? 0.12 + 0.88 * share : 0;
      const fill = count > 0 ? mix(i === j ? CORRECT : WRONG, t) : EMPTY;
      const [x, y] = [left + j * cell, top + i * cell];
      const tip = `true ${names[i]}, predicted ${names[j]}: ${count}${total > 0 ? ` (${pct(share)} of ${names[i]})` : ""}`;
      body += el("rect", { x, y, width: cell, height: cell, fill, stroke: "#fff", "stroke-width": 2 }, tooltip(tip));
      if (cell < 22) return; // too small for text: the tooltip carries it
      const ink = t > 0.55 ? "#fff" : COLORS.ink;
      const big = cell >= 44;
      const size = Math.min(16, Math.max(9, Math.floor(cell / 3.2)));
      body += text(x + cell / 2, y + cell / 2 + (big ? -2 : size / 3), String(count), { "text-anchor": "middle", "font-size": size, "font-weight": 600, fill: ink });
      if (big && total > 0) body += text(x + cell / 2, y + cell / 2 + 15, pct(share), { "text-anchor": "middle", "font-size": 11, fill: ink, "fill-opacity": 0.85 });
    });
  });

  short.forEach((s, i) => {
    const mid = top + i * cell + cell / 2;
    body += el("text", { x: left - 8, y: mid + 4, "text-anchor": "end" }, tooltip(names[i]) + esc(s));
    const cx = left + i * cell + cell / 2;
    const ty = top + grid + 16;
    body += turned
      ? el("text", { x: cx, y: ty, "text-anchor": "end", transform: `rotate(-45 ${cx} ${ty})` }, tooltip(names[i]) + esc(s))
      : el("text", { x: cx, y: ty, "text-anchor": "middle" }, tooltip(names[i]) + esc(s));
  });
  body += text(left + grid / 2, h - 10, "Predicted class", { "text-anchor": "middle", "font-weight": 600 });
  const cy = top + grid / 2;
  body += text(14, cy, "True class", { "text-anchor": "middle", "font-weight": 600, transform: `rotate(-90 14 ${cy})` });

  return svgRoot(w, h, `Confusion matrix of ${n} classes`, body, COLORS.ink);
}
