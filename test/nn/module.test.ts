import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Tensor, nn, ones, randn, tensor, zeros } from "../../src/index.js";
import { LeNet } from "./models.js";

class Block extends nn.Module {
  fc = new nn.Linear(4, 4);
  act = new nn.ReLU();
  scale = new nn.Parameter(ones([4]));
  notRegistered = [new nn.Linear(2, 2)];
  plainTensor = zeros([3]);

  forward(x: Tensor): Tensor {
    return this.act.forward(this.fc.forward(x)).mul(this.scale);
  }
}

class Net extends nn.Module {
  first = new Block();
  bn = new nn.BatchNorm1d(4);
  second = new Block();
  head: nn.Linear;

  constructor() {
    super();
    this.head = new nn.Linear(4, 2);
  }

  forward(x: Tensor): Tensor {
    return this.head.forward(this.second.forward(this.bn.forward(this.first.forward(x))));
  }
}

const names = (entries: [string, unknown][]) => entries.map((e) => e[0]);

describe("Module discovery", () => {
  test("parameters and children come from fields in definition order, with dotted names", () => {
    // As PyTorch: each module lists its own parameters before its children's.
    const net = new Net();
    assert.deepEqual(names(net.namedChildren()), ["first", "bn", "second", "head"]);
    assert.deepEqual(names(net.namedParameters()), [
      "first.scale", "first.fc.weight", "first.fc.bias", "bn.weight", "bn.bias",
      "second.scale", "second.fc.weight", "second.fc.bias", "head.weight", "head.bias",
    ]);
    assert.deepEqual(names(net.namedModules()), ["", "first", "first.fc", "first.act", "bn", "second", "second.fc", "second.act", "head"]);
    assert.equal(net.modules().length, 9);
    assert.equal(net.children()[1], net.bn);
    assert.equal(net.parameters()[0], net.first.scale);
  });

  test("arrays and plain tensors are not registered", () => {
    const b = new Block();
    assert.deepEqual(names(b.namedParameters()), ["scale", "fc.weight", "fc.bias"]);
    assert.deepEqual(names(b.namedChildren()), ["fc", "act"]);
  });

  test("recurse=false and prefixes", () => {
    const net = new Net();
    assert.deepEqual(names(net.first.namedParameters("", false)), ["scale"]);
    assert.deepEqual(names(net.head.namedParameters("model.head")), ["model.head.weight", "model.head.bias"]);
    assert.deepEqual(names(net.namedBuffers()), ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]);
    assert.equal(net.buffers().length, 3);
    assert.equal(net.buffers(false).length, 0);
  });

  test("a parameter or module shared between two places is listed once, under its first name", () => {
    const a = new nn.Linear(3, 3);
    const b = new nn.Linear(3, 3, { bias: false });
    b.weight = a.weight;
    const seq = new nn.Sequential(a, b, a);
    assert.deepEqual(names(seq.namedParameters()), ["0.weight", "0.bias"]);
    assert.deepEqual(names(seq.namedModules()), ["", "0", "1"]);
    assert.equal(seq.numParameters(), 12);
    // stateDict lists every name, as PyTorch's does, so tied weights load into both places.
    assert.deepEqual(Object.keys(seq.stateDict()), ["0.weight", "0.bias", "1.weight", "2.weight", "2.bias"]);
  });

  test("a parameter assigned after construction is found; null parameters are skipped", () => {
    const lin = new nn.Linear(2, 3, { bias: false });
    assert.deepEqual(names(lin.namedParameters()), ["weight"]);
    lin.bias = new nn.Parameter(zeros([3]));
    assert.deepEqual(names(lin.namedParameters()), ["weight", "bias"]);
  });

  test("registerParameter, registerModule and registerBuffer take computed names", () => {
    class Dyn extends nn.Module {
      constructor() {
        super();
        for (let i = 0; i < 2; i++) this.registerModule(`layer${i}`, new nn.Linear(2, 2));
        this.registerParameter("alpha", new nn.Parameter(tensor([0.5])));
        this.registerBuffer("mask", ones([2]));
        this.registerBuffer("cache", zeros([2]), false);
        this.registerBuffer("empty", null);
      }

      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const d = new Dyn();
    assert.deepEqual(names(d.namedParameters()), ["alpha", "layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"]);
    assert.deepEqual(names(d.namedBuffers()), ["mask", "cache"]);
    assert.deepEqual(Object.keys(d.stateDict()), ["alpha", "mask", "layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"]);
    // Reassigning a buffer's field replaces the buffer.
    (d as unknown as { mask: Tensor }).mask = zeros([5]);
    assert.deepEqual(d.stateDict().mask.shape, [5]);
    assert.throws(() => d.registerBuffer("forward", ones([1])), /attribute "forward" already exists/);
    assert.throws(() => d.registerBuffer("a.b", ones([1])), /without "\."/);
    assert.throws(() => d.registerBuffer("p", new nn.Parameter(ones([1]))), /use registerParameter/);
    assert.throws(() => d.registerModule("alpha", new nn.ReLU()), /attribute "alpha" already exists/);
  });

  test("a TypeScript field declared without initializer can be registered as a buffer", () => {
    class WithDecl extends nn.Module {
      pe!: Tensor;
      constructor() {
        super();
        this.registerBuffer("pe", ones([2, 2]));
      }

      forward(x: Tensor): Tensor {
        return x.add(this.pe);
      }
    }
    assert.deepEqual(Object.keys(new WithDecl().stateDict()), ["pe"]);
  });
});

