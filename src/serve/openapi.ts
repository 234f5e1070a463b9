/**
 * The server's OpenAPI 3 document, served at GET /openapi.json and kept in the repository
 * as docs/openapi.json (regenerate it with `node dist/src/serve/openapi.js`; a test checks
 * that the two agree). The request-body schemas here are also the ones Fastify validates
 * predict and generate requests with, so the document cannot drift from what the server enforces.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LATHE_VERSION } from "../io/bundle_manifest.js";

/** The envelope of a predict request; each instance is checked against the model's schema afterwards (schema.ts). */
export const PREDICT_BODY = {
  type: "object",
  required: ["instances"],
  additionalProperties: false,
  properties: {
    instances: {
      type: "array",
      minItems: 1,
      description:
        "Rows to score: objects {feature: value} with exactly the model's features (null for a missing value where the model imputes it), " +
        "or arrays of values in the order of the model's features (GET /v1/models/{name}).",
    },
  },
} as const;

/** The largest seed (seeds are 32-bit; a request without one gets a random one, reported back). */
export const MAX_SEED = 4294967295;

/**
 * The body of a generate request. Ranges live here; what depends on the model or the server
 * (token ids within the vocabulary, the prompt within the context, max_new_tokens within
 * --max-new-tokens, prompt or ids but not both) is checked by the route.
 */
