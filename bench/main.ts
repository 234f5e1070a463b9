/**
 * `npm run bench`: W1–W4 and GPT2 on Lathe and, in the same run, on TensorFlow.js (cpu, wasm,
 * wasm with 2 threads) and PyTorch, interleaved — each round runs every workload on Lathe and
 * then on every peer, so a noisy neighbour hits all of them alike — then prints medians and
 * Lathe/peer ratios and writes bench/results.json. `--help` lists the options.
 *
 * The serving workload (`lathe serve` under autocannon, bench/serve.ts) runs after the
 * rounds: by default in the full run, with --serve in a quick or --only one.
 */
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { backendInfo } from "./backend_info.js";
import { type Case, runCase } from "./cases.js";
import { gpt2Round, runOnce } from "./gpt2.js";
import { REPO } from "./paths.js";
import type { PeerProcess } from "./peers/child.js";
import { TFJS_BACKENDS, tfjsMissing, tfjsPeer } from "./peers/tfjs.js";
import { torchMissing, torchPeer } from "./peers/torch.js";
import { FULL_PLAN, NOT_QUICK, type Plan, QUICK_PLAN, type Sample, WORKLOADS, type WorkloadId } from "./plan.js";
import { LATHE, formatErrors, formatPeak, formatTable, summarize, writeResults } from "./report.js";
import { type ServeSample, formatServeTable, runServeBench } from "./serve.js";
import { stats } from "./timing.js";
import { GPT2_SHAPE, GPT2_SMALL, ensureGpt2Dir, gpt2CacheDir, idsAgreement } from "./workloads/gpt2.js";
import { gemmCases } from "./workloads/lathe_gemm.js";
import { gptCases } from "./workloads/lathe_gpt.js";
import { lenetCases } from "./workloads/lathe_lenet.js";
import { mlpCases } from "./workloads/lathe_mlp.js";

/** Lathe's side of each in-process workload (GPT2 runs in child processes, see gpt2.ts). */
const LATHE_CASES: Record<Exclude<WorkloadId, "GPT2">, (plan: Plan) => Case[]> = { W1: gemmCases, W2: mlpCases, W3: lenetCases, W4: gptCases };
const PEER_NAMES = [...TFJS_BACKENDS.map((b) => `tfjs-${b}`), "torch"];
/** Environment variables that change what is measured, recorded in results.json. */
const ENV_KEYS = ["LATHE_BACKEND", "LATHE_ISA", "LATHE_NUM_THREADS", "LATHE_BENCH_OMPBLAS_DIR", "LATHE_BENCH_CACHE_DIR", "OMP_WAIT_POLICY", "OMP_NUM_THREADS"];

const USAGE = `usage: npm run bench -- [options]

  --quick           ${QUICK_PLAN.rounds} round × ${QUICK_PLAN.reps} samples, fewer GEMM sizes; leaves out ${NOT_QUICK.join(", ")} unless --only names it
  --only W1,W2      workloads to run: ${WORKLOADS.join(", ")} (default: all)
  --reps N          samples per case per round (default ${FULL_PLAN.reps})
  --rounds N        interleaved rounds (default ${FULL_PLAN.rounds})
  --peers LIST      ${["tfjs-cpu", "tfjs-wasm", "tfjs-wasm-mt2", "torch"].join(",")}, or none (default: all that can run)
  --serve           add the serving workload to a quick or --only run; --no-serve drops it from a full one
  --help            this text

Workloads: W1 GEMM, W2 MLP training, W3 LeNet-5, W4 small GPT, GPT2 GPT-2 small (124M,
random weights; load time, memory, prefill and generation beside PyTorch on the same
checkpoint, made once in $LATHE_BENCH_CACHE_DIR or ${join(os.tmpdir(), "lathe-bench")}, ~500 MB).
Environment: LATHE_BENCH_OMPBLAS_DIR (Debian's OpenMP OpenBLAS for torch), OMP_WAIT_POLICY,
LATHE_BACKEND. See docs/PERFORMANCE.md.`;

