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

/** What a loaded model tells clients about itself (GET /v1/models/{name}). */
export interface ModelInfo {
  readonly task: "classification" | "regression";
  /** Class labels (classification), in the model's output order. */
  readonly labels: readonly (string | number | boolean)[] | null;
  /** The raw input features, in the order a positional instance ([v0, v1, …]) lists them. */
  readonly features: readonly FeatureSpec[];
  /** Metrics recorded at training time (test, validation, …), as the bundle saved them. */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** Anything else the bundle describes about itself (target column, created time, …). */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A validated instance: feature name → value, in the form the bundle's predictRecords takes. */
export type Instance = Record<string, string | number | boolean | null>;

/** One prediction as the bundle returns it (JSON): label and probabilities, or a value. */
export type Prediction = unknown;

/** A loaded model version that scores rows. */
export interface Predictor {
  readonly info: ModelInfo;
  /** How many batches it can score at once (its worker count); the batcher keeps this many in flight. */
  readonly capacity: number;
  /** False once it has no worker left to score with (GET /readyz answers 503). */
  readonly ready: boolean;
  predict(rows: Instance[]): Promise<Prediction[]>;
  /** Frees its workers; called once every batch sent to it has been answered. */
  close(): Promise<void>;
}

/**
 * A failure caused by the rows themselves (the preprocessing rejected a value), as opposed
 * to a server fault: `row` is the 0-based index within the rows scored, `field` the feature.
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
