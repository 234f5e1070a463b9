/** `lathe serve`: the HTTP inference server for model bundles and language models (see docs/SERVING.md). */
import { type Command, InvalidArgumentError } from "commander";
import { DEFAULTS, handleSignals, serve } from "../../serve/index.js";
import { integer } from "../args.js";
import { action, note, withCommonOptions } from "../output.js";

interface ServeFlags {
  port: number;
  host?: string;
  maxBatch: number;
  maxDelayMs: number;
  workers: number;
  apiKey?: string;
  maxRows: number;
  maxNewTokens: number;
  bodyLimit: number;
  logLevel: string;
}

function positive(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

function milliseconds(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0)) throw new InvalidArgumentError("expected a number of milliseconds >= 0");
  return n;
}

/** A size in bytes: 1048576, 512kb, 4mb. */
function bytes(value: string): number {
  const m = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(value.trim());
  if (!m || Number(m[1]) < 1) throw new InvalidArgumentError("expected a size such as 1048576, 512kb or 4mb");
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? "b").toLowerCase() as "b"];
  return Number(m[1]) * unit;
}

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function level(value: string): string {
  if (!LEVELS.includes(value)) throw new InvalidArgumentError(`expected one of ${LEVELS.join(", ")}`);
  return value;
}

export function registerServe(program: Command): void {
  const cmd = program
    .command("serve")
    .description(
      "serve model bundles over HTTP/JSON: POST /v1/models/{name}:predict for tabular models, POST /v1/models/{name}:generate (streaming) for language models; " +
        "with micro-batching, worker threads, metrics and hot reload",
    )
    .argument("<bundle...>", "model bundles, Lathe LM bundles, lathe lm train runs or Hugging Face GPT-2 directories; each is served under its directory's name, or under NAME with NAME=DIR")
    .option("--port <n>", "TCP port (0 picks a free one)", integer, DEFAULTS.port)
    .option("--host <address>", "interface to bind (default 127.0.0.1; 0.0.0.0 when an API key is set)")
    .option("--max-batch <rows>", "most rows scored together in one batch (1 turns batching off)", positive, DEFAULTS.maxBatch)
    .option("--max-delay-ms <ms>", "longest a request waits for others to batch with", milliseconds, DEFAULTS.maxDelayMs)
    .option("--workers <n>", "worker threads per model", positive, DEFAULTS.workers)
    .option("--api-key <key>", "require this key (Authorization: Bearer or X-API-Key); default: the LATHE_API_KEY environment variable")
    .option("--max-rows <n>", "most instances in one request (more is answered 413)", positive, DEFAULTS.maxRows)
    .option("--max-new-tokens <n>", "most tokens one generate request may ask for (more is answered 400)", positive, DEFAULTS.maxNewTokens)
    .option("--body-limit <size>", "largest request body, e.g. 4mb (more is answered 413)", bytes, DEFAULTS.bodyLimit)
    .option("--log-level <level>", `request and server log level (${LEVELS.join(", ")})`, level, "info");
  withCommonOptions(cmd, false).action(
    action(async (bundles: string[], flags: ServeFlags) => {
      const server = await serve({
        models: bundles,
        port: flags.port,
        host: flags.host,
        // The environment keeps the key out of `ps` and shell history.
        apiKey: flags.apiKey ?? process.env.LATHE_API_KEY ?? null,
        maxBatch: flags.maxBatch,
        maxDelayMs: flags.maxDelayMs,
        workers: flags.workers,
        maxRows: flags.maxRows,
        maxNewTokens: flags.maxNewTokens,
        bodyLimit: flags.bodyLimit,
        logger: { level: flags.logLevel },
      });
      handleSignals(server);
      // On stderr whatever the log level, so a person (or a script) always sees where to connect.
      const models = server.registry.list();
      const names = models.map((v) => `${v.spec.name} (${v.spec.dir}${v.info.languageModel ? ", language model" : ""})`);
      const routes = [...new Set(models.map((v) => (v.info.languageModel ? "generate" : "predict")))].sort().reverse();
      note(`lathe serve: serving ${names.join(", ")} at ${server.url}/v1/models/{name}:${routes.join("|")}`);
    }),
  );
}
