/**
 * The serving workload: `lathe serve` on the demo bundle (breast-cancer MLP, 30 features),
 * loaded over loopback by autocannon with 1, 16 and 128 connections: without batching
 * (--max-batch 1), with the default dynamic micro-batching (requests that queue while the
 * worker is busy ride together, up to 64 rows), and with a 2 ms batching window on top
 * (--max-delay-ms 2, which also waits for company when the worker is idle). Each request carries one
 * raw record; the figures are requests/s and p50/p99 latency, plus the mean batch size the
 * server actually formed (from its /metrics). The server runs as its own process, so the
 * load generator does not share its event loop.
 *
 *   npm run build && node dist/bench/serve.js [--bundle DIR] [--seconds 5] [--connections 1,16,128] [--workers N]
 *
 * bench/main.ts can call runServeBench() and print formatServeTable(); without --bundle a
 * fresh demo bundle is trained first (`lathe demo`, a few seconds).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cellValue } from "../src/data/table.js";
import { loadModel } from "../src/io/bundle.js";
import { REPO } from "./paths.js";

const LATHE = join(REPO, "dist", "src", "cli", "main.js");

/** The part of autocannon's API and result this bench uses (the package ships no types). */
interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: { url: string; connections: number; duration: number; method: string; headers: Record<string, string>; body: string }) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

export interface ServeBenchOptions {
  /** A bundle directory; by default the demo bundle is trained into a temporary one. */
  bundle?: string;
  /** Seconds per measurement (after a 1 s warm-up). */
  seconds?: number;
  connections?: number[];
  /** --workers for the server (default: the server's own default). */
  workers?: number;
  log?: (line: string) => void;
}

export interface ServeSample {
  mode: (typeof MODES)[number]["mode"];
  /** The server flags of the mode. */
  flags: string;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Rows per batch the server formed, on average, during the measurement. */
  meanBatchRows: number;
  /** Requests that failed or answered other than 2xx (should be 0). */
  failed: number;
}

const MODES = [
  { mode: "unbatched", flags: ["--max-batch", "1"] },
  { mode: "batched", flags: ["--max-batch", "64", "--max-delay-ms", "0"] },
  { mode: "batched+2ms", flags: ["--max-batch", "64", "--max-delay-ms", "2"] },
] as const;

/** Starts `lathe serve` and resolves with it and its URL once it listens. */
function startServer(bundle: string, flags: readonly string[], workers: number | undefined): Promise<{ proc: ChildProcess; url: string }> {
  const args = [LATHE, "serve", `demo=${bundle}`, "--port", "0", "--log-level", "warn", ...flags, ...(workers ? ["--workers", String(workers)] : [])];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "pipe"] });
  return new Promise((resolve, reject) => {
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => {
      stderr += d;
      const m = /at (http:\/\/[\d.]+:\d+)\//.exec(stderr);
      if (m) resolve({ proc, url: m[1] });
    });
    proc.on("exit", (code) => reject(new Error(`lathe serve exited with ${code}: ${stderr}`)));
  });
}

function stop(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    proc.once("exit", () => resolve());
    proc.kill("SIGTERM");
  });
}

/** The server's batch-size histogram totals: [rows, batches]. */
async function batchTotals(url: string): Promise<[number, number]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const num = (name: string) => Number(new RegExp(`^${name}\\{model="demo"\\} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
  return [num("lathe_batch_size_rows_sum"), num("lathe_batch_size_rows_count")];
}

/** One record of the demo data, as a client would send it. */
async function sampleBody(bundle: string): Promise<string> {
  const model = await loadModel(bundle);
  const table = await model.readCsv(join(REPO, "data", "breast_cancer.csv"));
  const record = Object.fromEntries(model.schema.columns.map((c) => [c.name, cellValue(table.column(c.name), 0)]));
  return JSON.stringify({ instances: [record] });
}

export async function runServeBench(options: ServeBenchOptions = {}): Promise<ServeSample[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const seconds = options.seconds ?? 5;
  const connectionCounts = options.connections ?? [1, 16, 128];
  let tmp: string | null = null;
  let bundle = options.bundle;
  if (!bundle) {
    tmp = mkdtempSync(join(tmpdir(), "lathe-serve-bench-"));
    bundle = join(tmp, "lathe-demo");
    log(`training the demo bundle into ${bundle}`);
    execFileSync(process.execPath, [LATHE, "demo", "--out", bundle, "--json"], { stdio: ["ignore", "ignore", "inherit"] });
  }
  try {
    const body = await sampleBody(bundle);
    const samples: ServeSample[] = [];
    for (const { mode, flags } of MODES) {
      const { proc, url } = await startServer(bundle, flags, options.workers);
      try {
        const target = { url: `${url}/v1/models/demo:predict`, method: "POST", headers: { "content-type": "application/json" }, body };
        for (const connections of connectionCounts) {
          await autocannon({ ...target, connections, duration: 1 });
          const [rows0, batches0] = await batchTotals(url);
          const r = await autocannon({ ...target, connections, duration: seconds });
          const [rows1, batches1] = await batchTotals(url);
          const sample: ServeSample = {
            mode,
            flags: flags.join(" "),
            connections,
            requestsPerSecond: r.requests.average,
            p50Ms: r.latency.p50,
            p99Ms: r.latency.p99,
            meanBatchRows: batches1 > batches0 ? (rows1 - rows0) / (batches1 - batches0) : 0,
            failed: r.errors + r.timeouts + r.non2xx,
          };
          samples.push(sample);
          log(`serve ${mode} c=${connections}: ${sample.requestsPerSecond.toFixed(0)} req/s, p50 ${sample.p50Ms} ms, p99 ${sample.p99Ms} ms, ${sample.meanBatchRows.toFixed(1)} rows/batch`);
        }
      } finally {
        await stop(proc);
      }
    }
    return samples;
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatServeTable(samples: readonly ServeSample[]): string {
  const head = ["mode", "connections", "req/s", "p50 ms", "p99 ms", "rows/batch", "failed"];
  const rows = samples.map((s) => [s.mode, String(s.connections), s.requestsPerSecond.toFixed(0), s.p50Ms.toFixed(1), s.p99Ms.toFixed(1), s.meanBatchRows.toFixed(1), String(s.failed)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { bundle: { type: "string" }, seconds: { type: "string" }, connections: { type: "string" }, workers: { type: "string" } } });
  const samples = await runServeBench({
    bundle: values.bundle,
    seconds: values.seconds ? Number(values.seconds) : undefined,
    connections: values.connections?.split(",").map(Number),
    workers: values.workers ? Number(values.workers) : undefined,
  });
  console.log(formatServeTable(samples));
}
