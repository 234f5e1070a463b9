import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Generator, Tensor, rand, tensor } from "../../src/index.js";
import { compose, normalize, pad, randomCrop, randomHorizontalFlip, randomRotation } from "../../src/data/index.js";
import { assertClose } from "../helpers.js";

const grid = tensor([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]); // [1, 3, 3]

function same(a: Tensor, b: Tensor): void {
  assert.deepEqual(a.shape, b.shape);
  assert.deepEqual(Array.from(a.toArray()), Array.from(b.toArray()));
}

describe("normalize and pad", () => {
  it("normalize subtracts and divides per channel", () => {
    const img = tensor([[[1, 2]], [[3, 5]]]); // [2, 1, 2]
    assertClose(normalize([0.5, 1], [0.5, 2])(img), [1, 3, 1, 2]);
    assertClose(normalize(1, 2)(img), [0, 0.5, 1, 2]);
    assert.throws(() => normalize([0.5, 0.5, 0.5], [1, 1, 1])(img), { message: "normalize: 3 mean values for 2 channels" });
    assert.throws(() => normalize(0, [1, 0]), { message: "normalize: std must not contain 0, got [1, 0]" });
  });

  it("pad(2) takes 28×28 to 32×32 with the image in the middle", () => {
    const img = rand([2, 1, 28, 28], { generator: new Generator(0) });
    const out = pad(2)(img);
    assert.deepEqual(out.shape, [2, 1, 32, 32]);
    assert.equal(out.data[0], 0);
    assert.equal(out.data[(1 * 32 + 2) * 32 + 2], img.data[28 * 28]);
    assert.deepEqual(pad([1, 2, 3, 4], { fill: -1 })(grid).shape, [1, 9, 7]);
    assertClose(pad([1, 0])(grid), [0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0, 7, 8, 9, 0]);
  });
});

describe("random transforms are seeded", () => {
  it("randomCrop picks a window of the padded image, the same one for the same seed", () => {
    const img = rand([3, 8, 8], { generator: new Generator(1) });
    const a = randomCrop(8, { padding: 2, generator: new Generator(5) })(img);
    const b = randomCrop(8, { padding: 2, generator: new Generator(5) })(img);
    same(a, b);
    assert.deepEqual(a.shape, [3, 8, 8]);
    // The crop must equal some window of the padded image.
    const padded = pad(2)(img);
    let found = false;
    for (let top = 0; top <= 4 && !found; top++) {
      for (let left = 0; left <= 4 && !found; left++) {
        found = [...Array(3 * 8 * 8).keys()].every((i) => {
          const c = Math.floor(i / 64);
          const y = Math.floor(i / 8) % 8;
          const x = i % 8;
          return a.data[i] === padded.data[(c * 12 + top + y) * 12 + left + x];
        });
      }
    }
    assert.ok(found, "the crop is a window of the padded image");
    same(randomCrop(3)(grid), grid);
    assert.throws(() => randomCrop(4)(grid), { message: "randomCrop: crop 4×4 is larger than the (padded) image 3×3" });
  });

  it("randomHorizontalFlip mirrors with probability p, each image of a batch on its own", () => {
    same(randomHorizontalFlip(1)(grid), tensor([[[3, 2, 1], [6, 5, 4], [9, 8, 7]]]));
    same(randomHorizontalFlip(0)(grid), grid);
    const batch = rand([16, 1, 2, 2], { generator: new Generator(2) });
    const a = randomHorizontalFlip(0.5, { generator: new Generator(9) })(batch);
    same(a, randomHorizontalFlip(0.5, { generator: new Generator(9) })(batch));
    let flipped = 0;
    for (let i = 0; i < 16; i++) if (a.data[i * 4] !== batch.data[i * 4]) flipped++;
    assert.ok(flipped > 0 && flipped < 16, `${flipped} of 16 flipped`);
  });

  it("randomRotation turns counter-clockwise about the centre", () => {
    same(randomRotation([90, 90])(grid), tensor([[[3, 6, 9], [2, 5, 8], [1, 4, 7]]]));
    same(randomRotation([-90, -90])(grid), tensor([[[7, 4, 1], [8, 5, 2], [9, 6, 3]]]));
    assertClose(randomRotation([0, 0], { interpolation: "bilinear" })(grid), grid);
    // 45°: the corners come from outside the image and take the fill value.
    const r = randomRotation([45, 45], { interpolation: "bilinear", fill: -1 })(tensor([[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]));
    assert.ok(r.data[0] < 1 && r.data[4] === 1);
    const img = rand([2, 1, 10, 10], { generator: new Generator(3) });
    same(randomRotation(15, { generator: new Generator(4) })(img), randomRotation(15, { generator: new Generator(4) })(img));
  });

  it("compose applies transforms in order, and transforms reject non-images", () => {
    const t = compose([pad(1), randomHorizontalFlip(1), normalize(0.5, 0.5)]);
    const out = t(tensor([[[1, 0]]]));
    assertClose(out, [-1, -1, -1, -1, -1, -1, 1, -1, -1, -1, -1, -1]);
    assert.throws(() => pad(1)(tensor([1, 2])), { message: "pad: expected a float32 image [C, H, W] or batch [N, C, H, W], got a float32 tensor of shape [2]" });
  });
});
