import { esc } from "./escape.js";

/**
 * SVG markup from strings. Attribute values are escaped and coordinates rounded to 0.01 px,
 * which keeps the file small and the output identical from run to run.
 */

export type Attrs = Record<string, string | number | undefined>;

/** A coordinate or length with at most two decimals ("12.5", never "-0"). */
export function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r);
}

function attrs(a: Attrs): string {
  let out = "";
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    out += ` ${k}="${typeof v === "number" ? num(v) : esc(v)}"`;
  }
  return out;
}

/** An element; `children` is markup (already escaped), or nothing for an empty element. */
export function el(tag: string, a: Attrs, children?: string): string {
  return children === undefined ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${children}</${tag}>`;
}

/** A text element holding `content` as text. */
export function text(x: number, y: number, content: string, a: Attrs = {}): string {
  return el("text", { x, y, ...a }, esc(content));
}

/** A tooltip: browsers show an element's first <title> child on hover. */
export function tooltip(content: string): string {
  return `<title>${esc(content)}</title>`;
}

/**
 * A path through the points, broken where a value is not finite (a NaN metric of one
 * epoch leaves a gap rather than a line to zero). Points are already in pixels.
 */
export function polylinePath(points: readonly (readonly [number, number])[]): string {
  let d = "";
  let pen = false;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${num(x)} ${num(y)}`;
    pen = true;
  }
  return d;
}

/** An estimate of a label's width in pixels (system sans-serif averages about 0.6 em a character). */
export function textWidth(s: string, fontSize: number): number {
  return Array.from(s).length * fontSize * 0.6;
}

const FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif";

/**
 * A complete <svg> of natural size width × height (the page's CSS lets it shrink to fit),
 * with an accessible name, and the font and default text colour set once for its contents.
 */
export function svgRoot(width: number, height: number, label: string, body: string, ink: string): string {
  const root = { xmlns: "http://www.w3.org/2000/svg", width, height, viewBox: `0 0 ${num(width)} ${num(height)}`, role: "img", "aria-label": label };
  return el("svg", root, el("g", { "font-family": FONT, "font-size": 12, fill: ink }, body));
}
