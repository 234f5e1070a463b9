/**
 * W3 on Lathe: LeNet-5 on 3×32×32 (NCHW), batch 100 of fixed N(0, 1) images and uniform
 * labels. Training step: softmax cross-entropy, SGD lr 1e-3 momentum 0.9. Inference: eval
 * mode, no gradient recording.
 */
import { LeNet } from "../../examples/lenet_digits.js";
import { Generator, type Tensor, functional as F, manualSeed, noGrad, optim, randint, randn } from "../../src/index.js";
import type { Case } from "../cases.js";

function batchOf(batch: number): { x: Tensor; y: Tensor } {
  const generator = new Generator(1);
  return { x: randn([batch, 3, 32, 32], { generator }), y: randint(0, 10, [batch], { generator }) };
}

/** Returns a function that runs one training step and returns its loss. */
export function lenetTrainStep(batch: number): () => Tensor {
  manualSeed(0);
  const model = new LeNet(3);
  const opt = new optim.SGD(model.parameters(), { lr: 1e-3, momentum: 0.9 });
  const { x, y } = batchOf(batch);
  return () => {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
}

/** Returns a function that computes the logits of the batch. */
export function lenetInferStep(batch: number): () => Tensor {
  manualSeed(0);
  const model = new LeNet(3).eval();
  const { x } = batchOf(batch);
  return () => noGrad(() => model.forward(x));
}

export function lenetCases(): Case[] {
  const batch = 100;
  return [
    { workload: "W3", config: `train,batch=${batch}`, metric: "images/s", work: batch, make: () => lenetTrainStep(batch) },
    { workload: "W3", config: `infer,batch=${batch}`, metric: "images/s", work: batch, make: () => lenetInferStep(batch) },
  ];
}
