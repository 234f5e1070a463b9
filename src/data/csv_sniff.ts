import { parseNumber } from "./infer.js";

/**
 * Guessing a CSV file's dialect from its first lines, as Python's csv.Sniffer does: the
 * delimiter is the candidate that splits every sampled line into the same number of
 * fields (the most fields wins a tie between consistent candidates), and a file whose
 * columns are separated by runs of spaces (C-MAPSS, many sensor logs) is "whitespace".
 */

/** Runs of spaces and tabs, with leading and trailing ones ignored. */
export const WHITESPACE = "whitespace";

const CANDIDATES = [",", ";", "\t", "|"];
const SAMPLE_LINES = 20;

/** Occurrences of `delim` outside double quotes. */
function countOutsideQuotes(line: string, delim: string): number {
  let n = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === delim && !quoted) n++;
  }
  return n;
}

export function sniffDelimiter(sample: string, comment?: string): string {
  const lines = sample
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "" && !(comment && l.startsWith(comment)))
    .slice(0, SAMPLE_LINES);
  if (lines.length === 0) return ",";
  let best: string | null = null;
  let bestCount = 0;
  for (const d of CANDIDATES) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    if (counts[0] > 0 && counts.every((c) => c === counts[0]) && counts[0] > bestCount) {
      best = d;
      bestCount = counts[0];
    }
  }
  if (best) return best;
  const words = lines.map((l) => l.trim().split(/[ \t]+/).length);
  if (words[0] > 1 && words.every((w) => w === words[0])) return WHITESPACE;
  // Nothing consistent (a ragged file, or quoted fields spanning lines): the candidate that
  // occurs on every line most often; the reader then reports the ragged rows precisely.
  for (const d of CANDIDATES) {
    const least = Math.min(...lines.map((l) => countOutsideQuotes(l, d)));
    if (least > bestCount) {
      best = d;
      bestCount = least;
    }
  }
  return best ?? ",";
}

/**
 * A first row is a header when none of its cells is a number: data rows of real files
 * almost always hold a number somewhere, header rows almost never. (A file of text only
 * is taken to have a header; pass `header: false` for one that has none.)
 */
export function looksLikeHeader(cells: readonly string[], decimal: "." | ","): boolean {
  return cells.every((c) => parseNumber(c, decimal) === undefined);
}
