/** Display names of the metrics fit and evaluate report (src/train/named_metrics.ts), for chart titles and tables. */

const NAMES: Record<string, string> = {
  loss: "Loss",
  accuracy: "Accuracy",
  precision: "Precision",
  recall: "Recall",
  f1: "F1",
  precisionMacro: "Precision (macro)",
  recallMacro: "Recall (macro)",
  f1Macro: "F1 (macro)",
  precisionWeighted: "Precision (weighted)",
  recallWeighted: "Recall (weighted)",
  f1Weighted: "F1 (weighted)",
  rocAuc: "ROC AUC",
  prAuc: "PR AUC",
  logLoss: "Log loss",
  mse: "MSE",
  rmse: "RMSE",
  mae: "MAE",
  r2: "R²",
  lr: "Learning rate",
  threshold: "Threshold",
  positiveRate: "Positive rate",
};

/** "rocAuc" → "ROC AUC", "top3Accuracy" → "Top-3 accuracy"; other names are split at capitals ("myScore" → "My score"). */
export function metricLabel(name: string): string {
  if (Object.hasOwn(NAMES, name)) return NAMES[name];
  const topK = /^top(\d+)Accuracy$/.exec(name);
  if (topK) return `Top-${topK[1]} accuracy`;
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
