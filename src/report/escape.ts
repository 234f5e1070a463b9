/**
 * Text and numbers as they go into the report. Every string that reaches the HTML — titles,
 * notes, metric names, class labels from the user's CSV — passes through `esc`, so a label
 * such as `<script>` shows as text and cannot become markup.
 */

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * `s` as HTML text, safe in element content and in quoted attribute values. C0 control
 * characters other than tab and newline become U+FFFD: they are not allowed in HTML and
 * some are invalid in the SVG (XML) of an exported chart.
 */
export function esc(s: unknown): string {
  return String(s)
    .replace(/[&<>"']/g, (c) => ENTITIES[c])
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "\ufffd");
}

/** `s` cut to `max` characters with an ellipsis, for axis labels (the full text goes in a tooltip). */
export function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, Math.max(1, max - 1)).join("")}…`;
}

/**
 * A metric or loss value for people: "n/a" for NaN (a metric undefined for the data),
 * integers as they are, four decimals for values of order 1, fewer for large ones, and
 * exponent notation for the very large and very small. Always the same text for the same
 * number, whatever the locale.
 */
export function fmt(v: number): string {
  if (Number.isNaN(v)) return "n/a";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e6) return String(v === 0 ? 0 : v);
  let s: string;
  if (a >= 1e6 || a < 1e-3) s = v.toExponential(2);
  else if (a >= 100) s = v.toFixed(1);
  else if (a >= 10) s = v.toFixed(2);
  else s = v.toFixed(4);
  // A tiny negative number rounds to "-0.0000"; the sign says nothing there.
  return /^-[0.]+$/.test(s) ? s.slice(1) : s;
}

/** A fraction as a percentage with one decimal ("12.5%"). */
export function pct(v: number): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : fmt(v);
}
