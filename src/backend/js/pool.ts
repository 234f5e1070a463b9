import type { Pool2dGeometry } from "../kernels.js";

/** Max pooling; padding counts as -inf, so a window never picks a padded position. */
export function maxPool2d(x: Float32Array, out: Float32Array, indices: Int32Array, geo: Pool2dGeometry): void {
  const { planes, h, w, kh, kw, outH, outW, strideH, strideW, padH, padW, dilationH, dilationW } = geo;
  for (let p = 0; p < planes; p++) {
    const xo = p * h * w;
    const oo = p * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let best = -Infinity;
        let at = -1;
        for (let ki = 0; ki < kh; ki++) {
          const iy = oy * strideH - padH + ki * dilationH;
          if (iy < 0 || iy >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const ix = ox * strideW - padW + kj * dilationW;
            if (ix < 0 || ix >= w) continue;
            const v = x[xo + iy * w + ix];
            if (v > best || v !== v || at < 0) {
              best = v;
              at = iy * w + ix;
              if (v !== v) break;
            }
          }
        }
        out[oo + oy * outW + ox] = best;
        indices[oo + oy * outW + ox] = at;
      }
    }
  }
}

export function maxPool2dBackward(gOut: Float32Array, indices: Int32Array, gx: Float32Array, geo: Pool2dGeometry): void {
  const { planes, h, w, outH, outW } = geo;
  gx.fill(0);
  const plane = outH * outW;
  for (let p = 0; p < planes; p++) {
    const xo = p * h * w;
    const oo = p * plane;
    for (let i = 0; i < plane; i++) gx[xo + indices[oo + i]] += gOut[oo + i];
  }
}

/** The number of window positions averaged: with countIncludePad, padding counts but not positions past it. */
function windowSize(geo: Pool2dGeometry, oy: number, ox: number, countIncludePad: boolean): number {
  const { h, w, kh, kw, strideH, strideW, padH, padW } = geo;
  let y0 = oy * strideH - padH;
  let x0 = ox * strideW - padW;
  let y1 = Math.min(y0 + kh, h + padH);
  let x1 = Math.min(x0 + kw, w + padW);
  if (countIncludePad) return (y1 - y0) * (x1 - x0);
  y0 = Math.max(y0, 0);
  x0 = Math.max(x0, 0);
  y1 = Math.min(y1, h);
  x1 = Math.min(x1, w);
  return (y1 - y0) * (x1 - x0);
}

export function avgPool2d(x: Float32Array, out: Float32Array, geo: Pool2dGeometry, countIncludePad: boolean): void {
  const { planes, h, w, kh, kw, outH, outW, strideH, strideW, padH, padW } = geo;
  for (let p = 0; p < planes; p++) {
    const xo = p * h * w;
    const oo = p * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * strideH - padH;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * strideW - padW;
        const yEnd = Math.min(y0 + kh, h);
        const xEnd = Math.min(x0 + kw, w);
        let s = 0;
        for (let iy = Math.max(y0, 0); iy < yEnd; iy++) {
          for (let ix = Math.max(x0, 0); ix < xEnd; ix++) s += x[xo + iy * w + ix];
        }
        out[oo + oy * outW + ox] = s / windowSize(geo, oy, ox, countIncludePad);
      }
    }
  }
}

export function avgPool2dBackward(gOut: Float32Array, gx: Float32Array, geo: Pool2dGeometry, countIncludePad: boolean): void {
  const { planes, h, w, kh, kw, outH, outW, strideH, strideW, padH, padW } = geo;
  gx.fill(0);
  for (let p = 0; p < planes; p++) {
    const xo = p * h * w;
    const oo = p * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * strideH - padH;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * strideW - padW;
        const gv = gOut[oo + oy * outW + ox] / windowSize(geo, oy, ox, countIncludePad);
        const yEnd = Math.min(y0 + kh, h);
        const xEnd = Math.min(x0 + kw, w);
        for (let iy = Math.max(y0, 0); iy < yEnd; iy++) {
          for (let ix = Math.max(x0, 0); ix < xEnd; ix++) gx[xo + iy * w + ix] += gv;
        }
      }
    }
  }
}
