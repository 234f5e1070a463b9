/**
 * W4 on Lathe: the nanoGPT-style char model of ../shared/peers/README.md (vocab 65, context
 * 128, 4 layers, 4 heads, dim 128, exact GELU, untied head without bias: 826,368
 * parameters). Training step: batch 16×128 tokens, mean cross-entropy, AdamW lr 3e-4, weight
 * decay 0.01. Generation: one prompt token, 200 greedy tokens, with the KV cache (which
 * serves while the sequence fits the context, then the window recomputes) or recomputing
 * the window every step.
 */
import { Generator, type Tensor, manualSeed, optim, randint } from "../../src/index.js";
import { GPT, type GPTConfigInit, generate } from "../../src/llm/index.js";
import type { Case } from "../cases.js";

export const W4_CONFIG: GPTConfigInit = {
  vocabSize: 65, blockSize: 128, nLayer: 4, nHead: 4, nEmbd: 128, tiedEmbeddings: false, activation: "gelu",
};

/** Returns a function that runs one training step on a fixed batch and returns its loss. */
export function gptTrainStep(config: GPTConfigInit, batch: number): () => Tensor {
  manualSeed(0);
  const model = new GPT(config);
  const opt = new optim.AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.01 });
  // Random tokens: the step time does not depend on their values.
  const data = randint(0, config.vocabSize, [batch, config.blockSize + 1], { generator: new Generator(1) });
  const x = data.narrow(1, 0, config.blockSize).contiguous();
  const y = data.narrow(1, 1, config.blockSize).contiguous();
  return () => {
    opt.zeroGrad();
    const { loss } = model.forward(x, y);
    loss.backward();
    opt.step();
    return loss;
  };
}

/** Returns a function that greedily generates `tokens` tokens after the prompt [0]. */
export function gptGenerate(config: GPTConfigInit, tokens: number, useCache: boolean): () => Int32Array {
  manualSeed(0);
  const model = new GPT(config).eval();
  return () => generate(model, [0], { maxNewTokens: tokens, temperature: 0, useCache });
}

export function gptCases(): Case[] {
  const batch = 16;
  const T = W4_CONFIG.blockSize;
  return [
    { workload: "W4", config: `train,B=${batch},T=${T}`, metric: "tokens/s", work: batch * T, long: true, make: () => gptTrainStep(W4_CONFIG, batch) },
    ...[true, false].map((kv): Case => ({
      workload: "W4", config: `generate,${kv ? "kvcache" : "full-recompute"},200 tokens`, metric: "tokens/s", work: 200, long: true,
      make: () => gptGenerate(W4_CONFIG, 200, kv),
    })),
  ];
}
