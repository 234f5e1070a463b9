/**
 * The seed article's CIFAR-10 program, in Lathe: LeNet (3×32×32 → conv 6@5×5 → pool →
 * conv 16@5×5 → pool → 120 → 84 → 10) trained with cross-entropy and SGD (lr 0.001,
 * momentum 0.9, batches of 4, as the article), fed by a DataLoader whose transforms
 * normalise each image and, for CIFAR-10, augment it (random crop with 4 px padding,
 * horizontal flip). Prints the training loss per epoch and the test accuracy.
 *
 * CIFAR-10 comes from its binary files (data_batch_1..5.bin, test_batch.bin), in the
 * directory given as the first argument or in LATHE_CIFAR10_DIR. Without them the program
 * says so and trains on MNIST from data/mnist instead: each 28×28 digit padded to 32×32 and
 * its gray channel repeated three times, so that the very same 3-channel network trains.
 * The default, 2 epochs on 10,000 training images, takes about a minute.
 *
 *   npm run build && node dist/examples/cifar_lenet.js [cifar-10-dir] [--epochs 2] [--train-size 10000] [--seed 0]
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Generator, type Tensor, cat, data, functional as F, manualSeed, noGrad, optim } from "../src/index.js";
import { dataPath } from "./breast_cancer_mlp.js";
import { LeNet } from "./lenet_digits.js";

export interface CifarLeNetOptions {
  /** The CIFAR-10 binary files' directory. Default: LATHE_CIFAR10_DIR; MNIST when neither has the files. */
  cifarDir?: string;
  epochs?: number;
  /** Training images used (the first ones of the training set). Default 10,000. */
  trainSize?: number;
  /** Test images scored (the first ones of the test set). Default 10,000: all. */
  testSize?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface CifarLeNetResult {
  dataset: "cifar10" | "mnist";
  trainImages: number;
  testImages: number;
  epochLosses: number[];
  testAccuracy: number;
}

/** Where an image set comes from, and how its images are turned into network inputs. */
interface Source {
  dataset: "cifar10" | "mnist";
  train: data.ImageSet;
  test: data.ImageSet;
  trainTransform: data.Transform;
  testTransform: data.Transform;
}

/** The directory holding every CIFAR-10 batch file (dir itself, or the archive's cifar-10-batches-bin in it), or null. */
function cifarRoot(dir: string): string | null {
  const files = [...data.cifar10Files("train"), ...data.cifar10Files("test")];
  for (const root of [join(dir, "cifar-10-batches-bin"), dir]) if (files.every((f) => existsSync(join(root, f)))) return root;
  return null;
}

/** The first n images of a set. */
function first(set: data.ImageSet, n: number): data.ImageSet {
  const k = Math.min(n, set.labels.shape[0]);
  return { images: set.images.narrow(0, 0, k), labels: set.labels.narrow(0, 0, k) };
}

function cifarSource(root: string, trainSize: number, generator: Generator): Source {
  // Read only as many batch files (10,000 images each) as the subset needs.
  const batches: data.ImageSet[] = [];
  let read = 0;
  for (const f of data.cifar10Files("train")) {
    if (read >= trainSize) break;
    batches.push(data.readCifar10(join(root, f)));
    read += batches[batches.length - 1].labels.shape[0];
  }
  const train = { images: cat(batches.map((b) => b.images)), labels: cat(batches.map((b) => b.labels)) };
  // The article's Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)): pixels into [-1, 1].
  const norm = data.normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
  return {
    dataset: "cifar10",
    train,
    test: data.readCifar10(join(root, data.cifar10Files("test")[0])),
    trainTransform: data.compose([data.randomCrop(32, { padding: 4, generator }), data.randomHorizontalFlip(0.5, { generator }), norm]),
    testTransform: norm,
  };
}

function mnistSource(): Source {
  const dir = dataPath("mnist");
  // [1, 28, 28] → [1, 32, 32] → gray repeated into [3, 32, 32] → MNIST's mean and std.
  // No flips or crops: a mirrored digit is another symbol.
  const toLeNetInput = data.compose([data.pad(2), (x: Tensor) => x.expand([3, 32, 32]), data.normalize(0.1307, 0.3081)]);
  return { dataset: "mnist", train: data.loadMnist(dir, "train"), test: data.loadMnist(dir, "test"), trainTransform: toLeNetInput, testTransform: toLeNetInput };
}

/** Batches of [transformed images, labels], each sample transformed as it is read, as torchvision datasets do. */
function loader(set: data.ImageSet, transform: data.Transform, options: data.DataLoaderOptions<Tensor[], [Tensor, Tensor]>): data.DataLoader<Tensor[], [Tensor, Tensor]> {
  const samples = data.mapDataset(new data.TensorDataset(set.images, set.labels), ([x, y]) => [transform(x), y]);
  return new data.DataLoader(samples, options);
}

export function main(options: CifarLeNetOptions = {}): CifarLeNetResult {
  const { epochs = 2, trainSize = 10000, testSize = 10000, batchSize = 4, lr = 0.001, seed = 0, log = console.log } = options;
  manualSeed(seed);
  const cifarDir = options.cifarDir ?? process.env.LATHE_CIFAR10_DIR;
  const root = cifarDir ? cifarRoot(cifarDir) : null;
  if (!root) {
    log(cifarDir
      ? `CIFAR-10 binary files not found in ${cifarDir} (need ${data.cifar10Files("train").join(", ")} and test_batch.bin).`
      : "CIFAR-10: no directory given (pass one as the first argument or set LATHE_CIFAR10_DIR).");
    log("Training on MNIST from data/mnist instead: digits padded to 32×32, the gray channel repeated to 3.");
  }
  const src = root ? cifarSource(root, trainSize, new Generator(seed)) : mnistSource();
  const train = first(src.train, trainSize);
  const test = first(src.test, testSize);
  const trainLoader = loader(train, src.trainTransform, { batchSize, shuffle: true, seed });
  const testLoader = loader(test, src.testTransform, { batchSize: 100 });

  const net = new LeNet(3);
  const opt = new optim.SGD(net.parameters(), { lr, momentum: 0.9 });
  log(`${src.dataset}: ${train.labels.shape[0]} training images, ${test.labels.shape[0]} test images; LeNet with ${net.numParameters()} parameters; SGD lr ${lr} momentum 0.9, batch ${batchSize}`);

  const epochLosses: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    net.train();
    let total = 0;
    let seen = 0;
    for (const [x, y] of trainLoader) {
      opt.zeroGrad();
      const loss = F.crossEntropy(net.forward(x), y);
      loss.backward();
      opt.step();
      total += loss.item() * x.shape[0];
      seen += x.shape[0];
    }
    epochLosses.push(total / seen);
    log(`epoch ${epoch}/${epochs}  train loss ${(total / seen).toFixed(4)}`);
  }

  net.eval();
  let correct = 0;
  for (const [x, y] of testLoader) correct += noGrad(() => net.forward(x)).argmax(1).eq(y).sum().item();
  const testAccuracy = correct / test.labels.shape[0];
  log(`test accuracy ${(testAccuracy * 100).toFixed(1)}% (${correct}/${test.labels.shape[0]})`);
  return { dataset: src.dataset, trainImages: train.labels.shape[0], testImages: test.labels.shape[0], epochLosses, testAccuracy };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { epochs: { type: "string" }, "train-size": { type: "string" }, seed: { type: "string" } },
  });
  main({
    cifarDir: positionals[0],
    epochs: Number(values.epochs ?? 2),
    trainSize: Number(values["train-size"] ?? 10000),
    seed: Number(values.seed ?? 0),
  });
}
