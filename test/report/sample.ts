import type { ReportInput } from "../../src/report/index.js";

/** A binary-classification run of a few epochs with every section of the report filled in. */
export function sampleInput(): ReportInput {
  const epochs = [1, 2, 3, 4, 5].map((epoch) => ({
    epoch,
    loss: 0.7 / epoch,
    accuracy: 0.7 + epoch * 0.05,
    valLoss: 0.75 / epoch + (epoch > 3 ? 0.15 : 0),
    valAccuracy: 0.68 + epoch * 0.05,
    lr: epoch > 2 ? 0.01 : 0.1,
    seconds: 0.5,
  }));
  return {
    title: "Failure prediction",
    task: "classification",
    history: { epochs },
    metrics: { test: { accuracy: 0.93, rocAuc: 0.97, prAuc: 0.81 }, validation: { accuracy: 0.92, rocAuc: 0.96 } },
    confusionMatrix: { labels: ["ok", "failure"], matrix: [[90, 4], [3, 13]] },
    rocCurve: { fpr: [0, 0, 0.1, 0.5, 1], tpr: [0, 0.5, 0.8, 0.95, 1], auc: 0.97 },
    prCurve: { recall: [0, 0.5, 0.8, 1], precision: [1, 0.9, 0.7, 0.16], ap: 0.81, positiveRate: 0.16, point: { recall: 0.8, precision: 0.7, label: "threshold 0.3" } },
    notes: ["Identifier columns were dropped."],
    meta: { data: "ai4i2020.csv", seed: "0" },
  };
}

/** The markup of the <section> with this id. */
export function section(html: string, id: string): string {
  const start = html.search(new RegExp(`<section[^>]* id="${id}"`));
  if (start < 0) return "";
  return html.slice(start, html.indexOf("</section>", start) + "</section>".length);
}

export function count(html: string, needle: string | RegExp): number {
  return typeof needle === "string" ? html.split(needle).length - 1 : (html.match(new RegExp(needle, "g")) ?? []).length;
}
