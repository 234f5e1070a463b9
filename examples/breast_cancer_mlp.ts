/**
 * The seed article's tabular classifier, in Lathe: the Wisconsin breast-cancer CSV →
 * seeded stratified 80/20 split → standardisation fitted on the training rows → MLP 30→128→64→1 →
 * BCE-with-logits and Adam → accuracy on the held-out rows.
 *
 *   npm run build && node dist/examples/breast_cancer_mlp.js [epochs] [seed]
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { data, functional as F, manualSeed, nn, noGrad, optim, randperm, tensor } from "../src/index.js";

export interface MlpResult {
  trainLoss: number;
  testAccuracy: number;
  testRows: number;
}

/** data/ at the repository (or installed package) root, found from this file's location. */
export function dataPath(file: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "data", file);
}

export function main(epochs = 50, seed = 0, log: (line: string) => void = console.log): MlpResult {
  manualSeed(seed);
  const { columns, values } = data.readNumericCsv(dataPath("breast_cancer.csv"));
  const label = columns.indexOf("diagnosis");
  const x = values.narrow(1, 0, label);
  const y = values.select(1, label);

  // Stratified 80/20 split (each class keeps its share), then standardisation fitted on
  // the training rows only.
  const n = values.shape[0];
  const split = data.trainTestSplit(n, { testSize: 0.2, stratify: y, seed });
  const nTrain = split.train.length;
  const trainIdx = tensor(split.train);
  const testIdx = tensor(split.test);
  const scaler = new data.StandardScaler().fit(x.indexSelect(0, trainIdx));
  const xTrain = scaler.transform(x.indexSelect(0, trainIdx));
  const yTrain = y.indexSelect(0, trainIdx);
  const xTest = scaler.transform(x.indexSelect(0, testIdx));
  const yTest = y.indexSelect(0, testIdx);

  const model = new nn.Sequential(
    new nn.Linear(label, 128), new nn.ReLU(),
    new nn.Linear(128, 64), new nn.ReLU(),
    new nn.Linear(64, 1),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  log(`breast cancer: ${nTrain} training rows, ${n - nTrain} test rows, ${label} features; ${model.numParameters()} parameters`);

  const batchSize = 32;
  let epochLoss = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const perm = randperm(nTrain);
    epochLoss = 0;
    for (let start = 0; start < nTrain; start += batchSize) {
      const idx = perm.slice(0, start, start + batchSize);
      const logits = model.forward(xTrain.indexSelect(0, idx)).squeeze(1);
      const loss = F.binaryCrossEntropyWithLogits(logits, yTrain.indexSelect(0, idx));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      epochLoss += loss.item() * idx.shape[0];
    }
    epochLoss /= nTrain;
    if (epoch === 1 || epoch % 10 === 0 || epoch === epochs) log(`epoch ${epoch}/${epochs}  train loss ${epochLoss.toFixed(4)}`);
  }

  model.eval();
  const predicted = noGrad(() => model.forward(xTest).squeeze(1).gt(0));
  const correct = predicted.eq(yTest.bool()).sum().item();
  const testAccuracy = correct / yTest.shape[0];
  log(`test accuracy ${(testAccuracy * 100).toFixed(1)}% (${correct}/${yTest.shape[0]})`);
  return { trainLoss: epochLoss, testAccuracy, testRows: yTest.shape[0] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(Number(process.argv[2] ?? 50), Number(process.argv[3] ?? 0));
}
