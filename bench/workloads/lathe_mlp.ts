/**
 * W2 on Lathe: one training step of the 30→128→64→1 MLP (ReLU, sigmoid output, binary
 * cross-entropy, Adam lr 1e-3) on a fixed batch, as torch_bench.py's
 * zero_grad(set_to_none) / BCELoss(Sigmoid) / backward / step.
 */
import { Generator, type Tensor, functional as F, manualSeed, nn, optim, randint, randn } from "../../src/index.js";
import type { Case } from "../cases.js";

export function mlp(): nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(30, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 1), new nn.Sigmoid(),
  );
}

/** Returns a function that runs one training step and returns its loss. */
export function mlpTrainStep(batch: number): () => Tensor {
  manualSeed(0);
  const model = mlp();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const generator = new Generator(1);
  const x = randn([batch, 30], { generator });
  const y = randint(0, 2, [batch, 1], { generator, dtype: "float32" });
  return () => {
    opt.zeroGrad();
    const loss = F.binaryCrossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
}

export function mlpCases(): Case[] {
  return [32, 256].map((batch) => ({
    workload: "W2", config: `batch=${batch}`, metric: "steps/s", work: 1, make: () => mlpTrainStep(batch),
  }));
}
