/**
 * Server metrics in the Prometheus text exposition format (version 0.0.4): counters,
 * gauges and histograms with labels, rendered on each scrape of GET /metrics. Label sets
 * come from route patterns and model names, never from raw URLs, so their number stays
 * bounded whatever clients send.
 */

type Labels = Readonly<Record<string, string>>;

/** A label value escaped as the format requires (backslash, double quote, newline). */
function escape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`);
  if (extra) pairs.push(`${extra[0]}="${escape(extra[1])}"`);
  return pairs.length ? `{${pairs.join(",")}}` : "";
}

/** Numbers as Prometheus writes them (+Inf, not Infinity). */
function num(v: number): string {
  return v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v);
}

/**
 * A series' key: names and values joined with separators no label uses. Callers pass a
 * family's labels in one fixed order, so no sort is needed on this per-request path.
 */
const keyOf = (labels: Labels) => {
  let key = "";
  for (const name in labels) key += `${name}\u0001${labels[name]}\u0000`;
  return key;
};

interface Metric {
  render(): string;
}

abstract class Family<T> implements Metric {
  protected readonly series = new Map<string, { labels: Labels; value: T }>();
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly type: "counter" | "gauge" | "histogram",
  ) {}

  protected entry(labels: Labels, init: () => T): T {
    const key = keyOf(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { ...labels }, value: init() };
      this.series.set(key, s);
    }
    return s.value;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.series.values()) lines.push(...this.sample(labels, value));
    return lines.join("\n");
  }

  protected abstract sample(labels: Labels, value: T): string[];
}

export class Counter extends Family<{ v: number }> {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }
  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels, () => ({ v: 0 })).v += by;
  }
  protected sample(labels: Labels, value: { v: number }): string[] {
    return [`${this.name}${labelText(labels)} ${num(value.v)}`];
  }
}

export class Gauge extends Family<{ v: number }> {
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }
  set(labels: Labels, v: number): void {
    this.entry(labels, () => ({ v: 0 })).v = v;
  }
  protected sample(labels: Labels, value: { v: number }): string[] {
    return [`${this.name}${labelText(labels)} ${num(value.v)}`];
  }
}

interface Buckets {
  counts: Float64Array;
  sum: number;
  count: number;
}

/** A histogram with fixed upper bounds; bucket counts are cumulative as Prometheus expects. */
export class Histogram extends Family<Buckets> {
  constructor(
    name: string,
    help: string,
    private readonly bounds: readonly number[],
  ) {
    super(name, help, "histogram");
  }
  observe(labels: Labels, v: number): void {
    const b = this.entry(labels, () => ({ counts: new Float64Array(this.bounds.length), sum: 0, count: 0 }));
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]) b.counts[i]++;
    b.sum += v;
    b.count++;
  }
  protected sample(labels: Labels, b: Buckets): string[] {
    const lines = this.bounds.map((le, i) => `${this.name}_bucket${labelText(labels, ["le", num(le)])} ${b.counts[i]}`);
    lines.push(`${this.name}_bucket${labelText(labels, ["le", "+Inf"])} ${b.count}`);
    lines.push(`${this.name}_sum${labelText(labels)} ${num(b.sum)}`, `${this.name}_count${labelText(labels)} ${b.count}`);
    return lines;
  }
}

/** Powers of two up to (and including) `max`: batch-size buckets that show how full batches run. */
function powersOfTwo(max: number): number[] {
  const out: number[] = [];
  for (let b = 1; b < max; b *= 2) out.push(b);
  out.push(max);
  return out;
}

/** Every metric the server keeps. */
export class ServerMetrics {
  readonly requests = new Counter("lathe_http_requests_total", "HTTP requests answered, by route pattern, method and status code.");
  readonly latency = new Histogram("lathe_http_request_duration_seconds", "Time from receiving a request to sending its answer, by route pattern.", [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  ]);
  readonly predictedRows = new Counter("lathe_predicted_rows_total", "Rows scored, by model.");
  readonly batchSize: Histogram;
  readonly loadSeconds = new Gauge("lathe_model_load_seconds", "Time the current version of a model took to load in all its workers.");
  readonly version = new Gauge("lathe_model_version", "The version number of each model now serving (1 at start, +1 per reload).");
  readonly reloads = new Counter("lathe_model_reloads_total", "Reloads by model and result (ok, failed).");
  readonly generations = new Counter("lathe_generations_total", "Generate requests that were accepted, by model and how they ended (length, stop, cancelled, error).");
  readonly generatedTokens = new Counter("lathe_generated_tokens_total", "Tokens generated, by model (a cancelled generation counts the tokens it made).");
  readonly timeToFirstToken = new Histogram("lathe_time_to_first_token_seconds", "Time from receiving a generate request to its first token (queueing and the prompt's forward pass included), by model.", [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
  ]);
  private readonly all: Metric[];

  constructor(maxBatch: number) {
    this.batchSize = new Histogram("lathe_batch_size_rows", "Rows per batch sent to the model, by model.", powersOfTwo(Math.max(1, maxBatch)));
    this.all = [
      this.requests,
      this.latency,
      this.predictedRows,
      this.batchSize,
      this.loadSeconds,
      this.version,
      this.reloads,
      this.generations,
      this.generatedTokens,
      this.timeToFirstToken,
    ];
  }

  render(): string {
    return this.all.map((m) => m.render()).join("\n") + "\n";
  }
}
