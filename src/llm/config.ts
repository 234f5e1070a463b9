/** The shape of a GPT model, and its translation to and from Hugging Face's GPT-2 config.json. */

/** "gelu" is the exact (erf) GELU; "geluTanh" its tanh approximation, which GPT-2 uses ("gelu_new"). */
export type GPTActivation = "gelu" | "geluTanh";

export interface GPTConfig {
  vocabSize: number;
  /** Context length: the most positions one forward pass sees (the rows of wpe). */
  blockSize: number;
  nLayer: number;
  nHead: number;
  /** Embedding width; a multiple of nHead. */
  nEmbd: number;
  /** MLP hidden width = mlpRatio · nEmbd (an integer). Default 4. */
  mlpRatio: number;
  /** Dropout on embeddings, attention weights and residual branches in train mode. Default 0. */
  dropout: number;
  /** Biases in the projections and LayerNorms. Default true (GPT-2). */
  bias: boolean;
  /** The LM head shares the token embedding's weight. Default true (GPT-2). */
  tiedEmbeddings: boolean;
  /** Default 1e-5. */
  layerNormEps: number;
  /** Default "gelu" (PyTorch's nn.GELU, as nanoGPT); GPT-2 checkpoints use "geluTanh". */
  activation: GPTActivation;
}

/** What a caller must give; everything else has a default. */
export type GPTConfigInit = Pick<GPTConfig, "vocabSize" | "blockSize" | "nLayer" | "nHead" | "nEmbd"> & Partial<GPTConfig>;

const DEFAULTS = { mlpRatio: 4, dropout: 0, bias: true, tiedEmbeddings: true, layerNormEps: 1e-5, activation: "gelu" } as const;
const KEYS = new Set(["vocabSize", "blockSize", "nLayer", "nHead", "nEmbd", ...Object.keys(DEFAULTS)]);

function positiveInt(name: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`GPTConfig: ${name} must be a positive integer, got ${v}`);
}

/** A complete, checked config: defaults filled in; unknown keys (a typo, or Hugging Face's `n_layer`) are errors. */
export function gptConfig(init: GPTConfigInit): GPTConfig {
  if (init === null || typeof init !== "object") throw new TypeError("GPTConfig: expected an object");
  const unknown = Object.keys(init).filter((k) => !KEYS.has(k));
  if (unknown.length) {
    throw new TypeError(`GPTConfig: unknown option${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (known: ${[...KEYS].join(", ")})`);
  }
  const c: GPTConfig = { ...DEFAULTS, ...init };
  for (const k of ["vocabSize", "blockSize", "nLayer", "nHead", "nEmbd"] as const) positiveInt(k, c[k]);
  if (c.nEmbd % c.nHead !== 0) throw new RangeError(`GPTConfig: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
  if (!(c.mlpRatio > 0) || !Number.isInteger(c.mlpRatio * c.nEmbd)) {
    throw new RangeError(`GPTConfig: mlpRatio (${c.mlpRatio}) times nEmbd (${c.nEmbd}) must be a positive integer`);
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new RangeError(`GPTConfig: dropout must be in [0, 1), got ${c.dropout}`);
  if (!(c.layerNormEps > 0)) throw new RangeError(`GPTConfig: layerNormEps must be positive, got ${c.layerNormEps}`);
  if (typeof c.bias !== "boolean" || typeof c.tiedEmbeddings !== "boolean") throw new TypeError("GPTConfig: bias and tiedEmbeddings must be booleans");
  if (c.activation !== "gelu" && c.activation !== "geluTanh") {
    throw new TypeError(`GPTConfig: activation must be "gelu" or "geluTanh", got ${JSON.stringify(c.activation)}`);
  }
  return c;
}

// Hugging Face's names for the activations Lathe has; "gelu_fast" is the same tanh formula written differently.
const HF_ACTIVATIONS: Record<string, GPTActivation> = { gelu_new: "geluTanh", gelu_pytorch_tanh: "geluTanh", gelu_fast: "geluTanh", gelu: "gelu" };

/**
 * A config from a Hugging Face GPT-2 config.json (parsed): n_positions (or n_ctx), n_embd,
 * n_layer, n_head, vocab_size, n_inner, layer_norm_epsilon, activation_function,
 * tie_word_embeddings, resid_pdrop (Lathe has one dropout rate for all three of GPT-2's).
 * Options that change the computation in ways Lathe does not implement are errors.
 */
export function configFromHF(json: unknown, source = "config.json"): GPTConfig {
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new TypeError(`${source}: expected a JSON object`);
  const j = json as Record<string, unknown>;
  const fail = (why: string): never => {
    throw new Error(`${source}: ${why}`);
  };
  if (j.model_type !== undefined && j.model_type !== "gpt2") fail(`model_type ${JSON.stringify(j.model_type)} is not "gpt2"`);
  if (j.scale_attn_weights === false) fail("scale_attn_weights: false is not supported");
  if (j.scale_attn_by_inverse_layer_idx === true) fail("scale_attn_by_inverse_layer_idx: true is not supported");
  if (j.add_cross_attention === true) fail("add_cross_attention: true is not supported");
  for (const k of ["vocab_size", "n_embd", "n_layer", "n_head"]) if (j[k] === undefined) fail(`${k} is missing`);
  if (j.n_positions === undefined && j.n_ctx === undefined) fail("n_positions is missing");
  const act = (j.activation_function ?? "gelu_new") as string;
  const activation = HF_ACTIVATIONS[act] ?? fail(`activation_function ${JSON.stringify(act)} is not supported (${Object.keys(HF_ACTIVATIONS).join(", ")})`);
  const nEmbd = j.n_embd as number;
  const nInner = j.n_inner ?? null;
  try {
    return gptConfig({
      vocabSize: j.vocab_size as number,
      blockSize: (j.n_positions ?? j.n_ctx) as number,
      nLayer: j.n_layer as number,
      nHead: j.n_head as number,
      nEmbd,
      mlpRatio: nInner === null ? 4 : (nInner as number) / nEmbd,
      dropout: (j.resid_pdrop ?? 0.1) as number,
      tiedEmbeddings: (j.tie_word_embeddings ?? true) as boolean,
      layerNormEps: (j.layer_norm_epsilon ?? 1e-5) as number,
      activation,
    });
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
}

/** The Hugging Face GPT-2 config.json object for a config (GPT-2 always has biases, so bias: false cannot be written). */
export function configToHF(config: GPTConfig): Record<string, unknown> {
  const c = gptConfig(config);
  if (!c.bias) throw new Error("configToHF: Hugging Face GPT-2 has no bias=false option; this model cannot be saved in its layout");
  return {
    activation_function: c.activation === "geluTanh" ? "gelu_new" : "gelu",
    architectures: ["GPT2LMHeadModel"],
    attn_pdrop: c.dropout,
    embd_pdrop: c.dropout,
    initializer_range: 0.02,
    layer_norm_epsilon: c.layerNormEps,
    model_type: "gpt2",
    n_ctx: c.blockSize,
    n_embd: c.nEmbd,
    n_head: c.nHead,
    n_inner: c.mlpRatio === 4 ? null : c.mlpRatio * c.nEmbd,
    n_layer: c.nLayer,
    n_positions: c.blockSize,
    resid_pdrop: c.dropout,
    tie_word_embeddings: c.tiedEmbeddings,
    vocab_size: c.vocabSize,
  };
}
