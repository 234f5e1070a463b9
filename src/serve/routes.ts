/**
 * The HTTP endpoints. Every answer that is not a success is `{"error": {code, message, …}}`
 * with a 4xx status for anything the client can fix, so a client (or a fuzzer) can never
 * turn its own mistake into a 500 or a crash.
 */
import { randomInt } from "node:crypto";
import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ServerMetrics } from "./metrics.js";
import type { ModelRegistry, ModelVersion } from "./models.js";
import { GENERATE_BODY, MAX_SEED, PREDICT_BODY, openapiDocument } from "./openapi.js";
import type { Reloader } from "./reload.js";
import { type GenerateParams, type Generated, InputError, type LanguageModelInfo } from "./types.js";

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
  /** Most tokens one generate request may ask for. */
  readonly maxNewTokens: number;
  /** Batching and worker settings, reported with each model. */
  readonly serving: { readonly maxBatch: number; readonly maxDelayMs: number; readonly workers: number };
}

/** Model names in paths, as parseModelArg allows them; ":predict", ":generate" and ":reload" follow literally. */
const MODEL = ":name(^[A-Za-z0-9._-]+)";

export function sendError(reply: FastifyReply, status: number, code: string, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).send({ error: { code, message, ...extra } });
}

function summary(v: ModelVersion) {
  return { name: v.spec.name, version: v.version, task: v.info.task, loadedAt: v.loadedAt.toISOString() };
}

type Named = { Params: { name: string } };

interface GenerateBody {
  prompt?: string;
  ids?: number[];
  max_new_tokens?: number;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  seed?: number;
  stop?: string | string[];
  stream?: boolean;
}

/** `lathe lm generate`'s defaults, so the same request gives the same text. */
const GENERATE_DEFAULTS = { maxNewTokens: 200, temperature: 0.8 };

/** One server-sent event; JSON never holds a raw newline, so one data line carries it. */
const sse = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`;

/**
 * A generate request's parameters, after the checks that depend on the model or the server
 * (the body schema has checked types and ranges), or the field at fault and why.
 */
function generateParams(b: GenerateBody, lm: LanguageModelInfo, maxNewTokens: number): GenerateParams | { field: string; message: string } {
  if ((b.prompt === undefined) === (b.ids === undefined)) {
    return { field: b.prompt === undefined ? "prompt" : "ids", message: "give the text to continue as prompt (a string) or as ids (token ids), one of them" };
  }
  if (b.ids) {
    const at = b.ids.findIndex((id) => id >= lm.vocabSize);
    if (at >= 0) return { field: "ids", message: `ids[${at}] is ${b.ids[at]}; the model's token ids run from 0 to ${lm.vocabSize - 1}` };
    if (b.ids.length > lm.contextLength) return { field: "ids", message: `${b.ids.length} tokens, longer than the model's context of ${lm.contextLength} tokens` };
  }
  if (b.max_new_tokens !== undefined && b.max_new_tokens > maxNewTokens) {
    return { field: "max_new_tokens", message: `${b.max_new_tokens} is more than this server allows (${maxNewTokens}, --max-new-tokens)` };
  }
  return {
    prompt: b.prompt ?? null,
    ids: b.ids ?? null,
    maxNewTokens: b.max_new_tokens ?? Math.min(GENERATE_DEFAULTS.maxNewTokens, maxNewTokens),
    temperature: b.temperature ?? GENERATE_DEFAULTS.temperature,
    topK: b.top_k ?? null,
    topP: b.top_p ?? null,
    seed: b.seed ?? randomInt(MAX_SEED + 1),
    stop: typeof b.stop === "string" ? [b.stop] : (b.stop ?? []),
  };
}

