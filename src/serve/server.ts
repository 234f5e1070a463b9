/**
 * The server: a Fastify app over the model registry (tabular models and language models). Fastify brings the body limit (413),
 * JSON parsing that refuses prototype poisoning, envelope validation, request logging and
 * a close() that stops accepting and waits for in-flight requests; the registry is freed
 * only after that, so every accepted request is answered.
 */
import os from "node:os";
import Fastify, { type FastifyError, type FastifyInstance, type FastifySchemaValidationError, type FastifyServerOptions } from "fastify";
import { requireApiKey } from "./auth.js";
import { ServerMetrics } from "./metrics.js";
import { type ModelSpec, ModelRegistry, type VersionOptions, parseModelArg } from "./models.js";
import { Reloader } from "./reload.js";
import { registerRoutes, sendError } from "./routes.js";

export interface ServeOptions {
  /** Bundle directories (`dir` or `name=dir`) or specs; each is served as /v1/models/{name}. */
  readonly models: readonly (string | ModelSpec)[];
  /** TCP port (default 8080; 0 picks a free one). */
  readonly port?: number;
  /** Interface to bind: 127.0.0.1 by default, 0.0.0.0 by default when an API key is set. */
  readonly host?: string;
  /** Requests without this key get 401 (health checks excepted). */
  readonly apiKey?: string | null;
  /** Most rows per batch (default 64; 1 turns batching off). */
  readonly maxBatch?: number;
  /** Longest a request waits for others to batch with, in ms (default 0: batch only what queued while the workers were busy). */
  readonly maxDelayMs?: number;
  /** Worker threads per model (default: one per CPU beyond the first, 1 to 4). */
  readonly workers?: number;
  /** Most instances in one request (default 1024); more is a 413. */
  readonly maxRows?: number;
  /** Most tokens one generate request may ask for (default 1024); more is a 400. */
  readonly maxNewTokens?: number;
  /** Largest request body in bytes (default 4 MiB); more is a 413. */
  readonly bodyLimit?: number;
  /** Fastify's logger: false (the default) or its options, e.g. { level: "info" }. */
  readonly logger?: FastifyServerOptions["logger"];
}

export const DEFAULTS = {
  port: 8080,
  maxBatch: 64,
  // Measured (docs/SERVING.md): waiting for company costs a lone client most of its
  // throughput, while requests that queue behind a busy worker batch by themselves.
  maxDelayMs: 0,
  maxRows: 1024,
  maxNewTokens: 1024,
  bodyLimit: 4 * 1024 * 1024,
  // The event loop (HTTP, JSON, validation) keeps a core; the rest score.
  workers: Math.min(4, Math.max(1, os.availableParallelism() - 1)),
} as const;

