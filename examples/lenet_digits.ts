/**
 * The seed article's LeNet CNN (conv 6@5×5, pool, conv 16@5×5, pool, 120, 84, 10) trained
 * with SGD + momentum 0.9 on real handwritten digits: the 8×8 UCI digits upsampled ×4 to
 * 32×32 (nearest neighbour), one channel. Prints the loss per epoch and test accuracy.
 *
 *   npm run build && node dist/examples/lenet_digits.js [epochs] [seed]
 */
import { fileURLToPath } from "node:url";
import { Tensor, data, functional as F, manualSeed, nn, noGrad, optim, randperm } from "../src/index.js";
import { dataPath } from "./breast_cancer_mlp.js";

export class LeNet extends nn.Module {
  conv1: nn.Conv2d;
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  static readonly fused = { activation: "relu", maxPool: 2 } as const;

  constructor(inChannels = 3) {
    super();
    this.conv1 = new nn.Conv2d(inChannels, 6, 5);
  }

  forward(x: Tensor): Tensor {
    // conv → ReLU → 2×2 max pooling, fused (F.ConvFusion): the values and gradients of
    // maxPool2d(conv(x).relu(), 2), in one pass of the kernel (which, while recording, also
    // writes the pooling indices the backward pass needs).
    x = this.conv1.forward(x, LeNet.fused);
    x = this.conv2.forward(x, LeNet.fused);
    x = this.fc1.forward(x.flatten(1)).relu();
    return this.fc3.forward(this.fc2.forward(x).relu());
  }
}

export interface LeNetResult {
  epochLosses: number[];
  testAccuracy: number;
}

export function main(epochs = 8, seed = 0, log: (line: string) => void = console.log): LeNetResult {
  manualSeed(seed);
  const { values } = data.readNumericCsv(dataPath("digits.csv"));
  const n = values.shape[0];
  // [n, 64] → [n, 1, 8, 8] in [0, 1] → each pixel repeated into a 4×4 block → [n, 1, 32, 32]
  const small = values.narrow(1, 0, 64).div(16).reshape([n, 1, 8, 1, 8, 1]);
  const images = small.expand([n, 1, 8, 4, 8, 4]).reshape([n, 1, 32, 32]);
  const labels = values.select(1, 64).int();

  const order = randperm(n);
  const nTrain = Math.round(n * 0.8);
  const trainIdx = order.slice(0, 0, nTrain);
  const testIdx = order.slice(0, nTrain);
  const xTrain = images.indexSelect(0, trainIdx);
  const yTrain = labels.indexSelect(0, trainIdx);

  const model = new LeNet(1);
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  log(`digits: ${nTrain} training images, ${n - nTrain} test images (32×32, upsampled); LeNet with ${model.numParameters()} parameters`);

  const batchSize = 32;
  const epochLosses: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const perm = randperm(nTrain);
    let total = 0;
    for (let start = 0; start < nTrain; start += batchSize) {
      const idx = perm.slice(0, start, start + batchSize);
      const loss = F.crossEntropy(model.forward(xTrain.indexSelect(0, idx)), yTrain.indexSelect(0, idx));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      total += loss.item() * idx.shape[0];
    }
    epochLosses.push(total / nTrain);
    log(`epoch ${epoch}/${epochs}  train loss ${(total / nTrain).toFixed(4)}`);
  }

  model.eval();
  const logits = noGrad(() => model.forward(images.indexSelect(0, testIdx)));
  const correct = logits.argmax(1).eq(labels.indexSelect(0, testIdx)).sum().item();
  const testAccuracy = correct / testIdx.shape[0];
  log(`test accuracy ${(testAccuracy * 100).toFixed(1)}% (${correct}/${testIdx.shape[0]})`);
  return { epochLosses, testAccuracy };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(Number(process.argv[2] ?? 8), Number(process.argv[3] ?? 0));
}
