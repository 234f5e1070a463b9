import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Tensor, nn, ones, randn, zeros } from "../../src/index.js";
import { type FixtureCase, assertClose, fromFixture, loadFixture } from "../helpers.js";
import { LeNet, SmallCNN, TinyMLP, Zoo, mlp } from "./models.js";

const cases = loadFixture("nn");

interface KeysParams {
  keys: string[];
  shapes: number[][];
  numParameters: number;
  namedParameters: string[];
  namedModules: string[];
}

function checkKeys(model: nn.Module, c: FixtureCase): void {
  const p = c.params as unknown as KeysParams;
  const sd = model.stateDict();
  assert.deepEqual(Object.keys(sd), p.keys);
  assert.deepEqual(Object.values(sd).map((t) => t.shape), p.shapes);
  assert.equal(model.numParameters(), p.numParameters);
  assert.deepEqual(model.namedParameters().map((e) => e[0]), p.namedParameters);
  assert.deepEqual(model.namedModules().map((e) => e[0]), p.namedModules);
}

/** The PyTorch state dict stored in a fixture case's inputs under "sd.<key>". */
function torchStateDict(c: FixtureCase): Record<string, Tensor> {
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) if (k.startsWith("sd.")) sd[k.slice(3)] = fromFixture(v);
  return sd;
}

describe("stateDict keys match PyTorch's", () => {
  test("LeNet", () => checkKeys(new LeNet(), cases.lenet_keys));
  test("the 30-128-64-1 MLP", () => checkKeys(mlp(), cases.mlp_keys));
  test("every stateful layer in every container, with buffers", () => checkKeys(new Zoo(), cases.zoo_keys));

  test("num_batches_tracked is an int32 scalar; the others are float32", () => {
    const sd = new Zoo().stateDict();
    assert.equal(sd["features.bn.num_batches_tracked"].dtype, "int32");
    assert.equal(sd["features.bn.running_var"].dtype, "float32");
  });

  test("loss weights are buffers, as in PyTorch", () => {
    const p = cases.loss_keys.params as Record<string, string[]>;
    assert.deepEqual(Object.keys(new nn.CrossEntropyLoss({ weight: ones([3]) }).stateDict()), p.crossEntropy);
    assert.deepEqual(Object.keys(new nn.BCEWithLogitsLoss({ weight: ones([2]), posWeight: ones([2]) }).stateDict()), p.bceWithLogits);
    assert.deepEqual(Object.keys(new nn.MSELoss().stateDict()), p.mse);
  });

  test("the tensors share storage with the module but are detached", () => {
    const lin = new nn.Linear(3, 2);
    const sd = lin.stateDict();
    assert.equal(sd.weight.data, lin.weight.data);
    assert.ok(!sd.weight.requiresGrad && !(sd.weight instanceof nn.Parameter));
  });
});

describe("loading a PyTorch state dict", () => {
  const forwardCases: [string, () => nn.Module][] = [["small_cnn", () => new SmallCNN()], ["tiny_mlp", () => new TinyMLP()]];
  for (const [name, make] of forwardCases) {
    test(`${name}: PyTorch's eval output and parameter gradients`, () => {
      const c = cases[name];
      const model = make();
      const result = model.loadStateDict(torchStateDict(c));
      assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
      model.eval();
      const out = model.forward(fromFixture(c.inputs.x0));
      assertClose(out, c.outputs.out, { atol: 1e-4, rtol: 1e-4 }, `${name} output`);
      out.sum().backward();
      for (const [pname, p] of model.namedParameters()) assertClose(p.grad, c.grads[pname], { atol: 1e-4, rtol: 1e-3 }, `${name} grad ${pname}`);
    });
  }

  test("buffers are loaded too, num_batches_tracked included", () => {
    const model = new SmallCNN();
    model.loadStateDict(torchStateDict(cases.small_cnn));
    assert.equal(model.bn1.num_batches_tracked!.item(), 7);
    assertClose(model.bn1.running_var, cases.small_cnn.inputs["sd.bn1.running_var"]);
  });

  test("a saved state dict loads into a fresh model and reproduces its outputs", () => {
    const a = new TinyMLP().eval();
    const b = new TinyMLP().eval();
    const x = randn([4, 5]);
    assert.notDeepEqual(a.forward(x).toArray(), b.forward(x).toArray());
    b.loadStateDict(a.stateDict());
    assert.deepEqual(a.forward(x).toArray(), b.forward(x).toArray());
    // Values were copied: the models do not share storage afterwards.
    assert.notEqual(a.fc1.weight.data, b.fc1.weight.data);
  });
});

