import { GELU, LeakyReLU, ReLU, SiLU, Tanh } from "../nn/activation.js";
import { Sequential } from "../nn/container.js";
import { Dropout } from "../nn/dropout.js";
import { Linear } from "../nn/linear.js";
import type { Module } from "../nn/module.js";
import { BatchNorm1d } from "../nn/norm.js";

/**
 * The architectures a model bundle can describe: lathe.json holds a plain config
 * (`{ "type": "mlp", … }`) and the registry turns it back into an nn model, so a bundle
 * needs no code to load. A new kind of model registers its type with a checker and a builder.
 */

/** An architecture config: its `type` names the registered architecture, the rest is its own. */
export interface ArchitectureConfig {
  type: string;
  [key: string]: unknown;
}

export interface Architecture<C extends ArchitectureConfig = ArchitectureConfig> {
  /** The config, checked and completed with defaults; throws a TypeError naming the bad field. */
  check(config: Record<string, unknown>): C;
  build(config: C): Module;
}

const registry = new Map<string, Architecture>();

export function registerArchitecture<C extends ArchitectureConfig>(type: string, arch: Architecture<C>): void {
  if (registry.has(type)) throw new TypeError(`registerArchitecture: "${type}" is already registered`);
  registry.set(type, arch as unknown as Architecture);
}

function lookup(config: unknown): Architecture {
  const type = (config as { type?: unknown } | null)?.type;
  const arch = typeof type === "string" ? registry.get(type) : undefined;
  if (!arch) throw new TypeError(`unknown architecture type ${JSON.stringify(type)} (known: ${[...registry.keys()].join(", ")})`);
  return arch;
}

/** Checks a config against its architecture and fills in its defaults. */
export function checkArchitecture(config: unknown): ArchitectureConfig {
  if (typeof config !== "object" || config === null) throw new TypeError("the architecture must be an object with a type");
  return lookup(config).check(config as Record<string, unknown>);
}

/** A freshly initialised model of the (checked) config. */
export function buildModel(config: ArchitectureConfig): Module {
  const arch = lookup(config);
  return arch.build(arch.check(config));
}

export const ACTIVATIONS = ["relu", "gelu", "silu", "tanh", "leakyRelu"] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/**
 * A multilayer perceptron: for each hidden width, Linear → BatchNorm1d (if batchNorm) →
 * activation → Dropout (if dropout > 0), then a Linear to `outputs`. As an nn.Sequential
 * its state dict keys are PyTorch's (`0.weight`, `1.running_mean`, …), so the same
 * torch.nn.Sequential loads model.safetensors.
 */
export interface MlpConfig extends ArchitectureConfig {
  type: "mlp";
  inputs: number;
  hidden: number[];
  outputs: number;
  dropout: number;
  batchNorm: boolean;
  activation: ActivationName;
}

function positiveInt(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new TypeError(`mlp: ${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

const MLP_KEYS = new Set(["type", "inputs", "hidden", "outputs", "dropout", "batchNorm", "activation"]);

function checkMlp(c: Record<string, unknown>): MlpConfig {
  const unknown = Object.keys(c).filter((k) => !MLP_KEYS.has(k));
  if (unknown.length) throw new TypeError(`mlp: unknown field ${unknown.map((k) => `"${k}"`).join(", ")} (known: ${[...MLP_KEYS].join(", ")})`);
  const hidden = c.hidden ?? [];
  if (!Array.isArray(hidden)) throw new TypeError(`mlp: hidden must be a list of widths, got ${JSON.stringify(hidden)}`);
  const dropout = c.dropout ?? 0;
  if (typeof dropout !== "number" || !(dropout >= 0 && dropout < 1)) throw new TypeError(`mlp: dropout must be a number in [0, 1), got ${JSON.stringify(dropout)}`);
  const batchNorm = c.batchNorm ?? false;
  if (typeof batchNorm !== "boolean") throw new TypeError(`mlp: batchNorm must be true or false, got ${JSON.stringify(batchNorm)}`);
  const activation = c.activation ?? "relu";
  if (!ACTIVATIONS.includes(activation as ActivationName)) throw new TypeError(`mlp: activation must be one of ${ACTIVATIONS.join(", ")}, got ${JSON.stringify(activation)}`);
  return {
    type: "mlp",
    inputs: positiveInt(c.inputs, "inputs"),
    hidden: hidden.map((w, i) => positiveInt(w, `hidden[${i}]`)),
    outputs: positiveInt(c.outputs, "outputs"),
    dropout,
    batchNorm,
    activation: activation as ActivationName,
  };
}

function activation(name: ActivationName): Module {
  switch (name) {
    case "relu":
      return new ReLU();
    case "gelu":
      return new GELU();
    case "silu":
      return new SiLU();
    case "tanh":
      return new Tanh();
    case "leakyRelu":
      return new LeakyReLU();
  }
}

function buildMlp(c: MlpConfig): Module {
  const layers: Module[] = [];
  let width = c.inputs;
  for (const h of c.hidden) {
    layers.push(new Linear(width, h));
    if (c.batchNorm) layers.push(new BatchNorm1d(h));
    layers.push(activation(c.activation));
    if (c.dropout > 0) layers.push(new Dropout(c.dropout));
    width = h;
  }
  layers.push(new Linear(width, c.outputs));
  return new Sequential(...layers);
}

registerArchitecture<MlpConfig>("mlp", { check: checkMlp, build: buildMlp });
