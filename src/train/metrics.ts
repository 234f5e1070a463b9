/**
 * Metrics as plain functions over tensors or arrays, with sklearn's definitions: labels for
 * accuracy and the class scores, scores or probabilities for the ranking metrics and
 * log-loss, values for regression. fit and evaluate report them by name (named_metrics.ts).
 */
export { type MetricInput, UndefinedMetricError } from "./metric_input.js";
export {
  accuracy, confusionMatrix, precision, recall, f1, topKAccuracy, logLoss,
  type Average, type ClassScoreOptions, type ConfusionMatrix, type LogLossOptions,
} from "./classification.js";
export { rocAuc, rocCurve, prAuc, type RankingOptions, type RocCurve } from "./ranking.js";
export { mse, rmse, mae, r2 } from "./regression.js";