describe("loadStateDict with assign", () => {
  test("takes the given tensors as parameters and buffers, keeping requiresGrad", () => {
    const model = new SmallCNN();
    model.bn1.weight!.requiresGrad = false;
    const sd = torchStateDict(cases.small_cnn);
    model.loadStateDict(sd, { assign: true });
    assert.equal(model.conv1.weight.data, sd["conv1.weight"].data);
    assert.ok(model.conv1.weight instanceof nn.Parameter && model.conv1.weight.requiresGrad && model.conv1.weight.isLeaf);
    assert.equal(model.bn1.weight!.requiresGrad, false);
    assert.equal(model.bn1.running_var!.data, sd["bn1.running_var"].data);
    assert.equal(model.bn1.num_batches_tracked!.item(), 7);
    assert.equal(model.parameters().length, new SmallCNN().parameters().length);
  });

  test("one tensor given for two keys becomes one shared parameter", () => {
    class Tied extends nn.Module {
      a = new nn.Linear(2, 2, { bias: false });
      b = new nn.Linear(2, 2, { bias: false });
      forward(x: Tensor): Tensor {
        return this.b.forward(this.a.forward(x));
      }
    }
    const w = randn([2, 2]);
    const m = new Tied();
    m.loadStateDict({ "a.weight": w, "b.weight": w }, { assign: true });
    assert.equal(m.a.weight, m.b.weight);
    assert.equal(m.parameters().length, 1);
  });

  test("a dtype mismatch is an error and changes nothing", () => {
    const lin = new nn.Linear(1, 1);
    const before = lin.weight;
    assert.throws(() => lin.loadStateDict({ weight: zeros([1, 1], { dtype: "int32" }), bias: zeros([1]) }, { assign: true }),
      /dtype mismatch for weight: int32 in the state dict, float32 in the model/);
    assert.equal(lin.weight, before);
  });
});

describe("loadStateDict errors", () => {
  test("missing and unexpected keys throw when strict, naming them", () => {
    const lin = new nn.Linear(2, 2);
    assert.throws(() => lin.loadStateDict({ weight: zeros([2, 2]) }), /cannot load the state dict into Linear:\n {2}missing keys: "bias"/);
    assert.throws(
      () => lin.loadStateDict({ weight: zeros([2, 2]), bias: zeros([2]), scale: zeros([1]) }),
      /unexpected keys: "scale"/,
    );
  });

  test("strict: false loads what matches and reports the rest", () => {
    const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 1));
    const result = seq.loadStateDict({ "0.weight": ones([2, 2]), "head.weight": ones([1, 2]) }, { strict: false });
    assert.deepEqual(result, { missingKeys: ["0.bias", "1.weight", "1.bias"], unexpectedKeys: ["head.weight"] });
    assert.deepEqual(Array.from((seq.get(0) as nn.Linear).weight.toArray()), [1, 1, 1, 1]);
  });

  test("a shape mismatch names the key and both shapes, even when not strict", () => {
    const net = new LeNet();
    const sd = net.stateDict();
    sd["fc1.weight"] = zeros([120, 256]);
    const re = /size mismatch for fc1\.weight: shape \[120, 256\] in the state dict, \[120, 400\] in the model/;
    assert.throws(() => net.loadStateDict(sd), re);
    assert.throws(() => net.loadStateDict(sd, { strict: false }), re);
  });

  test("a failed load changes nothing", () => {
    const lin = new nn.Linear(2, 2);
    const before = lin.weight.toArray();
    assert.throws(() => lin.loadStateDict({ weight: ones([2, 2]), bias: ones([3]) }), /size mismatch for bias/);
    assert.deepEqual(lin.weight.toArray(), before);
  });

  test("a value that is not a tensor is a TypeError", () => {
    const lin = new nn.Linear(1, 1);
    assert.throws(() => lin.loadStateDict({ weight: [[1]] as unknown as Tensor, bias: zeros([1]) }), TypeError);
  });

  test("loading works while gradients are recorded and keeps parameters trainable", () => {
    const lin = new nn.Linear(2, 1);
    lin.loadStateDict({ weight: ones([1, 2]), bias: zeros([1]) });
    assert.ok(lin.weight.requiresGrad && lin.weight.isLeaf);
  });
});
