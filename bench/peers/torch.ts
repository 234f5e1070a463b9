/**
 * The PyTorch peer: bench/peers/torch_bench.py (W1–W4) and gpt2_torch.py (GPT2) under
 * Debian's /usr/bin/python3 (python3-torch), 2 threads. Debian's default pthread OpenBLAS and torch's OpenMP pool oversubscribe 2
 * cores, so, as ../shared/peers/run_all.sh does, the OpenMP build of OpenBLAS
 * (libopenblas0-openmp) is preloaded when present; LATHE_BENCH_OMPBLAS_DIR names another
 * copy of it (e.g. one unpacked with `apt-get download` + `dpkg -x`, which needs no root).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../paths.js";
import type { Plan } from "../plan.js";
import type { Gpt2Shape } from "../workloads/gpt2.js";
import { PeerProcess } from "./child.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(REPO, "bench", "peers", "torch_bench.py");
const GPT2_SCRIPT = join(REPO, "bench", "peers", "gpt2_torch.py");

function ompBlasDir(): string | null {
  const dir = process.env.LATHE_BENCH_OMPBLAS_DIR ?? "/usr/lib/x86_64-linux-gnu/openblas-openmp";
  return existsSync(join(dir, "libopenblas.so.0")) ? dir : null;
}

/** null if the peer can run, else why not. */
export function torchMissing(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" });
  return r.status === 0 ? null : `${PYTHON} has no torch (apt-get install python3-torch)`;
}

/** "torch-ompblas" with the OpenMP OpenBLAS, "torch-default" (oversubscribed) without, as the peer scripts name them. */
function torchProcess(workloads: string[], script: string, plan: Plan, extraArgs: string[] = []): PeerProcess {
  const blas = ompBlasDir();
  const id = blas ? "torch-ompblas" : "torch-default";
  const ld = [blas, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const env = blas ? { ...process.env, LD_LIBRARY_PATH: ld } : process.env;
  return new PeerProcess(id, workloads, PYTHON, [script, JSON.stringify(plan), id, ...extraArgs], env);
}

/** W1–W4: one process for the whole run. */
export function torchPeer(plan: Plan): PeerProcess {
  return torchProcess(["W1", "W2", "W3", "W4"], SCRIPT, plan);
}

/** GPT-2 small (bench/peers/gpt2_torch.py) on the checkpoint in `dir`: a fresh process per round, so each load is cold. */
export function gpt2TorchPeer(plan: Plan, dir: string, shape: Gpt2Shape): PeerProcess {
  return torchProcess(["GPT2"], GPT2_SCRIPT, plan, [dir, JSON.stringify(shape)]);
}
