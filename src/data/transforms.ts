import { Generator, defaultGenerator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { contiguousValues } from "./collate.js";

/**
 * Image transforms in the manner of torchvision.transforms, for float32 images [C, H, W]
 * or batches [N, C, H, W] (each image of a batch draws its own random parameters). Random
 * transforms draw from the `generator` they are given (the default generator otherwise),
 * so a seeded generator gives the same augmentations run after run.
 */
export type Transform = (x: Tensor) => Tensor;

interface Images {
  n: number;
  c: number;
  h: number;
  w: number;
  data: Float32Array;
  batched: boolean;
}

function images(x: Tensor, op: string): Images {
  if (x.dtype !== "float32" || (x.ndim !== 3 && x.ndim !== 4)) {
    throw new RangeError(`${op}: expected a float32 image [C, H, W] or batch [N, C, H, W], got a ${x.dtype} tensor of shape [${x.shape.join(", ")}]`);
  }
  const batched = x.ndim === 4;
  const [n, c, h, w] = batched ? x.shape : [1, ...x.shape];
  return { n, c, h, w, data: contiguousValues(x) as Float32Array, batched };
}

function output(data: Float32Array, im: Images, h: number, w: number): Tensor {
  return new Tensor(data, im.batched ? [im.n, im.c, h, w] : [im.c, h, w]);
}

/** Applies transforms in order. */
export function compose(transforms: readonly Transform[]): Transform {
  return (x) => transforms.reduce((y, t) => t(y), x);
}

/** (x - mean[c]) / std[c] per channel; one number applies to every channel. */
export function normalize(mean: number | readonly number[], std: number | readonly number[]): Transform {
  const stds = typeof std === "number" ? [std] : std;
  if (stds.some((s) => !(s !== 0))) throw new RangeError(`normalize: std must not contain 0, got [${stds.join(", ")}]`);
  return (x) => {
    const im = images(x, "normalize");
    const perChannel = (v: number | readonly number[], what: string): number[] => {
      const a = typeof v === "number" ? [v] : v.slice();
      if (a.length === 1) return new Array<number>(im.c).fill(a[0]);
      if (a.length !== im.c) throw new RangeError(`normalize: ${a.length} ${what} values for ${im.c} channels`);
      return a;
    };
    const m = perChannel(mean, "mean");
    const s = perChannel(std, "std");
    const plane = im.h * im.w;
    const out = new Float32Array(im.data.length);
    for (let i = 0; i < out.length; i++) {
      const c = Math.floor(i / plane) % im.c;
      out[i] = (im.data[i] - m[c]) / s[c];
    }
    return output(out, im, im.h, im.w);
  };
}

/** Padding as [left, top, right, bottom] from torchvision's forms: all sides, [left/right, top/bottom], or each. */
type Padding = number | readonly [number, number] | readonly [number, number, number, number];

function sides(padding: Padding): [number, number, number, number] {
  const p = typeof padding === "number" ? [padding, padding, padding, padding] : padding.length === 2 ? [padding[0], padding[1], padding[0], padding[1]] : padding.slice();
  if (p.some((v) => !Number.isInteger(v) || v < 0)) throw new RangeError(`pad: padding must be non-negative integers, got ${JSON.stringify(padding)}`);
  return p as [number, number, number, number];
}

function padImages(im: Images, [left, top, right, bottom]: [number, number, number, number], fill: number): { data: Float32Array; h: number; w: number } {
  const h = im.h + top + bottom;
  const w = im.w + left + right;
  const out = new Float32Array(im.n * im.c * h * w);
  if (fill !== 0) out.fill(fill);
  for (let p = 0; p < im.n * im.c; p++) {
    for (let y = 0; y < im.h; y++) {
      const src = (p * im.h + y) * im.w;
      out.set(im.data.subarray(src, src + im.w), (p * h + y + top) * w + left);
    }
  }
  return { data: out, h, w };
}

/** Pads each image with `fill` (e.g. pad(2) takes MNIST's 28×28 to LeNet's 32×32). */
export function pad(padding: Padding, options: { fill?: number } = {}): Transform {
  const p = sides(padding);
  return (x) => {
    const im = images(x, "pad");
    const { data, h, w } = padImages(im, p, options.fill ?? 0);
    return output(data, im, h, w);
  };
}

export interface RandomCropOptions {
  /** Padding added before cropping (torchvision's RandomCrop(32, padding=4)). */
  padding?: Padding;
  fill?: number;
  generator?: Generator;
}

/** A size×size (or [h, w]) crop at a random place, after optional padding. */
export function randomCrop(size: number | readonly [number, number], options: RandomCropOptions = {}): Transform {
  const [ch, cw] = typeof size === "number" ? [size, size] : size;
  const p = sides(options.padding ?? 0);
  const g = options.generator ?? defaultGenerator;
  return (x) => {
    const im = images(x, "randomCrop");
    const padded = padImages(im, p, options.fill ?? 0);
    if (ch > padded.h || cw > padded.w) throw new RangeError(`randomCrop: crop ${ch}×${cw} is larger than the (padded) image ${padded.h}×${padded.w}`);
    const out = new Float32Array(im.n * im.c * ch * cw);
    for (let i = 0; i < im.n; i++) {
      const top = g.integer(0, padded.h - ch + 1);
      const left = g.integer(0, padded.w - cw + 1);
      for (let c = 0; c < im.c; c++) {
        const plane = i * im.c + c;
        for (let y = 0; y < ch; y++) {
          const src = (plane * padded.h + top + y) * padded.w + left;
          out.set(padded.data.subarray(src, src + cw), (plane * ch + y) * cw);
        }
      }
    }
    return output(out, im, ch, cw);
  };
}

/** Mirrors each image left-right with probability p. */
export function randomHorizontalFlip(p = 0.5, options: { generator?: Generator } = {}): Transform {
  const g = options.generator ?? defaultGenerator;
  return (x) => {
    const im = images(x, "randomHorizontalFlip");
    const out = im.data.slice();
    for (let i = 0; i < im.n; i++) {
      if (!(g.random() < p)) continue;
      for (let r = i * im.c * im.h; r < (i + 1) * im.c * im.h; r++) out.subarray(r * im.w, (r + 1) * im.w).reverse();
    }
    return output(out, im, im.h, im.w);
  };
}

export interface RandomRotationOptions {
  /** "nearest" (the default, as torchvision) or "bilinear". */
  interpolation?: "nearest" | "bilinear";
  /** The value of pixels rotated in from outside the image. */
  fill?: number;
  generator?: Generator;
}

/**
 * Rotates each image about its centre by an angle drawn uniformly from [-degrees, degrees]
 * (or [min, max]); positive angles turn counter-clockwise, as torchvision. Each output
 * pixel samples the input at the inversely rotated position.
 */
export function randomRotation(degrees: number | readonly [number, number], options: RandomRotationOptions = {}): Transform {
  const [lo, hi] = typeof degrees === "number" ? [-Math.abs(degrees), Math.abs(degrees)] : degrees;
  if (!(lo <= hi)) throw new RangeError(`randomRotation: degrees range [${lo}, ${hi}] is empty`);
  const bilinear = (options.interpolation ?? "nearest") === "bilinear";
  const fill = options.fill ?? 0;
  const g = options.generator ?? defaultGenerator;
  return (x) => {
    const im = images(x, "randomRotation");
    const { h, w } = im;
    const out = new Float32Array(im.data.length);
    const cx = (w - 1) / 2;
    const cy = (h - 1) / 2;
    for (let i = 0; i < im.n; i++) {
      const theta = ((lo + g.random() * (hi - lo)) * Math.PI) / 180;
      const cos = Math.cos(theta);
      const sin = Math.sin(theta);
      for (let y = 0; y < h; y++) {
        for (let xo = 0; xo < w; xo++) {
          // Image rows grow downwards, so a counter-clockwise turn on screen maps an output
          // offset (dx, dy) back to the input offset (dx cos - dy sin, dx sin + dy cos).
          const dx = xo - cx;
          const dy = y - cy;
          const sx = cx + dx * cos - dy * sin;
          const sy = cy + dx * sin + dy * cos;
          for (let c = 0; c < im.c; c++) {
            const plane = (i * im.c + c) * h * w;
            out[plane + y * w + xo] = bilinear ? sampleBilinear(im.data, plane, w, h, sx, sy, fill) : sampleNearest(im.data, plane, w, h, sx, sy, fill);
          }
        }
      }
    }
    return output(out, im, h, w);
  };
}

function pixel(data: Float32Array, plane: number, w: number, h: number, x: number, y: number, fill: number): number {
  return x >= 0 && x < w && y >= 0 && y < h ? data[plane + y * w + x] : fill;
}

function sampleNearest(data: Float32Array, plane: number, w: number, h: number, x: number, y: number, fill: number): number {
  return pixel(data, plane, w, h, Math.round(x), Math.round(y), fill);
}

function sampleBilinear(data: Float32Array, plane: number, w: number, h: number, x: number, y: number, fill: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const top = pixel(data, plane, w, h, x0, y0, fill) * (1 - fx) + pixel(data, plane, w, h, x0 + 1, y0, fill) * fx;
  const bottom = pixel(data, plane, w, h, x0, y0 + 1, fill) * (1 - fx) + pixel(data, plane, w, h, x0 + 1, y0 + 1, fill) * fx;
  return top * (1 - fy) + bottom * fy;
}
