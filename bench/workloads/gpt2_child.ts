/**
 * Lathe's side of GPT2 in a process of its own, so that every round's load is cold and the
 * memory figures are the model's, not the bench's. Speaks the protocol of ../peers/child.ts:
 *
 *   node --expose-gc dist/bench/workloads/gpt2_child.js '<plan json>' DIR '<shape json>'
 */
import { createInterface } from "node:readline";
import { backend } from "../../src/backend/index.js";
import type { Plan } from "../plan.js";
import { type Gpt2Shape, measureGpt2 } from "./gpt2.js";

const [planJson, dir, shapeJson] = process.argv.slice(2);
const plan = JSON.parse(planJson) as Plan;
const shape = JSON.parse(shapeJson) as Gpt2Shape;

console.log(JSON.stringify({ info: { backend: backend.name, isa: backend.isa ?? "n/a", threads: backend.threads } }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== "GPT2") throw new Error(`gpt2_child: unknown workload ${JSON.stringify(line)} (only GPT2)`);
  for (const s of await measureGpt2(dir, plan, shape)) console.log(JSON.stringify(s));
  console.log(JSON.stringify({ done: "GPT2" }));
}
