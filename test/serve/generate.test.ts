import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type IncomingHttpHeaders, request } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { io } from "../../src/index.js";
import { CharTokenizer, GPT, type LMTokenizer, TokenTextStream, encodePrompt, generate, generateText, loadPretrained, saveBundle, trainByteLevelBpe } from "../../src/llm/index.js";
import { StopText } from "../../src/serve/lm.js";
import { REPO } from "../helpers.js";
import { type Server, assertSamePredictions, call, goodRow, makeBundle, predict, startServer, tempDir } from "./helpers.js";

const TEXT = readFileSync(join(REPO, "test", "llm", "data", "tinyshakespeare_head.txt"), "utf8");
const MODEL = { blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 };
const CAP = 100_000;

const tmp = tempDir("lathe-serve-lm-");
let server: Server;
let lm: { model: GPT; tokenizer: LMTokenizer };
let bpe: { model: GPT; tokenizer: LMTokenizer };
let clf: io.TabularModel;

before(async () => {
  const charDir = join(tmp.dir, "lm");
  const chars = CharTokenizer.fromText(TEXT);
  await saveBundle(charDir, new GPT({ ...MODEL, vocabSize: chars.vocabSize }, { seed: 3 }), { tokenizer: chars, training: { note: "test" } });
  const bpeDir = join(tmp.dir, "bytes");
  const bytes = trainByteLevelBpe("h", { vocabSize: 257, specialTokens: ["<|endoftext|>"] });
  await saveBundle(bpeDir, new GPT({ ...MODEL, vocabSize: bytes.vocabSize }, { seed: 4 }), { tokenizer: bytes });
  const clfDir = await makeBundle(join(tmp.dir, "clf"), { seed: 1 });
  const loaded = await Promise.all([loadPretrained(charDir), loadPretrained(bpeDir)]);
  lm = { model: loaded[0].model, tokenizer: loaded[0].tokenizer! };
  bpe = { model: loaded[1].model, tokenizer: loaded[1].tokenizer! };
  clf = await io.loadModel(clfDir);
  server = await startServer({ models: [charDir, bpeDir, clfDir], maxNewTokens: CAP, bodyLimit: 64 * 1024 });
});

after(async () => {
  await server?.close();
  tmp.remove();
});

interface Event {
  event: string;
  data: any;
}

/** Parses a text/event-stream body into its events. */
function parseEvents(body: string): Event[] {
  return body
    .split("\n\n")
    .filter((block) => block.length > 0)
    .map((block) => {
      let event = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
        else assert.fail(`unexpected line in the event stream: ${JSON.stringify(line)}`);
      }
      return { event, data: JSON.parse(data) };
    });
}

/**
 * A generate request read as a stream. `until` sees the events so far and may end the
 * request early by returning true: the client then closes its connection.
 */
function streamGenerate(
  model: string,
  body: unknown,
  opts: { headers?: Record<string, string>; until?: (events: Event[]) => boolean } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; raw: string; events: Event[]; aborted: boolean }> {
  const url = new URL(server.url);
  const payload = JSON.stringify(body);
  const headers = { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)), accept: "text/event-stream", ...opts.headers };
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: `/v1/models/${model}:generate`, method: "POST", headers }, (res) => {
      let raw = "";
      let aborted = false;
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, events: res.statusCode === 200 ? parseEvents(raw) : [], aborted });
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        raw += chunk;
        const complete = raw.slice(0, raw.lastIndexOf("\n\n") + 2);
        if (!aborted && opts.until?.(parseEvents(complete))) {
          aborted = true;
          raw = complete;
          req.destroy();
          done();
        }
      });
      res.on("end", done);
      res.on("error", (e) => (aborted ? undefined : reject(e)));
    });
    req.on("error", (e) => (opts.until ? undefined : reject(e)));
    req.end(payload);
  });
}

const gen = (model: string, body: unknown, headers?: Record<string, string>) => call(server, "POST", `/v1/models/${model}:generate`, body, headers);

/** Greedy ids from llm.generate, the reference the server must match. */
function greedyIds(prompt: string, maxNewTokens: number): number[] {
  return [...generate(lm.model, encodePrompt(lm.tokenizer, prompt), { maxNewTokens, temperature: 0 })];
}

const metric = (pattern: RegExp) => Number(pattern.exec(server.metrics.render())?.[1] ?? 0);

