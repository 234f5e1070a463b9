import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Counter, Histogram } from "../../src/serve/metrics.js";
import { type Server, call, goodRow, makeBundle, predict, startServer, tempDir } from "./helpers.js";

/** The samples of a Prometheus text exposition, checking every line's syntax on the way. */
function parse(text: string): { families: Map<string, string>; samples: { name: string; labels: Record<string, string>; value: number }[] } {
  const families = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  assert.ok(text.endsWith("\n"), "the exposition ends with a newline");
  for (const line of text.slice(0, -1).split("\n")) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === "TYPE") {
        assert.ok(["counter", "gauge", "histogram"].includes(meta[3]), line);
        families.set(meta[2], meta[3]);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    const value = m[3] === "+Inf" ? Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value), line);
    samples.push({ name: m[1], labels, value });
  }
  return { families, samples };
}

test("counters and histograms render in the text format, with label values escaped", () => {
  const c = new Counter("t_total", "A test counter.");
  c.inc({ path: 'a"b\\c\nd' }, 2);
  assert.equal(c.render(), '# HELP t_total A test counter.\n# TYPE t_total counter\nt_total{path="a\\"b\\\\c\\nd"} 2');
  const h = new Histogram("t_seconds", "A test histogram.", [0.1, 1]);
  for (const v of [0.05, 0.5, 5]) h.observe({}, v);
  assert.deepEqual(h.render().split("\n").slice(2), [
    't_seconds_bucket{le="0.1"} 1',
    't_seconds_bucket{le="1"} 2',
    't_seconds_bucket{le="+Inf"} 3',
    "t_seconds_sum 5.55",
    "t_seconds_count 3",
  ]);
});

const tmp = tempDir();
let server: Server;

before(async () => {
  server = await startServer({ models: [await makeBundle(join(tmp.dir, "m"))], maxBatch: 16 });
});

after(async () => {
  await server?.close();
  tmp.remove();
});

test("GET /metrics counts requests by route and status, times them, and reports batch sizes and load time", async () => {
  await predict(server, "m", [goodRow(0), goodRow(1), goodRow(2)]);
  await predict(server, "m", [{ bad: 1 }]);
  await call(server, "GET", "/no/such/thing");
  const r = await call(server, "GET", "/metrics");
  assert.equal(r.status, 200);
  assert.match(r.headers["content-type"] ?? "", /^text\/plain; version=0\.0\.4/);
  const { families, samples } = parse(r.body);
  const value = (name: string, labels: Record<string, string>) => samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  assert.equal(families.get("lathe_http_requests_total"), "counter");
  assert.equal(value("lathe_http_requests_total", { route: "/v1/models/{name}:predict", method: "POST", status: "200" }), 1);
  assert.equal(value("lathe_http_requests_total", { route: "/v1/models/{name}:predict", method: "POST", status: "400" }), 1);
  assert.equal(value("lathe_http_requests_total", { route: "unmatched", method: "GET", status: "404" }), 1);
  assert.equal(value("lathe_predicted_rows_total", { model: "m" }), 3);

  assert.equal(families.get("lathe_http_request_duration_seconds"), "histogram");
  const buckets = samples.filter((s) => s.name === "lathe_http_request_duration_seconds_bucket" && s.labels.route === "/v1/models/{name}:predict");
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, "buckets are cumulative");
  assert.equal(buckets.at(-1)!.labels.le, "+Inf");
  assert.equal(buckets.at(-1)!.value, value("lathe_http_request_duration_seconds_count", { route: "/v1/models/{name}:predict" }));

  const batchBounds = samples.filter((s) => s.name === "lathe_batch_size_rows_bucket").map((s) => s.labels.le);
  assert.deepEqual(batchBounds, ["1", "2", "4", "8", "16", "+Inf"]);
  assert.equal(value("lathe_batch_size_rows_bucket", { model: "m", le: "2" }), 0);
  assert.equal(value("lathe_batch_size_rows_bucket", { model: "m", le: "4" }), 1);
  assert.ok(value("lathe_model_load_seconds", { model: "m" })! > 0);
  assert.equal(value("lathe_model_version", { model: "m" }), 1);
});
