/**
 * The served models: for each name, the version answering requests now. A version bundles
 * what one load of a bundle directory produced — its worker pool, its batcher and the
 * validator built from its schema — so a request that picked a version is validated,
 * batched and scored by that version alone, even if a reload swaps in another meanwhile.
 */
import { basename, resolve } from "node:path";
import { Batcher } from "./batcher.js";
import type { ServerMetrics } from "./metrics.js";
import { type Validator, compileValidator } from "./schema.js";
import type { ModelInfo, Predictor } from "./types.js";
import { WorkerPool } from "./workers.js";

/** A model to serve: the name in its URLs and its bundle directory. */
export interface ModelSpec {
  readonly name: string;
  readonly dir: string;
}

export interface VersionOptions {
  readonly workers: number;
  readonly maxBatch: number;
  readonly maxDelayMs: number;
  readonly metrics: ServerMetrics;
  readonly log: (message: string) => void;
}

export interface ModelVersion {
  readonly spec: ModelSpec;
  /** 1 for the version loaded at start, one more for each reload. */
  readonly version: number;
  readonly loadedAt: Date;
  readonly loadSeconds: number;
  readonly info: ModelInfo;
  readonly validate: Validator;
  readonly batcher: Batcher;
  readonly predictor: Predictor;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * A model argument as a spec: `name=dir`, or a directory whose base name is the name.
 * Names appear in URLs (`/v1/models/{name}:predict`), so they keep to letters, digits, `.`, `_`, `-`.
 */
export function parseModelArg(arg: string): ModelSpec {
  const eq = arg.indexOf("=");
  const name = eq > 0 ? arg.slice(0, eq) : basename(resolve(arg));
  const dir = resolve(eq > 0 ? arg.slice(eq + 1) : arg);
  if (!NAME.test(name)) {
    throw new RangeError(`model name ${JSON.stringify(name)} (from ${JSON.stringify(arg)}) must be letters, digits, ".", "_" or "-"; give one as name=dir`);
  }
  return { name, dir };
}

/** Loads a bundle into a fresh worker pool and wraps it as a servable version. */
export async function loadVersion(spec: ModelSpec, version: number, opts: VersionOptions): Promise<ModelVersion> {
  const started = performance.now();
  const predictor = await WorkerPool.start(spec.dir, opts.workers, { log: (m) => opts.log(`model ${spec.name}: ${m}`) });
  const loadSeconds = (performance.now() - started) / 1e3;
  const labels = { model: spec.name };
  const batcher = new Batcher(predictor, {
    maxBatch: opts.maxBatch,
    maxDelayMs: opts.maxDelayMs,
    onBatch: (rows) => opts.metrics.batchSize.observe(labels, rows),
  });
  opts.metrics.loadSeconds.set(labels, loadSeconds);
  opts.metrics.version.set(labels, version);
  return { spec, version, loadedAt: new Date(), loadSeconds, info: predictor.info, validate: compileValidator(predictor.info.features), batcher, predictor };
}

/** Lets a version answer everything it has accepted, then frees its workers. */
export async function retire(v: ModelVersion): Promise<void> {
  await v.batcher.drain();
  await v.predictor.close();
}

export class ModelRegistry {
  private readonly current = new Map<string, ModelVersion>();
  private closed = false;

  /** Loads every model (all at once); if one fails, the ones loaded are freed and the error names the model. */
  static async load(specs: readonly ModelSpec[], opts: VersionOptions): Promise<ModelRegistry> {
    const seen = new Set<string>();
    for (const s of specs) {
      if (seen.has(s.name)) throw new RangeError(`two bundles are named "${s.name}"; name one with name=dir`);
      seen.add(s.name);
    }
    const loaded = await Promise.allSettled(specs.map((s) => loadVersion(s, 1, opts)));
    const failed = loaded.findIndex((r) => r.status === "rejected");
    if (failed >= 0) {
      await Promise.all(loaded.map((r) => (r.status === "fulfilled" ? retire(r.value) : undefined)));
      const why = (loaded[failed] as PromiseRejectedResult).reason as Error;
      throw new Error(`cannot load model "${specs[failed].name}" from ${specs[failed].dir}: ${why.message}`);
    }
    const registry = new ModelRegistry();
    for (const r of loaded) {
      const v = (r as PromiseFulfilledResult<ModelVersion>).value;
      registry.current.set(v.spec.name, v);
    }
    return registry;
  }

  get(name: string): ModelVersion | undefined {
    return this.current.get(name);
  }

  list(): ModelVersion[] {
    return [...this.current.values()];
  }

  /**
   * Makes `next` the version that new requests get, in one step, and returns the one it
   * replaced; requests already holding the old version finish on it.
   */
  swap(next: ModelVersion): ModelVersion {
    if (this.closed) throw new Error("the server is shutting down");
    const old = this.current.get(next.spec.name);
    if (!old) throw new RangeError(`no model "${next.spec.name}" is served`);
    this.current.set(next.spec.name, next);
    return old;
  }

  /** At shutdown: answer what arrives without waiting to batch it with requests that will not come. */
  stopWaiting(): void {
    for (const v of this.current.values()) v.batcher.stopWaiting();
  }

  /** Answers everything accepted, then frees every worker. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.list().map(retire));
  }
}
