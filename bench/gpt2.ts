/**
 * One round of the GPT2 workload: Lathe's side and then PyTorch's, each in a fresh process
 * (a cold load, and memory that is the model's alone), one after the other.
 */
import { join } from "node:path";
import { REPO } from "./paths.js";
import { PeerProcess, type PeerRun } from "./peers/child.js";
import { gpt2TorchPeer } from "./peers/torch.js";
import type { Plan } from "./plan.js";
import { LATHE } from "./report.js";
import type { Gpt2Shape } from "./workloads/gpt2.js";

const CHILD = join(REPO, "dist", "bench", "workloads", "gpt2_child.js");

/** Lathe's GPT2 process; --expose-gc lets it measure memory after a full collection. */
export function gpt2LathePeer(plan: Plan, dir: string, shape: Gpt2Shape): PeerProcess {
  return new PeerProcess(LATHE, ["GPT2"], process.execPath, ["--expose-gc", CHILD, JSON.stringify(plan), dir, JSON.stringify(shape)], process.env);
}

/**
 * Seconds one side of a round may take at least: --quick's 20 s per peer workload would kill
 * a GPT-2 round (load, prefill, 64 tokens: 20–30 s on a busy 2-core machine) every time.
 */
const MIN_TIMEOUT_S = 300;

/** Runs GPT2 once in `peer`'s process and waits for that process to exit. */
export async function runOnce(peer: PeerProcess, plan: Plan): Promise<PeerRun> {
  const run = await peer.run("GPT2", Math.max(plan.peerTimeout, MIN_TIMEOUT_S));
  await peer.close();
  return run;
}

/** The processes of one round: Lathe, then torch when it is among the peers. */
export function gpt2Round(plan: Plan, dir: string, shape: Gpt2Shape, withTorch: boolean): PeerProcess[] {
  return [gpt2LathePeer(plan, dir, shape), ...(withTorch ? [gpt2TorchPeer(plan, dir, shape)] : [])];
}
