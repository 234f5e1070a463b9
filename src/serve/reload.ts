/**
 * Hot reload: load the bundle directory again into a new version (new workers), swap it in
 * with one map assignment, then retire the old version once it has answered what it
 * accepted. Requests never see a half-loaded model, none is dropped, and a bundle that
 * fails to load leaves the old version serving. Reloads of one model run one after the
 * other, so the last one asked for is the one that ends up serving.
 */
import { type ModelRegistry, type ModelVersion, type VersionOptions, loadVersion, retire } from "./models.js";

export class Reloader {
  /** The latest reload of each model, which the next one waits for. */
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Old versions still answering what they accepted before the swap. */
  private readonly retiring = new Set<Promise<void>>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly options: VersionOptions,
  ) {}

  /** Reloads model `name` from its directory; resolves with the version now serving, or rejects with why it could not. */
  reload(name: string): Promise<ModelVersion> {
    const prior = this.chains.get(name) ?? Promise.resolve();
    const run = prior.catch(() => {}).then(() => this.reloadNow(name));
    const settled = run.catch(() => {});
    this.chains.set(name, settled);
    void settled.then(() => {
      if (this.chains.get(name) === settled) this.chains.delete(name);
    });
    return run;
  }

  /** Reloads every model (SIGHUP); a model that fails keeps its old version serving. */
  reloadAll(): Promise<{ name: string; version: number; error?: string }[]> {
    return Promise.all(
      this.registry.list().map((v) =>
        this.reload(v.spec.name).then(
          (next) => ({ name: next.spec.name, version: next.version }),
          (e: Error) => ({ name: v.spec.name, version: this.registry.get(v.spec.name)?.version ?? v.version, error: e.message }),
        ),
      ),
    );
  }

  /** Resolves once no reload is running and every replaced version has been freed (before shutdown). */
  async settle(): Promise<void> {
    while (this.chains.size > 0 || this.retiring.size > 0) await Promise.all([...this.chains.values(), ...this.retiring]);
  }

  private async reloadNow(name: string): Promise<ModelVersion> {
    const current = this.registry.get(name);
    if (!current) throw new RangeError(`no model "${name}" is served`);
    const labels = { model: name };
    let next: ModelVersion;
    try {
      next = await loadVersion(current.spec, current.version + 1, this.options);
    } catch (e) {
      this.options.metrics.reloads.inc({ ...labels, result: "failed" });
      // loadVersion set the gauges only on success, so they still describe the old version.
      throw e;
    }
    let old: ModelVersion;
    try {
      old = this.registry.swap(next);
    } catch (e) {
      await retire(next);
      throw e;
    }
    this.options.metrics.reloads.inc({ ...labels, result: "ok" });
    const done = retire(old).catch((e: Error) => this.options.log(`model ${name}: freeing version ${old.version} failed: ${e.message}`));
    this.retiring.add(done);
    void done.then(() => this.retiring.delete(done));
    return next;
  }
}