export const GENERATE_BODY = {
  type: "object",
  additionalProperties: false,
  properties: {
    prompt: { type: "string", description: "The text to continue. Give this or `ids`." },
    ids: { type: "array", minItems: 1, items: { type: "integer", minimum: 0 }, description: "The prompt as token ids, instead of `prompt`." },
    max_new_tokens: { type: "integer", minimum: 1, description: "Tokens to generate at most (default 200, or the server's --max-new-tokens if lower; more than that is a 400)." },
    temperature: { type: "number", minimum: 0, maximum: 100, description: "Sampling temperature; 0 is greedy. Default 0.8, as `lathe lm generate`." },
    top_k: { type: "integer", minimum: 1, description: "Sample from the k most likely tokens." },
    top_p: { type: "number", exclusiveMinimum: 0, maximum: 1, description: "Sample from the most likely tokens that make up probability p." },
    seed: { type: "integer", minimum: 0, maximum: MAX_SEED, description: "Sampling seed: the same seed and options give the same text as `lathe lm generate --seed`. Default: a random seed, reported in the answer." },
    stop: {
      type: ["string", "array"],
      minLength: 1,
      maxLength: 256,
      maxItems: 16,
      items: { type: "string", minLength: 1, maxLength: 256 },
      description: "A string or a list of strings: generation ends once the new text contains one; the text is answered without it.",
    },
    stream: { type: "boolean", description: "Server-sent events, one per token (default: true when the request accepts text/event-stream)." },
  },
} as const;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({ description, content: { "application/json": { schema } } });
const error = (description: string) => json(ref("Error"), description);
const nameParam = { name: "name", in: "path", required: true, description: "The model's name (its bundle directory's base name, or as given with name=dir).", schema: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$" } };
const authErrors = { 401: error("Missing or wrong API key (only when the server was started with one).") };

const SCHEMAS = {
  PredictRequest: PREDICT_BODY,
  GenerateRequest: GENERATE_BODY,
  GenerateResponse: {
    type: "object",
    required: ["text", "ids", "finish_reason", "prompt_tokens", "generated_tokens", "seed"],
    properties: {
      text: { type: "string", description: "The new text (without the prompt), ending before the stop string when one stopped it." },
      ids: { type: "array", items: { type: "integer" }, description: "Every token generated, those that spelled the stop string included." },
      finish_reason: { type: "string", enum: ["length", "stop"], description: "length: max_new_tokens were generated; stop: a stop string appeared." },
      prompt_tokens: { type: "integer" },
      generated_tokens: { type: "integer" },
      seed: { type: "integer", description: "The seed used (the request's, or the random one chosen)." },
    },
  },
  TokenEvent: {
    type: "object",
    description: "A streamed event (`data:` line) per generated token.",
    required: ["token", "text"],
    properties: {
      token: { type: "integer", description: "The token id." },
      text: {
        type: "string",
        description:
          "The text this token releases: empty while a character's UTF-8 bytes are incomplete or the text may be the start of a stop string, " +
          "and then more than the token's own text. All events' text, the done event's included, concatenated is the answer's text.",
      },
    },
  },
  DoneEvent: {
    type: "object",
    description: "The last streamed event (`event: done`); the stream then closes. After a failure, `event: error` with an Error instead.",
    required: ["finish_reason", "text", "prompt_tokens", "generated_tokens", "seed"],
    properties: {
      finish_reason: { type: "string", enum: ["length", "stop"] },
      text: { type: "string", description: "Text held back until the end (usually empty)." },
      prompt_tokens: { type: "integer" },
      generated_tokens: { type: "integer" },
      seed: { type: "integer" },
    },
  },
  Prediction: {
    oneOf: [
      {
        type: "object",
        description: "Classification: the most probable class and every class's probability.",
        required: ["label", "probabilities"],
        properties: { label: { oneOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }] }, probabilities: { type: "object", additionalProperties: { type: "number" } } },
      },
      { type: "object", description: "Regression: the predicted value.", required: ["value"], properties: { value: { type: "number" } } },
    ],
  },
  PredictResponse: {
    type: "object",
    required: ["predictions"],
    properties: { predictions: { type: "array", items: ref("Prediction"), description: "One prediction per instance, in order; the same as `lathe predict` gives for the same rows." } },
  },
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: {
            type: "string",
            description: "A stable identifier: invalid_request, invalid_instance, wrong_model_kind, too_many_rows, body_too_large, unauthorized, not_found, reload_failed, unavailable, internal.",
          },
          message: { type: "string" },
          row: { type: "integer", description: "invalid_instance: the 0-based index of the instance at fault." },
          field: { type: "string", description: "invalid_instance: the feature at fault; invalid_request: the request field at fault, if one is." },
        },
      },
    },
  },
  Feature: {
    type: "object",
    required: ["name", "type", "acceptsMissing"],
    properties: {
      name: { type: "string" },
      type: { type: "string", enum: ["numeric", "boolean", "date", "categorical"], description: "numeric: a JSON number; boolean: true/false; date: an ISO 8601 string; categorical: a string." },
      categories: { type: "array", items: { type: "string" }, description: "Categorical features: the categories seen in training." },
      acceptsUnknownCategories: { type: "boolean", description: "Categorical features: false when another category is answered with 400." },
      acceptsMissing: { type: "boolean", description: "Whether null is accepted (the saved preprocessing imputes it)." },
    },
  },
  ModelSummary: {
    type: "object",
    properties: {
      name: { type: "string" },
      version: { type: "integer", description: "1 when the server started, one more per reload." },
      task: { type: "string", enum: ["classification", "regression", "text-generation"], description: "text-generation: a language model, served by :generate." },
      loadedAt: { type: "string", format: "date-time" },
    },
  },
  ModelDetail: {
    allOf: [
      ref("ModelSummary"),
      {
        type: "object",
        properties: {
          loadSeconds: { type: "number" },
          labels: { type: "array", nullable: true, items: {}, description: "Class labels in output order (classification)." },
          features: { type: "array", items: ref("Feature"), description: "The input schema, in the order of positional instances." },
          metrics: { type: "object", description: "Metrics recorded at training time, by split (test, validation)." },
          metadata: { type: "object", description: "Target column, architecture, parameter count, training facts." },
          serving: { type: "object", description: "Batching and worker settings this model is served with." },
          languageModel: {
            type: "object",
            description: "Language models only.",
            properties: { contextLength: { type: "integer" }, vocabSize: { type: "integer" }, tokenizer: { type: "string", enum: ["char", "bpe"] } },
          },
        },
      },
    ],
  },
};

