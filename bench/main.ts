/**
 * `npm run bench`: W1–W4 on Lathe and, in the same run, on TensorFlow.js (cpu, wasm, wasm
 * with 2 threads) and PyTorch, interleaved — each round runs every workload on Lathe and
 * then on every peer, so a noisy neighbour hits all of them alike — then prints medians and
 * Lathe/peer ratios and writes bench/results.json.
 *
 *   npm run bench -- [--quick] [--only W1,W2] [--reps N] [--rounds N]
 *                    [--peers tfjs-cpu,tfjs-wasm,tfjs-wasm-mt2,torch|none] [--serve | --no-serve]
 *
 * The serving workload (`lathe serve` under autocannon, bench/serve.ts) runs after the
 * rounds: by default in the full run, with --serve in a quick one.
 */
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { backendInfo } from "./backend_info.js";
import { type Case, runCase } from "./cases.js";
import { REPO } from "./paths.js";
import type { PeerProcess } from "./peers/child.js";
import { TFJS_BACKENDS, tfjsMissing, tfjsPeer } from "./peers/tfjs.js";
import { torchMissing, torchPeer } from "./peers/torch.js";
import { FULL_PLAN, type Plan, QUICK_PLAN, type Sample, WORKLOADS, type WorkloadId } from "./plan.js";
import { LATHE, formatErrors, formatPeak, formatTable, summarize, writeResults } from "./report.js";
import { type ServeSample, formatServeTable, runServeBench } from "./serve.js";
import { stats } from "./timing.js";
import { gemmCases } from "./workloads/lathe_gemm.js";
import { gptCases } from "./workloads/lathe_gpt.js";
import { lenetCases } from "./workloads/lathe_lenet.js";
import { mlpCases } from "./workloads/lathe_mlp.js";

/** Lathe's side of each workload. */
const LATHE_CASES: Record<WorkloadId, (plan: Plan) => Case[]> = { W1: gemmCases, W2: mlpCases, W3: lenetCases, W4: gptCases };
const PEER_NAMES = [...TFJS_BACKENDS.map((b) => `tfjs-${b}`), "torch"];
/** Environment variables that change what is measured, recorded in results.json. */
const ENV_KEYS = ["LATHE_BACKEND", "LATHE_ISA", "LATHE_NUM_THREADS", "LATHE_BENCH_OMPBLAS_DIR", "OMP_WAIT_POLICY", "OMP_NUM_THREADS"];