describe("containers", () => {
  test("Sequential names children by position and chains forward", () => {
    const seq = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    assert.equal(seq.length, 3);
    assert.ok(seq.get(-1) instanceof nn.Linear);
    assert.deepEqual(names(seq.namedParameters()), ["0.weight", "0.bias", "2.weight", "2.bias"]);
    const x = randn([5, 3]);
    const l0 = seq.get(0) as nn.Linear;
    const l2 = seq.get(2) as nn.Linear;
    const expected = l2.forward(l0.forward(x).relu());
    assert.deepEqual(seq.forward(x).toArray(), expected.toArray());
    seq.append(new nn.Sigmoid());
    assert.deepEqual(names(seq.namedChildren()), ["0", "1", "2", "3"]);
    assert.equal([...seq].length, 4);
    assert.throws(() => seq.get(4), /index 4 out of range for length 4/);
  });

  test("Sequential takes named modules, in the given order", () => {
    const seq = new nn.Sequential({ conv: new nn.Conv2d(1, 2, 3), act: new nn.ReLU(), flat: new nn.Flatten() });
    assert.deepEqual(names(seq.namedChildren()), ["conv", "act", "flat"]);
    assert.ok(seq.get("conv") instanceof nn.Conv2d);
    assert.deepEqual(seq.forward(randn([1, 1, 4, 4])).shape, [1, 8]);
    const fromMap = new nn.Sequential(new Map<string, nn.Module>([["b", new nn.ReLU()], ["a", new nn.Tanh()]]));
    assert.deepEqual(names(fromMap.namedChildren()), ["b", "a"]);
    assert.throws(() => new nn.Sequential(new nn.ReLU(), 3 as unknown as nn.Module), /argument 1 is not a Module/);
  });

  test("ModuleList registers its items and supports list operations", () => {
    class Stack extends nn.Module {
      layers = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
      forward(x: Tensor): Tensor {
        for (const l of this.layers) x = l.forward(x);
        return x;
      }
    }
    const s = new Stack();
    assert.deepEqual(names(s.namedParameters()), ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]);
    assert.equal(s.layers.push(new nn.ReLU(), new nn.Tanh()), 4);
    s.layers.append(new nn.Identity()).insert(0, new nn.Sigmoid());
    assert.equal(s.layers.length, 6);
    assert.ok(s.layers.get(0) instanceof nn.Sigmoid);
    assert.ok(s.layers.get(-1) instanceof nn.Identity);
    // Items after an insert are renumbered, as PyTorch's.
    assert.deepEqual(names(s.namedParameters()), ["layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"]);
    s.layers.set(1, new nn.Linear(2, 2, { bias: false }));
    assert.deepEqual(names(s.namedParameters()), ["layers.1.weight", "layers.2.weight", "layers.2.bias"]);
    assert.deepEqual(s.forward(randn([1, 2])).shape, [1, 2]);
    assert.throws(() => s.layers.forward(), /ModuleList has no forward/);
  });

  test("ModuleDict keeps insertion order, including integer-like keys", () => {
    const d = new nn.ModuleDict({ enc: new nn.Linear(2, 3) });
    d.set("10", new nn.Linear(3, 1)).set("dec", new nn.Linear(3, 2));
    assert.deepEqual([...d.keys()], ["enc", "10", "dec"]);
    assert.deepEqual(names(d.namedParameters()), ["enc.weight", "enc.bias", "10.weight", "10.bias", "dec.weight", "dec.bias"]);
    assert.equal(d.size, 3);
    assert.ok(d.has("dec") && d.get("missing") === undefined);
    assert.ok(d.delete("10"));
    assert.deepEqual([...d].map((e) => e[0]), ["enc", "dec"]);
    assert.throws(() => d.set("a.b", new nn.ReLU()), /without "\."/);
  });
});

