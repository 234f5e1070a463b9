import { basename } from "node:path";
import type { ArchitectureConfig } from "../io/bundle_arch.js";
import { LATHE_VERSION } from "../io/bundle_manifest.js";
import type { ReportInput } from "../report/types.js";
import type { RunConfig } from "./config.js";
import type { Evaluation } from "./evaluation.js";
import { describeArchitecture } from "./output.js";
import type { TrainResult } from "./tabular_train.js";

/**
 * What report.html shows for a `lathe train` run: the per-epoch curves, the final metrics
 * of both held-out splits, the test split's confusion matrix and (two classes) ROC and PR
 * curves, the decisions the tool made on the data (as notes), and the run's facts.
 */
export function runReport(r: TrainResult, test: Evaluation, config: RunConfig, architecture: ArchitectureConfig, notes: readonly string[]): ReportInput {
  const o = config.optimizer;
  const cm = test.confusionMatrix;
  return {
    title: `${r.task === "classification" ? "Classifier" : "Regressor"} of "${r.target}" — ${basename(r.data)}`,
    task: r.task,
    history: r.history,
    metrics: r.metrics,
    // The report labels classes by text or number; a boolean class is shown as its text.
    ...(cm ? { confusionMatrix: { labels: cm.labels.map((l) => (typeof l === "boolean" ? String(l) : l)), matrix: cm.matrix } } : {}),
    ...(test.rocCurve ? { rocCurve: test.rocCurve } : {}),
    ...(test.prCurve ? { prCurve: test.prCurve } : {}),
    notes,
    meta: {
      data: r.data,
      target: r.target,
      rows: `train ${r.rows.train}, validation ${r.rows.validation}, test ${r.rows.test}`,
      model: describeArchitecture(architecture),
      parameters: String(r.parameters),
      optimizer: `${o.name}, lr ${o.lr}`,
      epochs: `${r.epochs} (weights of epoch ${r.bestEpoch})`,
      seed: String(config.training.seed),
      bundle: r.bundle,
      lathe: LATHE_VERSION,
    },
  };
}
