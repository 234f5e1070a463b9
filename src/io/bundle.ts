/**
 * Model bundles: a directory that holds a trained tabular model and everything needed to
 * use it.
 *
 *   lathe.json          the manifest (see bundle_manifest.ts): task, architecture config,
 *                       feature schema, label names, preprocessing state, training
 *                       metadata and metrics, and the weights file's SHA-256
 *   model.safetensors   the state dict, with PyTorch's keys
 *
 * Each file is written atomically and the manifest last. The directory may hold other
 * things of the run (checkpoints, a report), which the bundle ignores.
 */
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ColumnTransformer } from "../data/preprocess/column_transformer.js";
import type { Label } from "../data/preprocess/label.js";
import type { Module } from "../nn/module.js";
import { defaultGenerator } from "../tensor/random.js";
import { writeFileAtomic } from "./atomic.js";
import { type ArchitectureConfig, buildModel } from "./bundle_arch.js";
import {
  BUNDLE_FORMAT, BUNDLE_VERSION, BundleError, type BundleManifest, type BundleMetrics, type BundleTask, type FeatureSchema,
  LATHE_VERSION, MANIFEST_FILE, type TargetSpec, WEIGHTS_FILE, checkManifest,
} from "./bundle_manifest.js";
import { TabularModel } from "./bundle_model.js";
import type { WritableDType } from "./dtypes.js";
import { parseSafetensors, serializeSafetensors } from "./safetensors.js";

export interface BundleContents {
  /** The trained network; its state dict becomes model.safetensors. */
  model: Module;
  /** The config the network was built from (buildModel(architecture) makes the same network). */
  architecture: ArchitectureConfig;
  task: BundleTask;
  target: TargetSpec;
  labels: Label[] | null;
  features: FeatureSchema;
  /** The ColumnTransformer fitted on the training split. */
  preprocess: ColumnTransformer;
  training?: Record<string, unknown>;
  metrics?: BundleMetrics;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The manifest of `contents`, with the weights' checksum and the Lathe version. */
export function bundleManifest(contents: BundleContents, weightsSha256: string): BundleManifest {
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    task: contents.task,
    architecture: contents.architecture,
    target: contents.target,
    labels: contents.labels,
    features: contents.features,
    preprocess: contents.preprocess.toJSON(),
    weights: { file: WEIGHTS_FILE, sha256: weightsSha256, parameters: contents.model.numParameters() },
    training: { ...contents.training, latheVersion: LATHE_VERSION },
    metrics: contents.metrics ?? {},
  };
}

/** The model's weights as safetensors bytes; integer buffers as int64, as PyTorch holds them. */
function weightBytes(model: Module): Uint8Array {
  const state = model.stateDict();
  const dtypes: Record<string, WritableDType> = {};
  for (const [k, t] of Object.entries(state)) if (t.dtype === "int32") dtypes[k] = "I64";
  return serializeSafetensors(state, { metadata: { format: "pt" }, dtypes });
}

/**
 * Writes a model bundle into `dir` (created if missing) and returns its manifest. The
 * weights go first and lathe.json last, each atomically; lathe.json records the weights'
 * SHA-256, so a bundle whose rewrite a crash interrupted is refused on load rather than
 * used with weights that do not belong to it.
 */
export async function saveBundle(dir: string, contents: BundleContents): Promise<BundleManifest> {
  const bytes = weightBytes(contents.model);
  const manifest = bundleManifest(contents, sha256(bytes));
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, WEIGHTS_FILE), bytes);
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Reads and checks a bundle's lathe.json. */
export async function readBundleManifest(dir: string): Promise<BundleManifest> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BundleError(`${dir}: no such model bundle directory`);
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new BundleError(`${dir}: not a model bundle (it has no ${MANIFEST_FILE})`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new BundleError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return checkManifest(json, path);
}

/** One line of an error message that may span several. */
function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).replace(/\s*\n\s*/g, "; ");
}

/**
 * Loads a model bundle, ready to predict: the network built from the architecture config
 * with the weights loaded (in eval mode), the preprocessing restored, the schema and labels.
 * A missing file, a newer format version, weights that are hostile (rejected by the
 * safetensors reader before anything is allocated), altered or do not fit the architecture,
 * and a manifest whose parts disagree are errors naming the file.
 */
export async function loadModel(dir: string): Promise<TabularModel> {
  const manifest = await readBundleManifest(dir);
  const path = join(dir, MANIFEST_FILE);
  const weightsPath = join(dir, manifest.weights.file);
  if (!existsSync(weightsPath)) throw new BundleError(`${weightsPath}: the weights file named in ${MANIFEST_FILE} is missing`);
  const bytes = await readFile(weightsPath);
  const { tensors } = parseSafetensors(bytes, { source: weightsPath });
  if (sha256(bytes) !== manifest.weights.sha256) {
    throw new BundleError(`${weightsPath}: the weights do not match ${MANIFEST_FILE} (SHA-256 differs); the bundle was altered or only partly rewritten`);
  }
  let preprocess: ColumnTransformer;
  try {
    preprocess = ColumnTransformer.fromJSON(manifest.preprocess);
  } catch (err) {
    throw new BundleError(`${path}: preprocess: ${oneLine(err)}`);
  }
  checkConsistent(manifest, preprocess, path);
  // Building the network draws initial weights from the default generator; whoever loads a
  // model should not find their random stream moved.
  const rng = defaultGenerator.getState();
  let model: Module;
  try {
    model = buildModel(manifest.architecture);
  } finally {
    defaultGenerator.setState(rng);
  }
  try {
    model.loadStateDict(tensors);
  } catch (err) {
    throw new BundleError(`${weightsPath}: the weights do not fit the architecture in ${MANIFEST_FILE}: ${oneLine(err)}`);
  }
  return new TabularModel(manifest, model, preprocess);
}

/** The expected number of network outputs: one logit for two classes, one per class beyond, one value for regression. */
export function outputsFor(task: BundleTask, labels: readonly Label[] | null): number {
  return task === "classification" && labels!.length > 2 ? labels!.length : 1;
}

/** The manifest's parts must agree: schema with preprocessing, preprocessing and labels with the network's size. */
function checkConsistent(m: BundleManifest, preprocess: ColumnTransformer, path: string): void {
  const schema = m.features.columns.map((c) => c.name).sort();
  const used = preprocess.inputColumns.sort();
  if (schema.join("\0") !== used.join("\0")) {
    throw new BundleError(`${path}: the feature schema (${schema.join(", ")}) and the preprocessing's columns (${used.join(", ")}) differ`);
  }
  const { inputs, outputs } = m.architecture as { inputs?: unknown; outputs?: unknown };
  if (typeof inputs === "number" && inputs !== preprocess.featureNames.length) {
    throw new BundleError(`${path}: the preprocessing makes ${preprocess.featureNames.length} features, the network takes ${inputs}`);
  }
  const want = outputsFor(m.task, m.labels);
  if (typeof outputs === "number" && outputs !== want) {
    throw new BundleError(`${path}: the network has ${outputs} outputs, a ${m.task} model with ${m.labels?.length ?? 0} labels needs ${want}`);
  }
}