describe("Module state", () => {
  test("train() and eval() set the mode recursively", () => {
    const net = new Net();
    assert.ok(net.modules().every((m) => m.training));
    assert.equal(net.eval(), net);
    assert.ok(net.modules().every((m) => !m.training));
    net.train();
    assert.ok(net.modules().every((m) => m.training));
    net.second.train(false);
    assert.deepEqual(net.modules().map((m) => m.training), [true, true, true, true, true, false, false, false, true]);
  });

  test("apply visits children before parents", () => {
    const seen: string[] = [];
    new nn.Sequential(new nn.Linear(1, 1), new nn.Sequential(new nn.ReLU())).apply((m) => seen.push(m.constructor.name));
    assert.deepEqual(seen, ["Linear", "ReLU", "Sequential", "Sequential"]);
  });

  test("zeroGrad drops gradients or zeroes them", () => {
    const lin = new nn.Linear(3, 2);
    lin.forward(randn([4, 3])).sum().backward();
    assert.ok(lin.weight.grad && lin.bias!.grad);
    lin.zeroGrad(false);
    assert.ok(lin.weight.grad!.toArray().every((v) => v === 0));
    lin.zeroGrad();
    assert.equal(lin.weight.grad, null);
    assert.equal(lin.bias!.grad, null);
  });

  test("requiresGrad_ freezes and numParameters counts trainable ones", () => {
    const net = new Net();
    const total = net.numParameters();
    assert.equal(total, 2 * (16 + 4 + 4) + 8 + 10);
    net.first.requiresGrad_(false);
    assert.equal(net.numParameters({ trainableOnly: true }), total - 24);
    assert.ok(net.first.parameters().every((p) => !p.requiresGrad));
    net.requiresGrad_();
    assert.equal(net.numParameters({ trainableOnly: true }), total);
  });

  test("parameter counts of the seed article's networks", () => {
    const lenet = new LeNet();
    assert.equal(lenet.numParameters(), 62006);
    assert.deepEqual(lenet.forward(randn([2, 3, 32, 32])).shape, [2, 10]);
    const mlp = new nn.Sequential(new nn.Linear(30, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 1));
    assert.equal(mlp.numParameters(), 12289);
  });

  test("Parameter shares its tensor's storage and requires grad by default", () => {
    const t = tensor([1, 2, 3]);
    const p = new nn.Parameter(t);
    assert.equal(p.data, t.data);
    assert.ok(p.requiresGrad && p.isLeaf && p instanceof Tensor);
    assert.equal(new nn.Parameter(t, false).requiresGrad, false);
    assert.match(p.toString(), /^Parameter containing:\ntensor\(.*requiresGrad=true\)$/s);
    assert.throws(() => new nn.Parameter(tensor([1], { dtype: "int32" })), /only floating-point tensors/);
  });

  test("toString prints the module tree in PyTorch's layout", () => {
    class Small extends nn.Module {
      conv = new nn.Conv2d(3, 6, 5, { padding: 2, bias: false });
      body = new nn.Sequential(new nn.Linear(4, 2), new nn.ReLU());
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    assert.equal(new Small().toString(), [
      "Small(",
      "  (conv): Conv2d(3, 6, kernelSize=[5, 5], stride=[1, 1], padding=[2, 2], bias=false)",
      "  (body): Sequential(",
      "    (0): Linear(inFeatures=4, outFeatures=2, bias=true)",
      "    (1): ReLU()",
      "  )",
      ")",
    ].join("\n"));
    assert.equal(new nn.BatchNorm2d(6).toString(), "BatchNorm2d(6, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)");
    assert.equal(new nn.MaxPool2d(2).toString(), "MaxPool2d(kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false)");
    assert.equal(new nn.GELU({ approximate: "tanh" }).toString(), 'GELU(approximate="tanh")');
  });
});
