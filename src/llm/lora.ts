/**
 * LoRA (Hu et al., 2021): low-rank adapters on GPT's projections. A frozen Conv1D weight W
 * [in, out] is used as W + (alpha/r)·Aᵀ·Bᵀ with A [r, in] and B [out, r] the only trained
 * parameters; B starts at zero, so the adapted model starts as the base model.
 *
 * Names and files follow Hugging Face peft, so adapters move between the two: the wrapped
 * layer keeps its Conv1D as `base_layer`, the adapters are `lora_A` / `lora_B` (Linear
 * layout), and saveLoRA writes adapter_model.safetensors (keys "base_model.model.<name>")
 * with adapter_config.json (fan_in_fan_out: true, as peft has it for GPT-2's Conv1D).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { noGrad } from "../autograd/grad_mode.js";
import { loadSafetensors, saveSafetensors, writeFileAtomic } from "../io/index.js";
import { kaimingUniform_ } from "../nn/init.js";
import { Dropout, Module } from "../nn/index.js";
import { add, detach, matmul, mul, transpose } from "../ops/functional.js";
import { copy_ } from "../ops/inplace.js";
import { Generator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import type { GPT } from "./gpt.js";
import { Conv1D, Linear } from "./layers.js";

/** The projections LoRA can adapt: attention's c_attn and c_proj, the MLP's c_fc and c_proj ("c_proj" names both). */
export const LORA_TARGETS = ["c_attn", "c_proj", "c_fc"] as const;

export interface LoRAOptions {
  rank: number;
  /** The update is scaled by alpha / rank. */
  alpha: number;
  /** Dropout on the adapter's input in train mode. */
  dropout: number;
  /** Which projections get adapters (names from LORA_TARGETS). */
  targets: string[];
}

const PEFT_PREFIX = "base_model.model.";

/** A Conv1D with a LoRA adapter: y = base(x) + (alpha/r)·B(A(dropout(x))). */
export class LoRAConv1D extends Module {
  readonly rank: number;
  readonly alpha: number;
  readonly scaling: number;
  base_layer: Conv1D;
  lora_dropout: Dropout;
  lora_A: Linear;
  lora_B: Linear;

  /** A starts as nn.Linear's default (kaiming-uniform, a = √5) drawn from `generator`, B at zero, as peft. */
  constructor(base: Conv1D, opts: Pick<LoRAOptions, "rank" | "alpha" | "dropout">, generator: Generator) {
    super();
    this.rank = opts.rank;
    this.alpha = opts.alpha;
    this.scaling = opts.alpha / opts.rank;
    this.base_layer = base;
    this.lora_dropout = new Dropout(opts.dropout);
    this.lora_A = new Linear(base.inFeatures, opts.rank, { bias: false });
    this.lora_B = new Linear(opts.rank, base.outFeatures, { bias: false });
    kaimingUniform_(this.lora_A.weight, { a: Math.sqrt(5), generator });
  }

  forward(x: Tensor): Tensor {
    const update = this.lora_B.forward(this.lora_A.forward(this.lora_dropout.forward(x)));
    return add(this.base_layer.forward(x), mul(update, this.scaling));
  }

  /** The weight update the adapter stands for, in Conv1D's [in, out] layout: (alpha/r)·Aᵀ·Bᵀ. */
  delta(): Tensor {
    return noGrad(() => mul(matmul(transpose(this.lora_A.weight, 0, 1), transpose(this.lora_B.weight, 0, 1)), this.scaling));
  }

  override extraRepr(): string {
    return `rank=${this.rank}, alpha=${this.alpha}`;
  }
}

/** The module at a dotted path and the field that holds it in its parent. */
function parentOf(model: Module, name: string): [Module, string] {
  const at = name.lastIndexOf(".");
  const modules = new Map(model.namedModules());
  return [modules.get(name.slice(0, at))!, name.slice(at + 1)];
}

/**
 * Wraps the targeted projections of `model` in LoRAConv1D adapters, in place, and freezes
 * everything else: afterwards only the adapters' A and B require gradients. A is drawn from
 * `seed`. Returns the adapted layers by name.
 */
export function applyLoRA(model: GPT, opts: LoRAOptions, seed = 0): [string, LoRAConv1D][] {
  if (loraLayers(model).length) throw new Error("applyLoRA: the model already has LoRA adapters");
  const generator = new Generator(seed);
  model.requiresGrad_(false);
  const targets = model.namedModules().filter(
    (e): e is [string, Conv1D] => e[1] instanceof Conv1D && opts.targets.includes(e[0].slice(e[0].lastIndexOf(".") + 1)),
  );
  if (targets.length === 0) throw new Error(`applyLoRA: no projection of the model is named ${opts.targets.join(" or ")}`);
  const out: [string, LoRAConv1D][] = [];
  for (const [name, conv] of targets) {
    const [parent, field] = parentOf(model, name);
    const lora = new LoRAConv1D(conv, opts, generator);
    (parent as unknown as Record<string, Module>)[field] = lora;
    out.push([name, lora]);
  }
  return out;
}

/** The model's LoRA layers by name. */
export function loraLayers(model: Module): [string, LoRAConv1D][] {
  return model.namedModules().filter((e): e is [string, LoRAConv1D] => e[1] instanceof LoRAConv1D);
}

/**
 * Folds every adapter into its base weight (W += (alpha/r)·Aᵀ·Bᵀ) and puts the plain Conv1D
 * back in its place, so the model is an ordinary GPT again (with GPT-2's state-dict keys),
 * computing what the adapted model computed. In place; returns the model.
 */
