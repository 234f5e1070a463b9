/** Shared by the serve tests: small model bundles of every feature type, and a server per test. */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, type IncomingHttpHeaders, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { backend } from "../../src/backend/index.js";
import { data, io, manualSeed } from "../../src/index.js";
import { type LatheServer, type ServeOptions, serve } from "../../src/serve/index.js";

export interface BundleOptions {
  /** Seeds the weights: two seeds give two versions of the "same" model that predict differently. */
  seed?: number;
  task?: "classification" | "regression";
}

const ROWS = 40;

/** A training table with numeric (some missing), categorical, boolean and date columns. */
function trainingTable(task: "classification" | "regression"): data.Table {
  const colors = ["red", "green", "blue"];
  const cities = ["Oslo", "Lima", "Pune", "Kyiv"];
  const labels = ["no", "yes", "maybe"];
  const col = <T>(f: (i: number) => T) => Array.from({ length: ROWS }, (_, i) => f(i));
  return data.Table.fromObject({
    age: col((i) => (i % 7 === 3 ? null : 20 + ((i * 13) % 50))),
    income: col((i) => 1000 + i * 37.5),
    color: col((i) => colors[i % 3]),
    city: col((i) => cities[(i * 3) % 4]),
    member: col((i) => i % 2 === 0),
    since: col((i) => new Date(Date.UTC(2020, i % 12, 1 + (i % 28)))),
    target: col((i) => (task === "classification" ? labels[(i * 7) % 3] : 0.5 * i - 3)),
  });
}

/**
 * Writes a bundle of an (untrained, seeded) MLP over that table: "color" goes through a
 * one-hot encoder that rejects unseen categories, "city" through the default one that
 * ignores them; numeric columns are imputed, so null is accepted there.
 */
export async function makeBundle(dir: string, opts: BundleOptions = {}): Promise<string> {
  const task = opts.task ?? "classification";
  const table = trainingTable(task);
  const preprocess = new data.ColumnTransformer({
    drop: ["target"],
    columns: { color: [new data.OneHotEncoder({ handleUnknown: "error" })] },
  }).fit(table);
  const names = ["age", "income", "color", "city", "member", "since"];
  const labels = task === "classification" ? ["maybe", "no", "yes"] : null;
  const architecture = io.checkArchitecture({ type: "mlp", inputs: preprocess.featureNames.length, hidden: [8], outputs: labels ? 3 : 1 });
  manualSeed(opts.seed ?? 0);
  const model = io.buildModel(architecture);
  await io.saveBundle(dir, {
    model,
    architecture,
    task,
    target: { name: "target", type: task === "classification" ? "categorical" : "numeric", scale: task === "regression" ? { mean: 7, std: 6 } : null },
    labels,
    features: io.featureSchema(table, names, []),
    preprocess,
    metrics: { test: task === "classification" ? { accuracy: 0.5 } : { rmse: 1.5 } },
  });
  return dir;
}

/** A row that fits the bundle's schema. */
export function goodRow(i = 0): Record<string, unknown> {
  return {
    age: i % 5 === 0 ? null : 30 + i,
    income: 1200 + 10 * i,
    color: ["red", "green", "blue"][i % 3],
    city: ["Oslo", "Lima", "Pune", "Kyiv"][i % 4],
    member: i % 2 === 1,
    since: `2021-0${1 + (i % 9)}-15`,
  };
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix = "lathe-serve-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Server = LatheServer & { url: string };

/** A server on a free loopback port; the test closes it. */
export function startServer(opts: Partial<ServeOptions> & Pick<ServeOptions, "models">): Promise<Server> {
  return serve({ port: 0, host: "127.0.0.1", workers: 1, maxDelayMs: 1, ...opts });
}

export interface Answer {
  status: number;
  body: any;
  headers: IncomingHttpHeaders;
}

/** Keep-alive connections, as real clients use them (and several times faster than fetch here). */
const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** A request to the server; the body is sent as given (a string) or as JSON. */
export function call(server: { url: string }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(server.url);
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const all: Record<string, string | number> = { ...headers };
  if (payload !== undefined) {
    all["content-type"] ??= "application/json";
    all["content-length"] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers: all, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON (the metrics text): keep the text.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

export const predict = (server: { url: string }, model: string, instances: unknown, headers?: Record<string, string>) =>
  call(server, "POST", `/v1/models/${model}:predict`, { instances }, headers);

/**
 * Predictions compared as the server promises them: the same labels, and the same numbers
 * bit for bit on the js backend. The native backend sends small matrix products to the js
 * kernels and large ones to its own (see CROSSOVER in src/backend/native/backend.ts), so
 * there a row batched with others may differ from the row scored alone in the last float32
 * bits; it is compared to 1e-6.
 */
export function assertSamePredictions(actual: unknown[], expected: unknown[]): void {
  if (backend.name === "js") return assert.deepEqual(actual, expected);
  assert.equal(actual.length, expected.length);
  const close = (a: unknown, b: unknown, path: string): void => {
    if (typeof a === "number" && typeof b === "number") {
      assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${path}: ${a} vs ${b}`);
    } else if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
      assert.deepEqual(Object.keys(a), Object.keys(b), path);
      for (const k of Object.keys(b)) close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    } else assert.equal(a, b, path);
  };
  actual.forEach((a, i) => close(a, expected[i], `predictions[${i}]`));
}
