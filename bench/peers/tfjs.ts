/** TensorFlow.js peers: one child process per tfjs backend (bench/peers/tfjs_child.ts). */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plan } from "../plan.js";
import { PeerProcess } from "./child.js";

export const TFJS_BACKENDS = ["cpu", "wasm", "wasm-mt2"] as const;
const CHILD = join(dirname(fileURLToPath(import.meta.url)), "tfjs_child.js");

/** null if the peer can run, else why not. */
export function tfjsMissing(backend: string): string | null {
  const require = createRequire(import.meta.url);
  const pkgs = backend === "cpu" ? ["@tensorflow/tfjs"] : ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"];
  for (const pkg of pkgs) {
    try {
      require.resolve(pkg);
    } catch {
      return `${pkg} is not installed (npm install)`;
    }
  }
  return null;
}

export function tfjsPeer(backend: string, plan: Plan): PeerProcess {
  return new PeerProcess(`tfjs-${backend}`, ["W1", "W2", "W3"], process.execPath, [CHILD, backend, JSON.stringify(plan)], process.env);
}
