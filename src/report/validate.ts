import type { ReportInput } from "./types.js";

/**
 * Checks the shape of a report's input, so that a mistake in the calling code is an error
 * that names the field rather than a broken page. Values themselves may be anything: NaN
 * metrics and hostile label text are rendered safely, not rejected.
 */
export function checkInput(input: ReportInput): void {
  const op = "renderReport";
  if (input === null || typeof input !== "object") throw new TypeError(`${op}: input must be an object with at least title and task`);
  if (typeof input.title !== "string") throw new TypeError(`${op}: title must be a string, got ${typeof input.title}`);
  if (input.task !== "classification" && input.task !== "regression") {
    throw new TypeError(`${op}: task must be "classification" or "regression", got ${JSON.stringify(input.task)}`);
  }
  if (input.history !== undefined && !Array.isArray(input.history?.epochs)) throw new TypeError(`${op}: history must be { epochs: [...] } as fit returns it`);
  if (input.monitor !== undefined && typeof input.monitor !== "string") throw new TypeError(`${op}: monitor must be the name of a logged value, such as "valLoss"`);
  if (input.headline !== undefined && !Array.isArray(input.headline)) throw new TypeError(`${op}: headline must be an array of metric names`);
  for (const split of ["validation", "test"] as const) {
    for (const [k, v] of Object.entries(input.metrics?.[split] ?? {})) {
      if (typeof v !== "number") throw new TypeError(`${op}: metrics.${split}.${k} must be a number, got ${typeof v}`);
    }
  }
  const cm = input.confusionMatrix;
  if (cm) {
    const n = cm.labels?.length ?? 0;
    if (n === 0) throw new RangeError(`${op}: confusionMatrix.labels is empty`);
    if (cm.matrix?.length !== n) throw new RangeError(`${op}: confusionMatrix has ${n} labels but ${cm.matrix?.length ?? 0} rows`);
    cm.matrix.forEach((row, i) => {
      if (row.length !== n) throw new RangeError(`${op}: confusionMatrix row ${i} has ${row.length} counts for ${n} labels`);
      if (row.some((c) => !(Number.isFinite(c) && c >= 0))) throw new RangeError(`${op}: confusionMatrix row ${i} holds a count that is not a finite number >= 0`);
    });
  }
  const roc = input.rocCurve;
  if (roc && roc.fpr?.length !== roc.tpr?.length) throw new RangeError(`${op}: rocCurve has ${roc.fpr?.length} fpr and ${roc.tpr?.length} tpr values`);
  const pr = input.prCurve;
  if (pr && pr.recall?.length !== pr.precision?.length) throw new RangeError(`${op}: prCurve has ${pr.recall?.length} recall and ${pr.precision?.length} precision values`);
  if (input.notes !== undefined && !Array.isArray(input.notes)) throw new TypeError(`${op}: notes must be an array of strings`);
  if (input.meta !== undefined && (input.meta === null || typeof input.meta !== "object")) throw new TypeError(`${op}: meta must be an object of strings`);
}
