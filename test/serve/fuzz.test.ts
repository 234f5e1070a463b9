import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type Server, call, goodRow, makeBundle, predict, startServer, tempDir } from "./helpers.js";

/** mulberry32: a small seeded generator, so a failure replays exactly. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = rng(20240501);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
/** Printable ASCII, Cyrillic, quotes and backslashes: text that JSON must escape now and then. */
const text = (n = 1 + int(12)) => Array.from({ length: n }, () => String.fromCharCode(pick([0x20 + int(95), 0x400 + int(200), 0x22, 0x5c]))).join("");

/** A random JSON value; objects never use the key "instances", so no value is a valid request. */
function value(depth: number): unknown {
  const kinds = depth > 0 ? 8 : 6;
  switch (int(kinds)) {
    case 0: return null;
    case 1: return random() < 0.5;
    case 2: return (random() - 0.5) * 10 ** int(40);
    case 3: return int(1000);
    case 4: return text();
    case 5: return "";
    case 6: return Array.from({ length: int(5) }, () => value(depth - 1));
    default: return Object.fromEntries(Array.from({ length: int(5) }, () => [`k${text(3)}`, value(depth - 1)]));
  }
}

const nest = (open: string, close: string, depth: number, inner = "1") => open.repeat(depth) + inner + close.repeat(depth);

/** Ways to break a valid row, each of which must be refused. */
const MUTATIONS: ((row: Record<string, unknown>) => void)[] = [
  (r) => delete r[pick(Object.keys(r))],
  (r) => (r[`extra_${text(4)}`] = value(1)),
  (r) => (r[pick(["age", "income"])] = pick(["12", true, [], {}, "NaN", "Infinity"])),
  (r) => (r.member = pick([0, 1, "true", "yes", [], "false"])),
  (r) => (r.color = text()),
  (r) => (r.color = pick([null, [], {}])),
  (r) => (r.since = pick([text(), 1620000000000, "2021-13-01", "2021-02-30", true])),
  (r) => (r.income = pick([1e39, -1e39, Number.MAX_VALUE])),
];

/** One malformed request: [body text, content type, path]. */
function malformed(): [string, string, string] {
  const json = "application/json";
  const path = "/v1/models/m:predict";
  switch (int(10)) {
    case 0:
      return [JSON.stringify(value(4)), json, path];
    case 1:
      return [JSON.stringify({ instances: value(3) }), json, path];
    case 2: {
      const instances = Array.from({ length: 1 + int(4) }, (_, i) => goodRow(i));
      pick(MUTATIONS)(instances[int(instances.length)]);
      return [JSON.stringify({ instances }), json, path];
    }
    case 3:
      return [pick([nest("[", "]", 1 + int(10_000)), nest('{"a":', "}", 1 + int(10_000)), `{"instances":${nest("[", "]", 2 + int(10_000))}}`, `{"instances":[{"age":${nest("[", "]", 1 + int(10_000))}}]}`]), json, path];
    case 4: {
      const good = JSON.stringify({ instances: [goodRow(int(10))] });
      return [good.slice(0, int(good.length)), json, path];
    }
    case 5:
      return [pick(["1e999", "-1e999", "NaN", "Infinity", "[1,]", "{'a':1}", "\u0000", '{"instances": [ {"age": 1e999} ]}', '{"instances":[],"instances":[1]}']), json, path];
    case 6:
      return [Array.from({ length: int(64) }, () => String.fromCharCode(int(256))).join(""), pick([json, "text/plain", "application/octet-stream"]), path];
    case 7: {
      const row = goodRow(int(10));
      const bigNumber = `${"9".repeat(1 + int(400))}${pick(["", ".5", "e308", "e-400"])}`;
      return [JSON.stringify({ instances: [row] }).replace(/"income":[^,]+/, `"income":${bigNumber}`).replace(/"member":(true|false)/, '"member":"no"'), json, path];
    }
    case 8:
      return [JSON.stringify({ instances: [goodRow(0)] }), json, `/v1/models/${encodeURIComponent(text(6))}:predict`];
    default:
      return [JSON.stringify({ instances: [goodRow(0)], [text(5)]: value(2) }), json, path];
  }
}

const tmp = tempDir();
let server: Server;

before(async () => {
  server = await startServer({ models: [await makeBundle(join(tmp.dir, "m"))], maxDelayMs: 1 });
});

after(async () => {
  await server?.close();
  tmp.remove();
});

test("3000 malformed requests each get a 4xx answer and the server stays up", async () => {
  const requests = Array.from({ length: 3000 }, malformed);
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      const [body, type, path] = requests[i];
      const r = await call(server, "POST", path, body, { "content-type": type });
      assert.ok(r.status >= 400 && r.status < 500, `request ${i} (${body.slice(0, 120)}) got ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
      assert.equal(typeof r.body?.error?.message, "string", `request ${i} has no error message`);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  assert.ok((statuses.get(400) ?? 0) > 2000, `statuses ${JSON.stringify([...statuses])}`);
  assert.equal((await call(server, "GET", "/healthz")).status, 200);
  assert.equal((await predict(server, "m", [goodRow(1)])).status, 200);
});
