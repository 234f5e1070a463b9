/** W1 on Lathe: C = A @ B for square float32 A, B ~ N(0, 1); C is a fresh tensor each call. */
import { Generator, type Tensor, matmul, randn } from "../../src/index.js";
import type { Case } from "../cases.js";
import type { Plan } from "../plan.js";

export function gemmStep(n: number): () => Tensor {
  const generator = new Generator(0);
  const a = randn([n, n], { generator });
  const b = randn([n, n], { generator });
  return () => matmul(a, b);
}

export function gemmCases(plan: Plan): Case[] {
  return plan.gemmSizes.map((n) => ({
    workload: "W1", config: `n=${n}`, metric: "GFLOP/s", work: (2 * n ** 3) / 1e9, long: n >= 2048,
    make: () => gemmStep(n),
  }));
}
