import type { TypedArray } from "../../tensor/dtype.js";

/** Rows at least this long are moved with set(); shorter ones with a plain loop, since subarray() allocates. */
const SET_MIN = 32;

export function indexSelect(x: TypedArray, outer: number, n: number, inner: number, index: Int32Array, out: TypedArray): void {
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * n + index[j]) * inner;
      const dst = (o * m + j) * inner;
      if (inner >= SET_MIN) out.set(x.subarray(src, src + inner), dst);
      else for (let i = 0; i < inner; i++) out[dst + i] = x[src + i];
    }
  }
}

export function indexAdd(g: Float32Array, outer: number, n: number, inner: number, index: Int32Array, gx: Float32Array): void {
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const dst = (o * n + index[j]) * inner;
      const src = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) gx[dst + i] += g[src + i];
    }
  }
}

export function gather(x: TypedArray, outer: number, n: number, inner: number, index: Int32Array, m: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const row = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[row + i] = x[(o * n + index[row + i]) * inner + i];
    }
  }
}

export function scatterAdd(g: Float32Array, outer: number, n: number, inner: number, index: Int32Array, m: number, gx: Float32Array): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const row = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) gx[(o * n + index[row + i]) * inner + i] += g[row + i];
    }
  }
}

export function scatter(src: TypedArray, outer: number, n: number, inner: number, index: Int32Array, m: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const row = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[(o * n + index[row + i]) * inner + i] = src[row + i];
    }
  }
}
