import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { type Tensor, data, nn } from "../../src/index.js";
import { REPO } from "../helpers.js";

/** The feature columns (those before the label) and the label column of a bundled CSV. */
function numericCsv(file: string, label: string): { x: Tensor; y: Tensor } {
  const { columns, values } = data.readNumericCsv(join(REPO, "data", file));
  const l = columns.indexOf(label);
  return { x: values.narrow(1, 0, l), y: values.select(1, l) };
}

/** The bundled Wisconsin breast-cancer data, standardised with all rows' statistics (fine for a test): 569 rows, 30 features, diagnosis 0/1 (float32). */
export function breastCancer(): { x: Tensor; y: Tensor } {
  const { x, y } = numericCsv("breast_cancer.csv", "diagnosis");
  const std = x.std(0, { keepdim: true, unbiased: false });
  return { x: x.sub(x.mean(0, true)).div(std), y };
}

/** The first rows of the bundled digits data: 64 pixels scaled to [0, 1], classes 0–9 (float32 labels, as a CSV gives them). */
export function digits(rows: number): { x: Tensor; y: Tensor } {
  const { x, y } = numericCsv("digits.csv", "label");
  return { x: x.narrow(0, 0, rows).div(16), y: y.narrow(0, 0, rows) };
}

export function mlp(inputs: number, hidden: number, outputs: number, dropout = 0): nn.Sequential {
  const layers: nn.Module[] = [new nn.Linear(inputs, hidden), new nn.ReLU()];
  if (dropout > 0) layers.push(new nn.Dropout(dropout));
  layers.push(new nn.Linear(hidden, outputs));
  return new nn.Sequential(...layers);
}

/** A fresh directory, removed when the test file ends. */
export function tmpDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `lathe-train-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The model's parameters and buffers as plain arrays, for exact comparisons. */
export function weightsOf(model: nn.Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.toArray())]));
}