function parseCli(): { plan: Plan; workloads: WorkloadId[]; peerNames: string[]; serve: boolean } {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      reps: { type: "string" },
      rounds: { type: "string" },
      peers: { type: "string" },
      serve: { type: "boolean" },
      "no-serve": { type: "boolean" },
    },
  });
  const plan = { ...(values.quick ? QUICK_PLAN : FULL_PLAN) };
  for (const k of ["reps", "rounds"] as const) {
    if (values[k] === undefined) continue;
    const n = Number(values[k]);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${k} must be a positive integer, got ${values[k]}`);
    plan[k] = n;
  }
  const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
  const workloads = values.only ? list(values.only) : [...WORKLOADS];
  for (const w of workloads) if (!WORKLOADS.includes(w as WorkloadId)) throw new RangeError(`--only: unknown workload ${w} (${WORKLOADS.join(", ")})`);
  const peerNames = values.peers === "none" ? [] : values.peers ? list(values.peers) : PEER_NAMES;
  for (const p of peerNames) if (!PEER_NAMES.includes(p)) throw new RangeError(`--peers: unknown peer ${p} (${PEER_NAMES.join(", ")}, or none)`);
  const serve = values["no-serve"] ? false : (values.serve ?? !values.quick);
  return { plan, workloads: workloads as WorkloadId[], peerNames, serve };
}

/** The peers that can run here, and a note for each that cannot. */
function availablePeers(names: string[], plan: Plan): { peers: PeerProcess[]; skipped: string[] } {
  const peers: PeerProcess[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const backend = name.replace(/^tfjs-/, "");
    const missing = name === "torch" ? torchMissing() : tfjsMissing(backend);
    if (missing) skipped.push(`${name} skipped: ${missing}`);
    else peers.push(name === "torch" ? torchPeer(plan) : tfjsPeer(backend, plan));
  }
  return { peers, skipped };
}

const log = (line: string) => process.stderr.write(line + "\n");
const secondsSince = (t: number) => ((performance.now() - t) / 1e3).toFixed(1);

async function main(): Promise<void> {
  const { plan, workloads, peerNames, serve } = parseCli();
  const started = performance.now();
  const date = new Date().toISOString();
  const loadBefore = os.loadavg();
  const backend = backendInfo();
  const { peers, skipped } = availablePeers(peerNames, plan);
  log(`lathe backend: ${backend.name} (isa ${backend.isa}, ${backend.threads} threads); peers: ${peers.map((p) => p.id).join(", ") || "none"}`);
  for (const s of skipped) log(s);

  const samples: Sample[] = [];
  const peerInfo: Record<string, unknown> = {};
  const failures: string[] = [];
  for (let round = 1; round <= plan.rounds; round++) {
    for (const w of workloads) {
      const tag = `[round ${round}/${plan.rounds} ${w}]`;
      for (const c of LATHE_CASES[w](plan)) {
        const t = performance.now();
        const s = await runCase(LATHE, c, plan);
        samples.push(s);
        const median = s.seconds.length ? `${(s.work / stats(s.seconds).median).toPrecision(3)} ${s.metric}` : `error: ${s.error}`;
        log(`${tag} ${LATHE} ${c.config}: ${median} (${secondsSince(t)} s)`);
      }
      for (const peer of peers.filter((p) => p.workloads.includes(w))) {
        const t = performance.now();
        const run = await peer.run(w, plan.peerTimeout);
        samples.push(...run.samples);
        if (run.info) peerInfo[peer.id] = run.info;
        if (run.error) failures.push(`${peer.id} ${w} round ${round}: ${run.error}`);
        log(`${tag} ${peer.id}: ${run.samples.length} cases${run.error ? `, FAILED: ${run.error}` : ""} (${secondsSince(t)} s)`);
      }
    }
  }

  for (const peer of peers) peer.close();
  const serveSamples: ServeSample[] = serve ? await runServeBench({ seconds: plan.quick ? 2 : 5, log }) : [];

  const rows = summarize(samples);
  const peerIds = peers.map((p) => p.id);
  console.log(`\nLathe vs peers — medians over ${plan.rounds} round(s) × ${plan.reps} samples; higher is better; ` +
    `(n×) = Lathe ÷ peer; tfjs W2 = the faster of minimize and trainOnBatch\n`);
  console.log(formatTable(rows, peerIds, backend));
  console.log(`\n${formatPeak(rows, backend)}`);
  for (const line of [...skipped, ...failures, ...formatErrors(rows)]) console.log(line);
  if (serveSamples.length) console.log(`\nServing the demo bundle (lathe serve under autocannon, loopback)\n\n${formatServeTable(serveSamples)}`);
  const loadAfter = os.loadavg();
  console.log(`load average ${loadBefore[0].toFixed(1)} → ${loadAfter[0].toFixed(1)} on ${os.cpus().length} CPUs; ${secondsSince(started)} s`);

  const meta = {
    date,
    node: process.version,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cpus: os.cpus().length,
    loadavg: { before: loadBefore, after: loadAfter },
    backend: backend.name,
    isa: backend.isa,
    threads: backend.threads,
    peakGflops: backend.peakGflops,
    plan,
    workloads,
    env: Object.fromEntries(ENV_KEYS.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
    peers: peerInfo,
    skipped,
    failures,
    wallSeconds: Number(secondsSince(started)),
  };
  const out = join(REPO, "bench", "results.json");
  writeResults(out, { ...meta, serve: serveSamples }, rows, samples);
  console.log(`wrote ${out}`);
}

await main();
