/**
 * Run reports: a training run as one self-contained HTML file (inline CSS and SVG charts,
 * no scripts or network), for people to look at after `fit`.
 */
export { renderReport } from "./html.js";
export { writeReport } from "./write.js";
export { binaryCurves } from "./binary_curves.js";
export type { ReportInput, RocCurveInput, PrCurveInput, ConfusionMatrixInput } from "./types.js";
