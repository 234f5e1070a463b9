import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { Generator, noGrad, Tensor } from "../../src/index.js";
import {
  backwardBatch, CharTokenizer, checkpointDir, freezeLayers, generateText, GPT, loadPretrained, readBundleInfo,
  sampleWindows, saveBundle, scheduledLr, splitTokens, TokenTextStream, trainByteLevelBpe, trainLM, type TrainSettings, trainSettings,
} from "../../src/llm/index.js";
import { REPO } from "../helpers.js";

const TEXT = readFileSync(join(REPO, "test", "llm", "data", "tinyshakespeare_head.txt"), "utf8");
const MODEL = { blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 };
const TRAIN: Partial<TrainSettings> = { batchSize: 4, evalInterval: 3, evalBatches: 2, warmupSteps: 2, sampleTokens: 8, steps: 6 };

const scratch = mkdtempSync(join(tmpdir(), "lathe-lm-train-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(scratch, `run${dirs++}`);

/** Every parameter's values by name. */
function weights(model: GPT): Map<string, Float32Array> {
  return new Map(Object.entries(model.stateDict()).map(([k, t]) => [k, t.toArray() as Float32Array]));
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [k, va] of a) {
    const vb = b.get(k)!;
    for (let i = 0; i < va.length; i++) worst = Math.max(worst, Math.abs(va[i] - vb[i]));
  }
  return worst;
}

describe("LM training data and schedule", () => {
  test("splitTokens keeps the first 90% for training and refuses a corpus too small for one window", () => {
    const tokens = Int32Array.from({ length: 100 }, (_, i) => i);
    const { train, val } = splitTokens(tokens, 0.1, 8);
    assert.deepEqual([train.length, val.length, val[0]], [90, 10, 90]);
    assert.throws(() => splitTokens(tokens, 0.1, 10), /validation split has 10 tokens.*needs at least 11/);
  });

  test("sampleWindows gives next-token targets and the same windows for the same generator state", () => {
    const tokens = Int32Array.from({ length: 50 }, (_, i) => i);
    const a = sampleWindows(tokens, 3, 5, new Generator(7));
    const b = sampleWindows(tokens, 3, 5, new Generator(7));
    assert.deepEqual(a.x.shape, [3, 5]);
    assert.deepEqual(a.x.toArray(), b.x.toArray());
    const x = a.x.toArray();
    const y = a.y.toArray();
    for (let i = 0; i < x.length; i++) assert.equal(y[i], x[i] + 1);
  });

  test("scheduledLr warms up linearly, then follows a cosine from the peak to minLrRatio", () => {
    const s = { lr: 1e-3, warmupSteps: 4, minLrRatio: 0.1 };
    assert.equal(scheduledLr(s, 0, 0), 2.5e-4);
    assert.equal(scheduledLr(s, 3, 0), 1e-3);
    assert.equal(scheduledLr(s, 4, 0), 1e-3);
    assert.ok(Math.abs(scheduledLr(s, 10, 0.5) - 5.5e-4) < 1e-12);
    assert.ok(Math.abs(scheduledLr(s, 10, 1) - 1e-4) < 1e-12);
  });

  test("trainSettings fills defaults and names bad keys and values", () => {
    const s = trainSettings({});
    assert.equal(s.steps, 2000);
    assert.throws(() => trainSettings({ lrr: 1 } as Partial<TrainSettings>), /train: unknown key lrr \(known: batchSize/);
    assert.throws(() => trainSettings({ batchSize: 0 }), /train\.batchSize must be a positive integer, got 0/);
    assert.throws(() => trainSettings({ steps: 5, minutes: 1 }), /steps or of minutes, not both/);
    assert.throws(() => trainSettings({ batchSize: 6, gradAccum: 4 }), /gradAccum \(4\) must divide batchSize \(6\)/);
    assert.throws(() => trainSettings({ lora: { rank: 2, targets: ["wte"] } as never }), /lora\.targets must be a non-empty list of c_attn/);
  });
});

describe("trainLM", () => {
  test("validation loss falls and the checkpoint is a Lathe LM bundle that loadPretrained reads", async () => {
    const out = freshDir();
    const lines: string[] = [];
    const r = await trainLM({ text: TEXT, outDir: out, model: MODEL, train: { ...TRAIN, steps: 30, evalInterval: 15, lr: 1e-2 }, log: { write: (s) => lines.push(s) } });
    assert.equal(r.finished, true);
    const [first, last] = [r.state.history[0].valLoss, r.state.history.at(-1)!.valLoss];
    assert.ok(last < first, `validation loss ${first} → ${last}`);
    assert.match(lines.join(""), /step 15: train loss [\d.]+, val loss [\d.]+/);
    assert.match(lines.join(""), /--- sample at step 30 ---/);

    const dir = checkpointDir(out)!;
    const info = await readBundleInfo(dir);
    assert.equal(info?.tokenizer?.type, "char");
    const loaded = await loadPretrained(dir);
    assert.equal(loaded.training?.step, 30);
    assert.equal(loaded.tokenizer!.decode(loaded.tokenizer!.encode("First Citizen")), "First Citizen");
    assert.equal(maxDiff(weights(loaded.model), weights(r.model)), 0);
  });

  test("N steps straight and N/2 + resume + N/2 give identical weights (with dropout and accumulation)", async () => {
    const model = { ...MODEL, dropout: 0.1 };
    const train = { ...TRAIN, gradAccum: 2, steps: 8, evalInterval: 3 };
    const straight = await trainLM({ text: TEXT, model, train });
    const out = freshDir();
    const first = await trainLM({ text: TEXT, outDir: out, model, train, stopAtStep: 4 });
    assert.deepEqual([first.finished, first.state.step], [false, 4]);
    const resumed = await trainLM({ text: TEXT, outDir: out, resume: true });
    assert.deepEqual([resumed.finished, resumed.state.step], [true, 8]);
    assert.equal(maxDiff(weights(straight.model), weights(resumed.model)), 0);
    assert.deepEqual(resumed.state.history.map((h) => h.step), [3, 4, 6, 8]);
  });

  test("accumulating 2 micro-batches of B/2 gives the gradients of one batch of B", () => {
    const make = () => new GPT({ ...MODEL, vocabSize: 40 }, { seed: 3 });
    const [whole, parts] = [make(), make()];
    const { x, y } = sampleWindows(Int32Array.from({ length: 400 }, (_, i) => (i * 7) % 40), 4, 16, new Generator(1));
    const lossWhole = backwardBatch(whole, x, y, 1);
    const lossParts = backwardBatch(parts, x, y, 2);
    assert.ok(Math.abs(lossWhole - lossParts) < 1e-5);
    const gp = new Map(parts.namedParameters());
    for (const [name, p] of whole.namedParameters()) {
      const a = p.grad!.toArray();
      const b = (gp.get(name)!.grad as Tensor).toArray();
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-6 + 1e-4 * Math.abs(a[i]), `${name}[${i}]: ${a[i]} vs ${b[i]}`);
    }
  });

  test("a time budget stops training once the minutes are spent", async () => {
    const r = await trainLM({ text: TEXT, model: MODEL, train: { ...TRAIN, steps: null, minutes: 0.003, evalInterval: 1000 } });
    assert.equal(r.finished, true);
    assert.ok(r.state.trainSeconds >= 0.18 && r.state.step >= 1);
  });

  test("resuming refuses another corpus, changed settings, and a run with no checkpoint", async () => {
    const out = freshDir();
    await trainLM({ text: TEXT, outDir: out, model: MODEL, train: { ...TRAIN, steps: 2 } });
    await assert.rejects(trainLM({ text: TEXT.slice(1), outDir: out, resume: true }), /corpus is not the one this checkpoint was trained on/);
    await assert.rejects(trainLM({ text: TEXT, outDir: out, resume: true, train: { lr: 1 } }), /only steps or minutes may change \(got lr\)/);
    await assert.rejects(trainLM({ text: TEXT, outDir: freshDir(), resume: true }), /has no checkpoint to resume from/);
  });

  test("a checkpoint swap interrupted between its renames still leaves the previous checkpoint", async () => {
    const out = freshDir();
    await trainLM({ text: TEXT, outDir: out, model: MODEL, train: { ...TRAIN, steps: 2 } });
    renameSync(join(out, "checkpoint"), join(out, ".checkpoint.old"));
    assert.equal(checkpointDir(out), join(out, ".checkpoint.old"));
    const r = await trainLM({ text: TEXT, outDir: out, resume: true, train: { steps: 4 } });
    assert.equal(r.state.step, 4);
    assert.equal(checkpointDir(out), join(out, "checkpoint"));
    assert.equal(existsSync(join(out, ".checkpoint.old")), false);
  });

  test("fine-tuning from a bundle with frozen embeddings and blocks trains only the rest", async () => {
    const base = freshDir();
    await trainLM({ text: TEXT, outDir: base, model: MODEL, train: { ...TRAIN, steps: 2 } });
    const before = weights((await loadPretrained(checkpointDir(base)!)).model);
    const r = await trainLM({ text: TEXT, from: base, train: { ...TRAIN, steps: 3, freezeEmbeddings: true, freezeLayers: 1 } });
    const after = weights(r.model);
    for (const [name, v] of after) {
      const frozen = /^transformer\.(wte|wpe|h\.0)\./.test(name);
      const same = v.every((x, i) => x === before.get(name)![i]);
      assert.equal(same, frozen, `${name} ${frozen ? "changed though frozen" : "did not train"}`);
    }
  });

  test("freezeLayers checks the number of blocks", () => {
    const m = new GPT({ ...MODEL, vocabSize: 10 });
    assert.throws(() => freezeLayers(m, { layers: 3 }), /from 0 to the model's 2 blocks, got 3/);
  });
});

describe("Lathe LM bundles and text generation", () => {
  test("a bias-free model's bundle has no config.json and still loads, with its character tokenizer", async () => {
    const model = new GPT({ ...MODEL, vocabSize: 5, bias: false }, { seed: 4 }).eval();
    const dir = freshDir();
    await saveBundle(dir, model, { tokenizer: new CharTokenizer("abcde"), training: { note: "test" } });
    assert.equal(existsSync(join(dir, "config.json")), false);
    const loaded = await loadPretrained(dir);
    assert.deepEqual([loaded.config.bias, loaded.tokenizer?.decode([4, 0]), loaded.training?.note], [false, "ea", "test"]);
    const ids = new Tensor(Int32Array.from([0, 1, 2, 3, 4]), [1, 5]);
    assert.deepEqual(noGrad(() => loaded.model.forward(ids).toArray()), noGrad(() => model.forward(ids).toArray()));
  });

  test("TokenTextStream holds back a character's bytes until its last BPE token arrives", () => {
    const bpe = trainByteLevelBpe("h", { vocabSize: 256 }); // bytes only: every UTF-8 byte is a token
    const stream = new TokenTextStream(bpe);
    const pieces = [...bpe.encode("h😀é")].map((id) => stream.push(id));
    assert.deepEqual(pieces, ["h", "", "", "", "😀", "", "é"]);
    assert.equal(stream.flush(), "");
  });

  test("generateText streams the new text and ends it right after a stop string", () => {
    const tok = CharTokenizer.fromText(TEXT);
    const model = new GPT({ ...MODEL, vocabSize: tok.vocabSize }, { seed: 5 });
    const pieces: string[] = [];
    const full = generateText(model, tok, "First", { maxNewTokens: 300, seed: 1, onText: (p) => pieces.push(p) });
    assert.equal(pieces.join(""), full);
    assert.equal(full.length, 300);
    const stop = full[10];
    const cut = generateText(model, tok, "First", { maxNewTokens: 300, seed: 1, stop: [stop] });
    assert.equal(cut, full.slice(0, full.indexOf(stop) + 1));
  });
});
