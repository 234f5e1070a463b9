import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Generator, assertGradcheck, embedding, oneHot, randn, tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { checkCase } from "./nn_cases.js";

const ints = (v: number[], shape?: number[]) => tensor(v, { dtype: "int32", shape });

describe("embedding / oneHot match PyTorch 1.13", () => {
  it("embedding gathers rows and accumulates repeated indices' gradients", () => {
    checkCase("embedding", (t) => embedding(t.input, t.weight));
  });
  it("embedding gives the paddingIdx row no gradient", () => {
    checkCase("embedding_padding", (t, p) => embedding(t.input, t.weight, { paddingIdx: p.padding_idx as number }));
  });
  it("oneHot with inferred and given numClasses", () => {
    checkCase("one_hot_infer", (t) => oneHot(t.x));
    checkCase("one_hot_5", (t, p) => oneHot(t.x, p.num_classes as number));
  });
});

describe("embedding / oneHot", () => {
  const gen = new Generator(8);

  it("accepts a negative paddingIdx counting from the end", () => {
    const w = randn([4, 2], { generator: gen, requiresGrad: true });
    embedding(ints([3, 1, 3]), w, { paddingIdx: -1 }).sum().backward();
    assertClose(w.grad, [0, 0, 1, 1, 0, 0, 0, 0]);
  });

  it("backward passes gradcheck", () => {
    assertGradcheck((w) => embedding(ints([1, 0, 1, 2], [2, 2]), w), [randn([3, 4], { generator: gen, requiresGrad: true })]);
  });

  it("rejects bad indices and shapes with clear errors", () => {
    const w = randn([5, 3]);
    assert.throws(() => embedding(ints([1, 7]), w), /embedding: index 7 is out of range for 5 embeddings \(weight of shape \[5, 3\]\)/);
    assert.throws(() => embedding(ints([-1]), w), /embedding: index -1 is out of range for 5 embeddings/);
    assert.throws(() => embedding(tensor([1, 2]), w), /embedding: input must be int32, got float32 of shape \[2\]/);
    assert.throws(() => embedding(ints([1]), randn([5])), /embedding: weight of shape \[5\] must be 2-d/);
    assert.throws(() => embedding(ints([1]), w, { paddingIdx: 5 }), /embedding: paddingIdx 5 must be within numEmbeddings 5/);
    assert.throws(() => oneHot(ints([0, 3]), 3), /oneHot: class value 3 is not smaller than numClasses 3/);
    assert.throws(() => oneHot(ints([0, -1])), /oneHot: class values must be non-negative, got -1/);
    assert.throws(() => oneHot(ints([], [0])), /oneHot: cannot infer the number of classes from an empty tensor of shape \[0\]/);
    assert.throws(() => oneHot(tensor([1])), /oneHot: input must be int32, got float32/);
  });
});
