/**
 * The HTTP endpoints. Every answer that is not a success is `{"error": {code, message, …}}`
 * with a 4xx status for anything the client can fix, so a client (or a fuzzer) can never
 * turn its own mistake into a 500 or a crash.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ServerMetrics } from "./metrics.js";
import type { ModelRegistry, ModelVersion } from "./models.js";
import { PREDICT_BODY, openapiDocument } from "./openapi.js";
import type { Reloader } from "./reload.js";
import { InputError } from "./types.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route as metrics label it (the path pattern as the API documents it). */
    label?: string;
  }
}

export interface RouteContext {
  readonly registry: ModelRegistry;
  readonly reloader: Reloader;
  readonly metrics: ServerMetrics;
  readonly maxRows: number;
  /** Batching and worker settings, reported with each model. */
  readonly serving: { readonly maxBatch: number; readonly maxDelayMs: number; readonly workers: number };
}

/** Model names in paths, as parseModelArg allows them; ":predict" and ":reload" follow literally. */
const MODEL = ":name(^[A-Za-z0-9._-]+)";

export function sendError(reply: FastifyReply, status: number, code: string, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).send({ error: { code, message, ...extra } });
}

function summary(v: ModelVersion) {
  return { name: v.spec.name, version: v.version, task: v.info.task, loadedAt: v.loadedAt.toISOString() };
}

type Named = { Params: { name: string } };

export function registerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry, reloader, metrics } = ctx;
  const noModel = (reply: FastifyReply, name: string) =>
    sendError(reply, 404, "not_found", `no model named ${JSON.stringify(name)} is served (models: ${registry.list().map((v) => v.spec.name).join(", ")})`);

  app.post<Named & { Body: { instances: unknown[] } }>(
    `/v1/models/${MODEL}::predict`,
    { schema: { body: PREDICT_BODY }, config: { label: "/v1/models/{name}:predict" } },
    async (req, reply) => {
      // The version is picked once: validation, batching and scoring all happen on it,
      // even if a reload swaps in another while this request waits.
      const v = registry.get(req.params.name);
      if (!v) return noModel(reply, req.params.name);
      const { instances } = req.body;
      if (instances.length > ctx.maxRows) {
        return sendError(reply, 413, "too_many_rows", `${instances.length} instances in one request; the limit is ${ctx.maxRows} (--max-rows): split the request`);
      }
      const checked = v.validate(instances);
      if (!checked.ok) return sendError(reply, 400, "invalid_instance", checked.error.message, { row: checked.error.row, field: checked.error.field });
      try {
        const predictions = await v.batcher.submit(checked.rows);
        metrics.predictedRows.inc({ model: v.spec.name }, predictions.length);
        reply.header("x-lathe-model-version", v.version);
        return { predictions };
      } catch (e) {
        // The preprocessing refused a value the schema check let through.
        if (!(e instanceof InputError)) throw e;
        const where = `instances${e.row === null ? "" : `[${e.row}]`}${e.field === null ? "" : `.${e.field}`}`;
        return sendError(reply, 400, "invalid_instance", `${where}: ${e.message}`, { row: e.row, field: e.field });
      }
    },
  );

  app.post<Named>(`/v1/models/${MODEL}::reload`, { config: { label: "/v1/models/{name}:reload" } }, async (req, reply) => {
    const old = registry.get(req.params.name);
    if (!old) return noModel(reply, req.params.name);
    try {
      const next = await reloader.reload(req.params.name);
      req.log.info({ model: next.spec.name, version: next.version }, "model reloaded");
      return { ...summary(next), loadSeconds: next.loadSeconds };
    } catch (e) {
      const serving = registry.get(req.params.name)?.version ?? old.version;
      req.log.error({ model: req.params.name, err: e }, "reload failed");
      return sendError(reply, 500, "reload_failed", `could not reload ${JSON.stringify(req.params.name)}; version ${serving} is still serving: ${(e as Error).message}`, { version: serving });
    }
  });

  app.get("/v1/models", { config: { label: "/v1/models" } }, async () => ({ models: registry.list().map(summary) }));

  app.get<Named>("/v1/models/:name", { config: { label: "/v1/models/{name}" } }, async (req, reply) => {
    const v = registry.get(req.params.name);
    if (!v) return noModel(reply, req.params.name);
    const { labels, features, metrics: trained, metadata } = v.info;
    return { ...summary(v), loadSeconds: v.loadSeconds, labels, features, metrics: trained, metadata, serving: ctx.serving };
  });

  app.get("/healthz", { config: { label: "/healthz" } }, async () => ({ status: "ok" }));

  app.get("/readyz", { config: { label: "/readyz" } }, async (_req, reply) => {
    const notReady = registry.list().filter((v) => !v.predictor.ready).map((v) => v.spec.name);
    if (notReady.length > 0) return reply.code(503).send({ status: "not ready", models: notReady });
    return { status: "ready", models: registry.list().map((v) => v.spec.name) };
  });

  app.get("/metrics", { config: { label: "/metrics" } }, async (_req, reply) => {
    return reply.type("text/plain; version=0.0.4; charset=utf-8").send(metrics.render());
  });

  const doc = openapiDocument();
  app.get("/openapi.json", { config: { label: "/openapi.json" } }, async () => doc);
}
