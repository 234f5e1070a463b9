import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type Server, call, goodRow, makeBundle, predict, startServer, tempDir } from "./helpers.js";

const KEY = "s3cret-key-for-tests";
const tmp = tempDir();
let server: Server;

before(async () => {
  server = await startServer({ models: [await makeBundle(join(tmp.dir, "m"))], apiKey: KEY });
});

after(async () => {
  await server?.close();
  tmp.remove();
});

test("requests without the key, or with a wrong one, get 401 and say how to send it", async () => {
  const attempts: Record<string, string>[] = [{}, { authorization: "Bearer nope" }, { authorization: `Bearer ${KEY}x` }, { "x-api-key": KEY.slice(0, -1) }, { authorization: KEY }];
  for (const headers of attempts) {
    const r = await predict(server, "m", [goodRow()], headers);
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.equal(r.body.error.code, "unauthorized");
    assert.match(r.body.error.message, /Authorization: Bearer <key>/);
    assert.equal(r.headers["www-authenticate"], 'Bearer realm="lathe"');
  }
  for (const path of ["/v1/models", "/v1/models/m", "/metrics", "/openapi.json", "/no/such/route"]) {
    assert.equal((await call(server, "GET", path)).status, 401, path);
  }
  assert.equal((await call(server, "POST", "/v1/models/m:generate", { prompt: "a" })).status, 401);
});

test("the key as a bearer token or an X-API-Key header is let through", async () => {
  assert.equal((await predict(server, "m", [goodRow()], { authorization: `Bearer ${KEY}` })).status, 200);
  assert.equal((await predict(server, "m", [goodRow()], { "x-api-key": KEY })).status, 200);
  assert.equal((await call(server, "GET", "/metrics", undefined, { "x-api-key": KEY })).status, 200);
});

test("health checks need no key", async () => {
  assert.equal((await call(server, "GET", "/healthz")).status, 200);
  assert.equal((await call(server, "GET", "/readyz")).status, 200);
});