/** Whether the client asked for server-sent events in its Accept header. */
function acceptsEventStream(req: FastifyRequest): boolean {
  return /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(String(req.headers.accept ?? ""));
}

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
      if (v.info.languageModel) {
        return sendError(reply, 400, "wrong_model_kind", `model ${JSON.stringify(v.spec.name)} is a language model: it generates text (POST /v1/models/${v.spec.name}:generate), it does not score instances`);
      }
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

  app.post<Named & { Body: GenerateBody }>(
    `/v1/models/${MODEL}::generate`,
    { schema: { body: GENERATE_BODY }, config: { label: "/v1/models/{name}:generate" } },
    async (req, reply) => {
      const received = performance.now();
      const v = registry.get(req.params.name);
      if (!v) return noModel(reply, req.params.name);
      const lm = v.info.languageModel;
      if (!lm) {
        return sendError(reply, 400, "wrong_model_kind", `model ${JSON.stringify(v.spec.name)} is a ${v.info.task} model, not a language model: it scores instances (POST /v1/models/${v.spec.name}:predict)`);
      }
      const params = generateParams(req.body, lm, ctx.maxNewTokens);
      if ("field" in params) return sendError(reply, 400, "invalid_request", `${params.field}: ${params.message}`, { field: params.field });
      const stream = req.body.stream ?? acceptsEventStream(req);
      const labels = { model: v.spec.name };

      // A client that goes away (before or during the answer) ends its generation.
      const gone = new AbortController();
      reply.raw.on("close", () => {
        if (!reply.raw.writableFinished) gone.abort();
      });
      const ids: number[] = [];
      let text = "";
      const events = new PassThrough();
      let promptTokens = 0;
      let started!: () => void;
      const accepted = new Promise<void>((resolve) => (started = resolve));
      const done = v.predictor.generate(params, {
        signal: gone.signal,
        onStart: (n) => {
          promptTokens = n;
          started();
        },
        onToken: (token, piece) => {
          if (ids.length === 0) metrics.timeToFirstToken.observe(labels, (performance.now() - received) / 1e3);
          ids.push(token);
          metrics.generatedTokens.inc(labels);
          if (stream) {
            if (!events.destroyed) events.write(sse({ token, text: piece }));
          } else text += piece;
        },
      });
      const summary = (r: Generated) => ({ finish_reason: r.finish, prompt_tokens: promptTokens, generated_tokens: ids.length, seed: params.seed });
      const count = (finish: string) => metrics.generations.inc({ ...labels, finish });

      // Nothing is sent until the worker has accepted the prompt, so a prompt it refuses is a plain 400.
      let ended: Generated | null = null;
      try {
        ended = await Promise.race([accepted.then(() => null), done]);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        return sendError(reply, 400, "invalid_request", e.message, { field: e.field });
      }
      // The client left while the request was queued: there is no one to answer.
      if (ended?.finish === "cancelled") return reply.code(499).send();
      reply.header("x-lathe-model-version", v.version);

      if (!stream) {
        let r: Generated;
        try {
          r = await done;
        } catch (e) {
          count("error");
          throw e;
        }
        count(r.finish);
        if (r.finish === "cancelled") return reply.code(499).send();
        return { text: text + r.tail, ids, ...summary(r) };
      }

      done.then(
        (r) => {
          count(r.finish);
          if (!events.destroyed) events.end(sse({ ...summary(r), text: r.tail }, "done"));
        },
        (e: Error) => {
          count("error");
          req.log.error({ err: e }, "generation failed");
          if (!events.destroyed) events.end(sse({ error: { code: "internal", message: "generation failed; the server log has the details" } }, "error"));
        },
      );
      // Proxies must pass each event on at once rather than buffer the stream.
      reply.header("cache-control", "no-cache").header("x-accel-buffering", "no");
      return reply.type("text/event-stream; charset=utf-8").send(events);
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
    const { languageModel } = v.info;
    return { ...summary(v), loadSeconds: v.loadSeconds, labels, features, metrics: trained, metadata, serving: ctx.serving, ...(languageModel ? { languageModel } : {}) };
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
