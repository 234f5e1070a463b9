/** The printed table (medians, Lathe/peer ratios, FMA peak, GEMM efficiency) and bench/results.json. */
import { writeFileSync } from "node:fs";
import type { BackendInfo } from "./backend_info.js";
import type { Sample } from "./plan.js";
import { type Stats, stats } from "./timing.js";

export const LATHE = "lathe";

/** All samples of one (workload, config, peer, variant), from every round, as metric values. */
export interface ResultRow extends Partial<Stats> {
  workload: string;
  config: string;
  metric: string;
  peer: string;
  variant: string;
  errors: string[];
}

export function summarize(samples: readonly Sample[]): ResultRow[] {
  const rows = new Map<string, ResultRow & { values: number[] }>();
  for (const s of samples) {
    const key = [s.workload, s.config, s.metric, s.peer, s.variant].join("|");
    let row = rows.get(key);
    if (!row) {
      row = { workload: s.workload, config: s.config, metric: s.metric, peer: s.peer, variant: s.variant, errors: [], values: [] };
      rows.set(key, row);
    }
    row.values.push(...(s.values ?? s.seconds.map((t) => s.work / t)));
    if (s.error && !row.errors.includes(s.error)) row.errors.push(s.error);
  }
  return [...rows.values()].map(({ values, ...row }) => (values.length ? { ...row, ...stats(values) } : row));
}

function fmt(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString("en-US");
  return v >= 10 ? v.toFixed(1) : v.toPrecision(3);
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
}

/** A peer's figure for a config: its fastest variant (tfjs W2 runs minimize and trainOnBatch). */
function best(rows: ResultRow[], key: string, peer: string): ResultRow | undefined {
  const mine = rows.filter((r) => `${r.workload}|${r.config}|${r.metric}` === key && r.peer === peer);
  return mine.sort((a, b) => (b.median ?? -1) - (a.median ?? -1))[0];
}

/** Medians, one row per config; a peer's cell is "median (Lathe/peer ratio×)". */
export function formatTable(rows: ResultRow[], peers: string[], backend: BackendInfo): string {
  const keys = [...new Set(rows.map((r) => `${r.workload}|${r.config}|${r.metric}`))];
  const header = ["workload", "config", "metric", `${LATHE} (${backend.name})`, ...peers];
  const body = keys.map((key) => {
    const cells = key.split("|");
    const lathe = best(rows, key, LATHE)?.median;
    for (const p of [LATHE, ...peers]) {
      const r = best(rows, key, p);
      if (!r) cells.push("—");
      else if (r.median === undefined) cells.push("error");
      else if (p === LATHE || lathe === undefined) cells.push(fmt(r.median));
      else {
        const ratio = lathe / r.median;
        cells.push(`${fmt(r.median)} (${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×)`);
      }
    }
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  return [pad(header, widths), ...body.map((c) => pad(c, widths))].join("\n");
}

/** The FMA peak and the GEMM efficiency of each W1 size (Lathe's median / peak). */
export function formatPeak(rows: ResultRow[], backend: BackendInfo): string {
  if (backend.peakGflops === null) return "FP32 FMA peak: n/a (js backend: the native addon did not load); GEMM efficiency: n/a";
  const peak = backend.peakGflops;
  const eff = rows
    .filter((r) => r.workload === "W1" && r.peer === LATHE && r.median !== undefined)
    .map((r) => `${r.config} ${((100 * r.median!) / peak).toFixed(0)}%`);
  return `FP32 FMA peak (measured, ${backend.threads} threads, ${backend.isa}): ${fmt(peak)} GFLOP/s; ` +
    `Lathe GEMM efficiency: ${eff.join(", ") || "n/a"}`;
}

export function formatErrors(rows: ResultRow[]): string[] {
  return rows.flatMap((r) => r.errors.map((e) => `${r.peer} ${r.workload} ${r.config}${r.variant ? `,${r.variant}` : ""}: ${e}`));
}

export function writeResults(path: string, meta: Record<string, unknown>, rows: ResultRow[], samples: Sample[]): void {
  writeFileSync(path, JSON.stringify({ meta, results: rows, samples }, null, 1) + "\n");
}
