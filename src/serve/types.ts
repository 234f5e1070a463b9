/**
 * The shapes the server passes between its parts. A `Predictor` is the only thing the
 * HTTP side knows about a model: the server is written against it, not against the bundle
 * format, so the bundle adapter (model.ts) is the one file that knows how bundles load.
 */

/** A feature's type, as the data layer types columns. */
export type FeatureType = "numeric" | "boolean" | "date" | "categorical";

/** One input feature of a model, as a client must send it. */
export interface FeatureSpec {
  readonly name: string;
  readonly type: FeatureType;
  /** The categories seen in training (categorical features). */
  readonly categories?: readonly string[];
  /**
   * Whether a category outside `categories` can be scored: false when the saved encoder
   * rejects unknown categories, so the server answers 400 instead of failing the batch.
   */
  readonly acceptsUnknownCategories?: boolean;
  /** Whether null (missing) is accepted: true when the saved preprocessing imputes it. */
  readonly acceptsMissing?: boolean;
}

/** What a language model tells clients about itself. */
export interface LanguageModelInfo {
  /** The most tokens the model attends to; a longer prompt is refused. */
  readonly contextLength: number;
  /** Token ids run from 0 to vocabSize - 1. */
  readonly vocabSize: number;
  readonly tokenizer: "char" | "bpe";
}

/** What a loaded model tells clients about itself (GET /v1/models/{name}). */
export interface ModelInfo {
  readonly task: "classification" | "regression" | "text-generation";
  /** Class labels (classification), in the model's output order. */
  readonly labels: readonly (string | number | boolean)[] | null;
  /** The raw input features, in the order a positional instance ([v0, v1, …]) lists them. */
  readonly features: readonly FeatureSpec[];
  /** Metrics recorded at training time (test, validation, …), as the bundle saved them. */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** Anything else the bundle describes about itself (target column, created time, …). */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Set for a language model (served by :generate); tabular models leave it out. */
  readonly languageModel?: LanguageModelInfo;
}

/** A validated instance: feature name → value, in the form the bundle's predictRecords takes. */
export type Instance = Record<string, string | number | boolean | null>;

/** One prediction as the bundle returns it (JSON): label and probabilities, or a value. */
export type Prediction = unknown;

/** A checked generate request, as the worker runs it: `prompt` or `ids`, never both. */
export interface GenerateParams {
  readonly prompt: string | null;
  readonly ids: readonly number[] | null;
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topK: number | null;
  readonly topP: number | null;
  readonly seed: number;
  readonly stop: readonly string[];
}

/** Why generation ended: the token budget, a stop string, or the client went away. */
export type FinishReason = "length" | "stop" | "cancelled";

export interface Generated {
  readonly finish: FinishReason;
  /** Text held back until the end (a possible start of a stop string, an unfinished character); "" after a stop. */
  readonly tail: string;
}

/** What a generation reports as it goes. */
export interface GenerateHooks {
  /** Ends generation early: the request is dropped from the queue, or the worker stops after its current token. */
  readonly signal: AbortSignal;
  /** The prompt was accepted (tokenized, within the context); no token comes before this. */
  readonly onStart: (promptTokens: number) => void;
  /** Each new token, with the text it releases (possibly ""; see lm.ts). */
  readonly onToken: (token: number, text: string) => void;
}

/** A loaded model version: scores rows (tabular models) or generates text (language models). */
export interface Predictor {
  readonly info: ModelInfo;
  /** How many batches it can score at once (its worker count); the batcher keeps this many in flight. */
  readonly capacity: number;
  /** False once it has no worker left to score with (GET /readyz answers 503). */
  readonly ready: boolean;
  predict(rows: Instance[]): Promise<Prediction[]>;
  /** Generates text (language models); rejects with an InputError for a prompt the model cannot take. */
  generate(params: GenerateParams, hooks: GenerateHooks): Promise<Generated>;
  /** Refuses new work, finishes what it accepted, then frees its workers. */
  close(): Promise<void>;
}

/**
 * A failure caused by the request's data (the preprocessing rejected a value, the tokenizer a
 * prompt), as opposed to a server fault: `row` is the 0-based index within the rows scored,
 * `field` the feature or request field.
 */
export class InputError extends Error {
  constructor(
    message: string,
    readonly row: number | null,
    readonly field: string | null,
  ) {
    super(message);
    this.name = "InputError";
  }
}

/** A request that arrived while its model version was shutting down: 503, try again. */
export class UnavailableError extends Error {
  readonly statusCode = 503;
  constructor(message: string) {
    super(message);
    this.name = "UnavailableError";
  }
}