/** The OpenAPI 3 document of the server's HTTP API. */
export function openapiDocument(): Record<string, unknown> {
  return {
    openapi: "3.0.3",
    info: {
      title: "Lathe model server",
      version: LATHE_VERSION,
      description:
        "Serves Lathe model bundles and language models (`lathe serve <dir>...`). Predict requests are validated against each model's input schema, " +
        "batched dynamically across clients and scored in worker threads; generate requests run in worker threads too and stream tokens as server-sent events. See docs/SERVING.md.",
    },
    servers: [{ url: "http://127.0.0.1:8080" }],
    security: [{}, { bearer: [] }, { apiKey: [] }],
    paths: {
      "/v1/models/{name}:predict": {
        post: {
          summary: "Score instances with a model",
          parameters: [nameParam],
          requestBody: { required: true, content: { "application/json": { schema: ref("PredictRequest") } } },
          responses: {
            200: json(ref("PredictResponse"), "One prediction per instance."),
            400: error("Malformed JSON, a bad envelope, an instance that does not fit the model's schema (the error names the row and field), or a language model (wrong_model_kind)."),
            ...authErrors,
            404: error("No model of that name is served."),
            413: error("The body exceeds the body limit, or it holds more instances than the per-request row limit."),
            415: error("The body is not application/json."),
            503: error("The server is shutting down."),
          },
        },
      },
      "/v1/models/{name}:generate": {
        post: {
          summary: "Continue a prompt with a language model, streaming tokens as server-sent events or answering once",
          description:
            "With `stream` (the default when the request accepts text/event-stream) the answer is text/event-stream: one `data:` event per token (TokenEvent), " +
            "then `event: done` (DoneEvent), then the stream closes. Without it, one GenerateResponse. A client that disconnects ends its generation.",
          parameters: [nameParam],
          requestBody: { required: true, content: { "application/json": { schema: ref("GenerateRequest") } } },
          responses: {
            200: {
              description: "The generation.",
              content: { "application/json": { schema: ref("GenerateResponse") }, "text/event-stream": { schema: { type: "string", description: "TokenEvent data events, then a DoneEvent." } } },
            },
            400: error("A bad field (the error names it), a prompt longer than the model's context or with characters its tokenizer lacks, or a model that is not a language model (wrong_model_kind)."),
            ...authErrors,
            404: error("No model of that name is served."),
            413: error("The body exceeds the body limit."),
            415: error("The body is not application/json."),
            503: error("The server is shutting down."),
          },
        },
      },
      "/v1/models/{name}:reload": {
        post: {
          summary: "Load the model's bundle directory again and swap the new version in",
          description: "Requests already accepted finish on the old version; a bundle that fails to load leaves the old version serving. SIGHUP reloads every model.",
          parameters: [nameParam],
          responses: { 200: json(ref("ModelSummary"), "The version now serving."), ...authErrors, 404: error("No model of that name is served."), 500: error("The bundle could not be loaded; the old version is still serving.") },
        },
      },
      "/v1/models": {
        get: { summary: "The models served", responses: { 200: json({ type: "object", properties: { models: { type: "array", items: ref("ModelSummary") } } }, "The models."), ...authErrors } },
      },
      "/v1/models/{name}": {
        get: { summary: "A model's input schema, labels and training metrics", parameters: [nameParam], responses: { 200: json(ref("ModelDetail"), "The model."), ...authErrors, 404: error("No model of that name is served.") } },
      },
      "/healthz": { get: { summary: "Liveness: the process answers", security: [{}], responses: { 200: json({ type: "object" }, "Alive.") } } },
      "/readyz": { get: { summary: "Readiness: every model is loaded and has a worker", security: [{}], responses: { 200: json({ type: "object" }, "Ready."), 503: json({ type: "object" }, "Not ready (shutting down, or a model lost its workers).") } } },
      "/metrics": { get: { summary: "Prometheus metrics (text format 0.0.4)", responses: { 200: { description: "Metrics.", content: { "text/plain": { schema: { type: "string" } } } }, ...authErrors } } },
      "/openapi.json": { get: { summary: "This document", responses: { 200: json({ type: "object" }, "The OpenAPI document."), ...authErrors } } },
    },
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "The key given with --api-key or LATHE_API_KEY." },
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      },
    },
  };
}

/** docs/openapi.json, from the repository root. */
export const OPENAPI_FILE = fileURLToPath(new URL("../../../docs/openapi.json", import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, `${JSON.stringify(openapiDocument(), null, 2)}\n`);
  console.log(`wrote ${OPENAPI_FILE}`);
}