export function mergeLoRA(model: GPT): GPT {
  for (const [name, lora] of loraLayers(model)) {
    const base = lora.base_layer;
    noGrad(() => copy_(base.weight, add(base.weight, lora.delta())));
    const [parent, field] = parentOf(model, name);
    (parent as unknown as Record<string, Module>)[field] = base;
  }
  return model;
}

/**
 * The state dict `mergeLoRA` would leave, without changing the model: GPT-2's keys, each
 * adapted weight replaced by a merged copy. For saving a usable model while training goes on.
 */
export function mergedStateDict(model: GPT): Record<string, Tensor> {
  const state = model.stateDict();
  for (const [name, lora] of loraLayers(model)) {
    for (const key of Object.keys(state)) if (key.startsWith(`${name}.`)) delete state[key];
    state[`${name}.weight`] = noGrad(() => add(lora.base_layer.weight, lora.delta()));
    if (lora.base_layer.bias) state[`${name}.bias`] = detach(lora.base_layer.bias);
  }
  return state;
}

/** The adapters' weights under peft's keys ("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight", …). */
export function loraStateDict(model: GPT): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, lora] of loraLayers(model)) {
    out[`${PEFT_PREFIX}${name}.lora_A.weight`] = detach(lora.lora_A.weight);
    out[`${PEFT_PREFIX}${name}.lora_B.weight`] = detach(lora.lora_B.weight);
  }
  return out;
}

/** The adapter settings a LoRA'd model was built with (all its layers share them). */
function optionsOf(model: GPT): LoRAOptions {
  const layers = loraLayers(model);
  if (layers.length === 0) throw new Error("the model has no LoRA adapters");
  const first = layers[0][1];
  const targets = [...new Set(layers.map(([name]) => name.slice(name.lastIndexOf(".") + 1)))];
  return { rank: first.rank, alpha: first.alpha, dropout: first.lora_dropout.p, targets };
}

/**
 * Writes the adapters alone, as peft does: adapter_model.safetensors and adapter_config.json
 * in `dir`. `baseModel` (e.g. the base model's directory) is recorded for whoever loads them.
 */
export async function saveLoRA(model: GPT, dir: string, opts: { baseModel?: string } = {}): Promise<void> {
  const o = optionsOf(model);
  const config = {
    peft_type: "LORA",
    task_type: "CAUSAL_LM",
    base_model_name_or_path: opts.baseModel ?? null,
    r: o.rank,
    lora_alpha: o.alpha,
    lora_dropout: o.dropout,
    target_modules: o.targets,
    fan_in_fan_out: true,
    bias: "none",
    inference_mode: true,
  };
  await mkdir(dir, { recursive: true });
  await saveSafetensors(join(dir, "adapter_model.safetensors"), loraStateDict(model), { metadata: { format: "pt" } });
  await writeFileAtomic(join(dir, "adapter_config.json"), `${JSON.stringify(config, null, 2)}\n`);
}

/** What adapter_config.json says, checked: the options to rebuild the adapters with, and the recorded base model. */
export async function readLoRAConfig(dir: string): Promise<{ options: LoRAOptions; baseModel: string | null }> {
  const path = join(dir, "adapter_config.json");
  if (!existsSync(path)) throw new Error(`loadLoRA: ${dir} has no adapter_config.json`);
  const c = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  const fail = (why: string): never => {
    throw new Error(`${path}: ${why}`);
  };
  if (c.peft_type !== "LORA") fail(`peft_type ${JSON.stringify(c.peft_type)} is not "LORA"`);
  if (c.use_rslora === true || c.use_dora === true) fail("rsLoRA and DoRA adapters are not supported");
  if ((c.bias ?? "none") !== "none") fail(`bias ${JSON.stringify(c.bias)} is not supported (only "none")`);
  if (!Number.isInteger(c.r) || (c.r as number) < 1) fail(`r must be a positive integer, got ${JSON.stringify(c.r)}`);
  const targets = c.target_modules;
  if (!Array.isArray(targets) || !targets.every((t) => (LORA_TARGETS as readonly string[]).includes(t))) {
    fail(`target_modules must be a list of ${LORA_TARGETS.join(", ")}, got ${JSON.stringify(targets)}`);
  }
  const options = { rank: c.r as number, alpha: (c.lora_alpha ?? 8) as number, dropout: (c.lora_dropout ?? 0) as number, targets: targets as string[] };
  return { options, baseModel: typeof c.base_model_name_or_path === "string" ? c.base_model_name_or_path : null };
}

/** Adds the adapters saved in `dir` (by saveLoRA or peft) to `model`, in place; as applyLoRA, the rest is frozen. */
export async function loadLoRA(model: GPT, dir: string): Promise<GPT> {
  const { options } = await readLoRAConfig(dir);
  applyLoRA(model, options);
  const path = join(dir, "adapter_model.safetensors");
  const { tensors } = await loadSafetensors(path);
  const own = Object.keys(loraStateDict(model));
  const missing = own.filter((k) => !(k in tensors));
  const extra = Object.keys(tensors).filter((k) => !own.includes(k));
  if (missing.length || extra.length) {
    const what = [missing.length ? `lacks ${missing[0]}` : "", extra.length ? `has ${extra[0]}, which the model has no place for` : ""];
    throw new Error(`loadLoRA: ${path} does not fit the model: it ${what.filter(Boolean).join(" and ")}`);
  }
  const state: Record<string, Tensor> = {};
  for (const k of own) state[k.slice(PEFT_PREFIX.length)] = tensors[k];
  model.loadStateDict(state, { strict: false });
  return model;
}