describe("POST /v1/models/{name}:generate", () => {
  test("streams one data event per token, then a done event with the finish reason and counts", async () => {
    const r = await streamGenerate("lm", { prompt: "First", max_new_tokens: 12, temperature: 0 });
    assert.equal(r.status, 200);
    assert.match(String(r.headers["content-type"]), /^text\/event-stream/);
    assert.equal(r.headers["cache-control"], "no-cache");
    assert.equal(r.headers["x-lathe-model-version"], "1");
    const tokens = r.events.slice(0, -1);
    const last = r.events.at(-1)!;
    assert.ok(tokens.every((e) => e.event === "message" && Object.keys(e.data).join() === "token,text"));
    const ids = greedyIds("First", 12);
    assert.deepEqual(tokens.map((e) => e.data.token), ids);
    assert.equal(last.event, "done");
    assert.deepEqual({ ...last.data, seed: 0 }, { finish_reason: "length", prompt_tokens: 5, generated_tokens: 12, seed: 0, text: "" });
    assert.equal(tokens.map((e) => e.data.text).join("") + last.data.text, lm.tokenizer.decode(Int32Array.from(ids)));
    // Each event is one "data:" line (the done event adds its name), and the stream ends after it.
    assert.ok(r.raw.endsWith("\n\n") && r.raw.split("\n\n").length === 12 + 2);
  });

  test("answers once with JSON when not streaming: greedy text and ids equal llm.generate's", async () => {
    const r = await gen("lm", { prompt: "First", max_new_tokens: 30, temperature: 0 });
    assert.equal(r.status, 200);
    assert.match(String(r.headers["content-type"]), /^application\/json/);
    const ids = greedyIds("First", 30);
    assert.deepEqual(r.body.ids, ids);
    assert.equal(r.body.text, lm.tokenizer.decode(Int32Array.from(ids)));
    assert.equal(r.body.finish_reason, "length");
    assert.deepEqual([r.body.prompt_tokens, r.body.generated_tokens], [5, 30]);
    // The prompt as token ids gives the same answer.
    const byIds = await gen("lm", { ids: [...encodePrompt(lm.tokenizer, "First")], max_new_tokens: 30, temperature: 0, stream: false });
    assert.deepEqual(byIds.body.ids, ids);
  });

  test("`stream` defaults to whether the request accepts text/event-stream", async () => {
    const body = { prompt: "Fi", max_new_tokens: 3, seed: 1 };
    assert.match(String((await gen("lm", body)).headers["content-type"]), /^application\/json/);
    assert.match(String((await gen("lm", body, { accept: "application/json, text/event-stream" })).headers["content-type"]), /^text\/event-stream/);
    assert.match(String((await gen("lm", { ...body, stream: false }, { accept: "text/event-stream" })).headers["content-type"]), /^application\/json/);
  });

  test("a seed and the options give the text lathe lm generate gives (generateText, its defaults)", async () => {
    const expected = generateText(lm.model, lm.tokenizer, "First", { maxNewTokens: 40, temperature: 0.8, topK: 20, topP: 0.9, seed: 7 });
    const r = await gen("lm", { prompt: "First", max_new_tokens: 40, top_k: 20, top_p: 0.9, seed: 7 });
    assert.equal(r.body.text, expected);
    assert.equal(r.body.seed, 7);
    const streamed = await streamGenerate("lm", { prompt: "First", max_new_tokens: 40, top_k: 20, top_p: 0.9, seed: 7 });
    assert.equal(streamed.events.map((e) => e.data.text).join(""), expected);
    // Without a seed the server picks one and says which, so the text can be had again.
    const unseeded = await gen("lm", { prompt: "First", max_new_tokens: 20 });
    assert.ok(Number.isInteger(unseeded.body.seed));
    assert.equal((await gen("lm", { prompt: "First", max_new_tokens: 20, seed: unseeded.body.seed })).body.text, unseeded.body.text);
  });

  test("a byte-level BPE model's pieces never split a character, streamed or not", async () => {
    const prompt = "h😀é";
    const body = { prompt, max_new_tokens: 60, temperature: 1, seed: 3 };
    const expected = generateText(bpe.model, bpe.tokenizer, prompt, { maxNewTokens: 60, temperature: 1, seed: 3 });
    const whole = await gen("bytes", body);
    assert.equal(whole.body.text, expected);
    const streamed = await streamGenerate("bytes", body);
    const pieces = streamed.events.map((e) => e.data.text as string);
    assert.equal(pieces.join(""), expected);
    assert.equal(streamed.events.length, 61);
    for (const p of pieces) assert.equal(Buffer.from(p, "utf8").toString("utf8"), p, "a piece is whole UTF-8");
  });

  test("text pieces wait for a character's last byte and for what may begin a stop string", () => {
    const tok = trainByteLevelBpe("h", { vocabSize: 256 });
    const decoder = new TokenTextStream(tok);
    const text = new StopText(["😀!"]);
    const pieces = [...tok.encode("h😀é😀!")].map((id) => text.push(decoder.push(id)));
    // h, the emoji's 4 bytes (held: it may begin the stop), é's 2 bytes (the emoji is released with é), the emoji again, "!" ends it.
    assert.deepEqual(pieces.map((p) => p.text), ["h", "", "", "", "", "", "😀é", "", "", "", "", ""]);
    assert.deepEqual(pieces.map((p) => p.stopped), [...Array(11).fill(false), true]);
    const two = new StopText(["ab", "b"]);
    assert.deepEqual([two.push("xa"), two.push("bc")], [{ text: "x", stopped: false }, { text: "", stopped: true }]);
    const open = new StopText(["ab"]);
    assert.deepEqual([open.push("xa").text, open.finish("")], ["x", "a"]);
  });

  test("a stop string ends generation and is trimmed from the text, streamed or not", async () => {
    const full = (await gen("lm", { prompt: "First", max_new_tokens: 40, temperature: 0 })).body.text as string;
    const stop = full.slice(20, 22);
    const at = full.indexOf(stop);
    const body = { prompt: "First", max_new_tokens: 40, temperature: 0, stop: [stop, "never seen: ✓"] };
    const r = await gen("lm", body);
    assert.deepEqual([r.body.text, r.body.finish_reason], [full.slice(0, at), "stop"]);
    // The tokens that spelled the stop string were generated (one character per token here).
    assert.equal(r.body.ids.length, at + stop.length);
    assert.equal(r.body.text + stop, generateText(lm.model, lm.tokenizer, "First", { maxNewTokens: 40, temperature: 0, stop: [stop] }));
    const streamed = await streamGenerate("lm", body);
    const last = streamed.events.at(-1)!;
    assert.deepEqual([last.event, last.data.finish_reason, last.data.generated_tokens], ["done", "stop", at + stop.length]);
    assert.equal(streamed.events.map((e) => e.data.text).join(""), full.slice(0, at));
    // A single string works too.
    assert.equal((await gen("lm", { ...body, stop })).body.text, full.slice(0, at));
  });

  test("bad requests are 400s naming the field", async () => {
    const ok = { prompt: "First" };
    const cases: [unknown, string][] = [
      [{}, "prompt"],
      [{ prompt: "a", ids: [1] }, "ids"],
      [{ prompt: 5 }, "prompt"],
      [{ prompt: "" }, "prompt"],
      [{ prompt: "a".repeat(17) }, "prompt"],
      [{ prompt: "€uro" }, "prompt"],
      [{ ids: [] }, "ids"],
      [{ ids: [1.5] }, "ids"],
      [{ ids: [-1] }, "ids"],
      [{ ids: [lm.model.config.vocabSize] }, "ids"],
      [{ ids: Array(17).fill(1) }, "ids"],
      [{ ids: "12" }, "ids"],
      ...[0, 1.5, "3", CAP + 1].map((v): [unknown, string] => [{ ...ok, max_new_tokens: v }, "max_new_tokens"]),
      ...[-1, "hot", 1e3, null].map((v): [unknown, string] => [{ ...ok, temperature: v }, "temperature"]),
      ...[0, 2.5].map((v): [unknown, string] => [{ ...ok, top_k: v }, "top_k"]),
      ...[0, 1.5].map((v): [unknown, string] => [{ ...ok, top_p: v }, "top_p"]),
      ...[-1, 1.5, 2 ** 32].map((v): [unknown, string] => [{ ...ok, seed: v }, "seed"]),
      ...["", [""], 5, [1], Array(17).fill("a"), { s: "a" }].map((v): [unknown, string] => [{ ...ok, stop: v }, "stop"]),
      [{ ...ok, stream: "yes" }, "stream"],
      [{ ...ok, maxNewTokens: 5 }, "maxNewTokens"],
    ];
    for (const [body, field] of cases) {
      const r = await gen("lm", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, "invalid_request", JSON.stringify(body));
      assert.equal(r.body.error.field, field, `${JSON.stringify(body)}: ${r.body.error.message}`);
      assert.ok(r.body.error.message.includes(field), `${JSON.stringify(body)}: ${r.body.error.message}`);
    }
    // Refused before anything is streamed, even when the client asked for a stream.
    const streamed = await gen("lm", { prompt: "a".repeat(17) }, { accept: "text/event-stream" });
    assert.equal(streamed.status, 400);
    assert.match(streamed.body.error.message, /17 tokens, longer than the model's context of 16 tokens/);
    assert.equal((await gen("lm", "{not json")).status, 400);
    assert.equal((await gen("lm", [1, 2])).status, 400);
    const big = await gen("lm", { prompt: "a".repeat(70_000) });
    assert.deepEqual([big.status, big.body.error.code], [413, "body_too_large"]);
  });

  test("unknown models are 404; the wrong route for a model's kind is a 400 that names the right one", async () => {
    const r = await gen("nope", { prompt: "a" });
    assert.deepEqual([r.status, r.body.error.code], [404, "not_found"]);
    const tabular = await gen("clf", { prompt: "a" });
    assert.deepEqual([tabular.status, tabular.body.error.code], [400, "wrong_model_kind"]);
    assert.match(tabular.body.error.message, /:predict/);
    const language = await predict(server, "lm", [goodRow()]);
    assert.deepEqual([language.status, language.body.error.code], [400, "wrong_model_kind"]);
    assert.match(language.body.error.message, /language model.*:generate/);
  });

  test("a language model describes itself: task, context, vocabulary, tokenizer", async () => {
    const list = await call(server, "GET", "/v1/models");
    assert.deepEqual(list.body.models.map((m: { name: string; task: string }) => [m.name, m.task]), [["lm", "text-generation"], ["bytes", "text-generation"], ["clf", "classification"]]);
    const r = await call(server, "GET", "/v1/models/lm");
    assert.deepEqual(r.body.languageModel, { contextLength: 16, vocabSize: lm.model.config.vocabSize, tokenizer: "char" });
    assert.deepEqual(r.body.metadata.training, { note: "test" });
    assert.equal((await call(server, "GET", "/v1/models/clf")).body.languageModel, undefined);
  });

  test("a client that disconnects mid-stream stops its generation; the server stays healthy", async () => {
    const cancelled = /lathe_generations_total\{model="lm",finish="cancelled"\} (\d+)/;
    const tokens = /lathe_generated_tokens_total\{model="lm"\} (\d+)/;
    const before = { cancelled: metric(cancelled), tokens: metric(tokens) };
    const r = await streamGenerate("lm", { prompt: "First", max_new_tokens: CAP, seed: 1 }, { until: (events) => events.length >= 3 });
    assert.equal(r.aborted, true);
    while (metric(cancelled) === before.cancelled) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(metric(tokens) - before.tokens < CAP, "generation stopped before its budget");
    assert.equal((await call(server, "GET", "/healthz")).status, 200);
    // The one worker is free again: the next request is answered.
    const next = await gen("lm", { prompt: "First", max_new_tokens: 5, temperature: 0 });
    assert.deepEqual(next.body.ids, greedyIds("First", 5));
  });

  test("generation runs beside predictions and other generations, each answered correctly", async () => {
    let predicted: Promise<unknown> | null = null;
    const rows = Array.from({ length: 5 }, (_, i) => goodRow(i));
    // While a long generation streams, predictions and health checks are answered.
    const long = streamGenerate("lm", { prompt: "First", max_new_tokens: CAP, seed: 2 }, {
      until: (events) => {
        predicted ??= Promise.all([predict(server, "clf", rows), call(server, "GET", "/healthz")]);
        return events.length >= 2;
      },
    });
    await long;
    const [p, health] = (await predicted!) as [{ status: number; body: { predictions: unknown[] } }, { status: number }];
    assert.deepEqual([p.status, health.status], [200, 200]);
    assertSamePredictions(p.body.predictions, clf.predictRecords(rows));
    const answers = await Promise.all([
      gen("lm", { prompt: "First", max_new_tokens: 10, temperature: 0 }),
      gen("bytes", { prompt: "hh", max_new_tokens: 10, seed: 5 }),
      predict(server, "clf", rows),
      streamGenerate("lm", { prompt: "Second", max_new_tokens: 10, temperature: 0 }),
      predict(server, "clf", rows.slice(0, 2)),
    ]);
    assert.deepEqual(answers[0].body.ids, greedyIds("First", 10));
    assert.equal(answers[1].body.text, generateText(bpe.model, bpe.tokenizer, "hh", { maxNewTokens: 10, temperature: 0.8, seed: 5 }));
    assertSamePredictions(answers[2].body.predictions, clf.predictRecords(rows));
    assert.deepEqual((answers[3] as { events: Event[] }).events.slice(0, -1).map((e) => e.data.token), greedyIds("Second", 10));
    assertSamePredictions(answers[4].body.predictions, clf.predictRecords(rows.slice(0, 2)));
  });

  test("metrics count generations, tokens and time to first token", async () => {
    const before = metric(/lathe_generated_tokens_total\{model="bytes"\} (\d+)/);
    await gen("bytes", { prompt: "h", max_new_tokens: 4, seed: 1 });
    const text = server.metrics.render();
    assert.equal(metric(/lathe_generated_tokens_total\{model="bytes"\} (\d+)/) - before, 4);
    assert.match(text, /lathe_generations_total\{model="bytes",finish="length"\} \d+/);
    assert.match(text, /lathe_time_to_first_token_seconds_count\{model="bytes"\} \d+/);
    assert.match(text, /lathe_http_requests_total\{route="\/v1\/models\/\{name\}:generate",method="POST",status="200"\} \d+/);
  });
});
