/** Language models: the GPT model, generation with a KV cache, Hugging Face GPT-2 checkpoints, tokenizers. */
export { type GPTConfig, type GPTConfigInit, type GPTActivation, gptConfig, configFromHF, configToHF } from "./config.js";
export { GPT, GPTTransformer, type GPTOptions, type LogitsOptions } from "./gpt.js";
export { Block, MLP } from "./block.js";
export { CausalSelfAttention } from "./attention.js";
export { Conv1D } from "./layers.js";
export { KVCache, LayerKV } from "./kv_cache.js";
export { generate, type GenerateOptions } from "./generate.js";
export { type SamplingOptions, sampleToken } from "./sampling.js";
export { loadPretrained, savePretrained, type Pretrained } from "./hf.js";
export * from "./tokenizer/index.js";