export interface LatheServer {
  readonly app: FastifyInstance;
  readonly registry: ModelRegistry;
  readonly reloader: Reloader;
  readonly metrics: ServerMetrics;
  /** Starts listening; resolves with the base URL (http://host:port). */
  listen(): Promise<string>;
  /** Stops accepting, answers every request in flight, frees the workers. */
  close(): Promise<void>;
}

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** The top-level body field a schema error is about, so a client can tell which one to fix. */
function validationField(e: FastifySchemaValidationError | undefined): string | undefined {
  const params = (e?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
  const name = e?.instancePath.split("/")[1] || params.missingProperty || params.additionalProperty;
  return name && name.length > 100 ? `${name.slice(0, 100)}…` : name;
}

/** Loads every model and builds the app; nothing listens until listen(). */
export async function createServer(options: ServeOptions): Promise<LatheServer> {
  if (options.models.length === 0) throw new RangeError("no model bundle to serve");
  const specs = options.models.map((m) => (typeof m === "string" ? parseModelArg(m) : m));
  const maxBatch = positiveInt("maxBatch", options.maxBatch ?? DEFAULTS.maxBatch);
  const maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  if (!(Number.isFinite(maxDelayMs) && maxDelayMs >= 0)) throw new RangeError(`maxDelayMs must be a number >= 0, got ${maxDelayMs}`);
  const workers = positiveInt("workers", options.workers ?? DEFAULTS.workers);
  const maxRows = positiveInt("maxRows", options.maxRows ?? DEFAULTS.maxRows);
  const maxNewTokens = positiveInt("maxNewTokens", options.maxNewTokens ?? DEFAULTS.maxNewTokens);
  const bodyLimit = positiveInt("bodyLimit", options.bodyLimit ?? DEFAULTS.bodyLimit);
  const port = positiveInt("port", options.port ?? DEFAULTS.port, 0);
  const apiKey = options.apiKey || null;
  const host = options.host ?? (apiKey ? "0.0.0.0" : "127.0.0.1");

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    // Clients get exactly what they sent validated: no type coercion, no silently
    // dropped properties, no defaults filled in.
    // (A generate request's stop is a string or a list: a union type.)
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allowUnionTypes: true } },
    // A client that opens a connection and trickles a body does not hold it forever.
    requestTimeout: 30_000,
  });
  const log = (message: string) => app.log.warn(message);
  const metrics = new ServerMetrics(maxBatch);
  const versionOptions: VersionOptions = { workers, maxBatch, maxDelayMs, metrics, log };
  const registry = await ModelRegistry.load(specs, versionOptions);
  const reloader = new Reloader(registry, versionOptions);

  if (apiKey) app.addHook("onRequest", requireApiKey(apiKey));
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.config?.label ?? "unmatched";
    metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1e3);
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) {
      const field = validationField(err.validation[0]);
      // Ajv's message names a bad value's path, but not an unexpected property: add it.
      const message = err.validation[0]?.keyword === "additionalProperties" && field ? `${err.message}: ${JSON.stringify(field)}` : err.message;
      return sendError(reply, 400, "invalid_request", message, field ? { field } : {});
    }
    const status = err.statusCode ?? 500;
    if (status === 413) return sendError(reply, 413, "body_too_large", `the request body exceeds the limit of ${bodyLimit} bytes (--body-limit)`);
    if (status === 415) return sendError(reply, 415, "invalid_request", `the body must be application/json, got ${JSON.stringify(String(req.headers["content-type"] ?? "").slice(0, 100))}`);
    if (status === 503) return sendError(reply, 503, "unavailable", err.message);
    if (status >= 400 && status < 500) return sendError(reply, status, "invalid_request", err.message);
    req.log.error({ err }, "request failed");
    return sendError(reply, 500, "internal", "internal error; the server log has the details");
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, "not_found", `no route ${req.method} ${req.url.slice(0, 200)}`));
  registerRoutes(app, { registry, reloader, metrics, maxRows, maxNewTokens, serving: { maxBatch, maxDelayMs, workers } });
  // Node closes idle keep-alive connections on close, but a connection busy at that moment
  // would stay open after its answer until its keep-alive timeout: tell the client to close it.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
    registry.stopWaiting();
  });
  app.addHook("onSend", async (_req, reply) => {
    if (closing) reply.header("connection", "close");
  });
  // Runs after Fastify has stopped accepting and answered every request in flight.
  app.addHook("onClose", async () => {
    await reloader.settle();
    await registry.close();
  });

  return {
    app,
    registry,
    reloader,
    metrics,
    async listen() {
      if (!apiKey && !LOOPBACK.has(host)) app.log.warn(`listening on ${host} without an API key: anyone who can reach it can use the models`);
      return app.listen({ port, host });
    },
    close: () => app.close(),
  };
}

/** createServer, then listen. */
export async function serve(options: ServeOptions): Promise<LatheServer & { readonly url: string }> {
  const server = await createServer(options);
  try {
    return { ...server, url: await server.listen() };
  } catch (e) {
    await server.close();
    throw e;
  }
}