function parseCli(): { plan: Plan; workloads: WorkloadId[]; peerNames: string[]; serve: boolean } {
  const { values } = parseArgs({
    options: {
      help: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      reps: { type: "string" },
      rounds: { type: "string" },
      peers: { type: "string" },
      serve: { type: "boolean" },
      "no-serve": { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const plan = { ...(values.quick ? QUICK_PLAN : FULL_PLAN) };
  for (const k of ["reps", "rounds"] as const) {
    if (values[k] === undefined) continue;
    const n = Number(values[k]);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${k} must be a positive integer, got ${values[k]}`);
    plan[k] = n;
  }
  const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
  const workloads = values.only ? list(values.only) : WORKLOADS.filter((w) => !plan.quick || !NOT_QUICK.includes(w));
  for (const w of workloads) if (!WORKLOADS.includes(w as WorkloadId)) throw new RangeError(`--only: unknown workload ${w} (${WORKLOADS.join(", ")})`);
  const peerNames = values.peers === "none" ? [] : values.peers ? list(values.peers) : PEER_NAMES;
  for (const p of peerNames) if (!PEER_NAMES.includes(p)) throw new RangeError(`--peers: unknown peer ${p} (${PEER_NAMES.join(", ")}, or none)`);
  const serve = values["no-serve"] ? false : (values.serve ?? (!values.quick && !values.only));
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

/** Whether each peer's greedy GPT-2 tokens are Lathe's (same weights, same prompt: they should be, up to float rounding). */
function gpt2IdsLines(samples: Sample[], peerIds: string[]): string[] {
  const gen = (peer: string) => samples.find((s) => s.workload === "GPT2" && s.peer === peer && s.extra?.ids);
  return peerIds.flatMap((p) => {
    const a = idsAgreement(gen(LATHE), gen(p));
    return a ? [`GPT2 greedy ids, Lathe vs ${p}: the first ${a.agree} of ${a.of} agree`] : [];
  });
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

  const gpt2Dir = gpt2CacheDir();
  if (workloads.includes("GPT2")) {
    const t = performance.now();
    const { created } = await ensureGpt2Dir(gpt2Dir, GPT2_SMALL);
    log(`GPT2 checkpoint: ${gpt2Dir}${created ? ` (created, ${secondsSince(t)} s)` : ""}`);
  }
  const torchForGpt2 = peers.some((p) => p.id.startsWith("torch"));

  const samples: Sample[] = [];
  const peerInfo: Record<string, unknown> = {};
  const failures: string[] = [];
  for (let round = 1; round <= plan.rounds; round++) {
    for (const w of workloads) {
      const tag = `[round ${round}/${plan.rounds} ${w}]`;
      if (w === "GPT2") {
        for (const proc of gpt2Round(plan, gpt2Dir, GPT2_SHAPE, torchForGpt2)) {
          const t = performance.now();
          const run = await runOnce(proc, plan);
          samples.push(...run.samples);
          if (run.info && proc.id !== LATHE) peerInfo[`${proc.id}/GPT2`] = run.info;
          if (run.error) failures.push(`${proc.id} ${w} round ${round}: ${run.error}`);
          log(`${tag} ${proc.id}: ${run.samples.length} cases${run.error ? `, FAILED: ${run.error}` : ""} (${secondsSince(t)} s)`);
        }
        continue;
      }
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
  console.log(`\nLathe vs peers — medians over ${plan.rounds} round(s) × ${plan.reps} samples; higher is better unless the metric says lower; ` +
    `(n×) = Lathe ÷ peer; tfjs W2 = the faster of minimize and trainOnBatch\n`);
  console.log(formatTable(rows, peerIds, backend));
  console.log(`\n${formatPeak(rows, backend)}`);
  const gpt2Ids = workloads.includes("GPT2") ? gpt2IdsLines(samples, peerIds) : [];
  for (const line of [...gpt2Ids, ...skipped, ...failures, ...formatErrors(rows)]) console.log(line);
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
    ...(workloads.includes("GPT2") ? { gpt2: { dir: gpt2Dir, config: GPT2_SMALL, shape: GPT2_SHAPE, ids: gpt2Ids } } : {}),
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
