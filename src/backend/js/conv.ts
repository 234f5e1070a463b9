import type { Conv2dGeometry, ConvEpilogue } from "../kernels.js";
import { gemm } from "./gemm.js";

/**
 * 2-D convolution by im2col + GEMM, one image and group at a time: the unfolded patch
 * matrix is [cInG*kh*kw, outH*outW], so the weight [cOutG, cInG*kh*kw] multiplies it.
 */
function im2col(x: Float32Array, xo: number, c: number, geo: Conv2dGeometry, cols: Float32Array): void {
  const { h, w, kh, kw, outH, outW, strideH, strideW, padH, padW, dilationH, dilationW } = geo;
  const plane = outH * outW;
  let row = 0;
  for (let ci = 0; ci < c; ci++) {
    const xc = xo + ci * h * w;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, row++) {
        const base = row * plane;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * strideH - padH + ki * dilationH;
          const ob = base + oy * outW;
          if (iy < 0 || iy >= h) {
            cols.fill(0, ob, ob + outW);
            continue;
          }
          const xr = xc + iy * w;
          for (let ox = 0; ox < outW; ox++) {
            const ix = ox * strideW - padW + kj * dilationW;
            cols[ob + ox] = ix >= 0 && ix < w ? x[xr + ix] : 0;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each patch entry back onto the pixel it came from. */
function col2im(cols: Float32Array, c: number, geo: Conv2dGeometry, gx: Float32Array, xo: number): void {
  const { h, w, kh, kw, outH, outW, strideH, strideW, padH, padW, dilationH, dilationW } = geo;
  const plane = outH * outW;
  let row = 0;
  for (let ci = 0; ci < c; ci++) {
    const xc = xo + ci * h * w;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, row++) {
        const base = row * plane;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * strideH - padH + ki * dilationH;
          if (iy < 0 || iy >= h) continue;
          const xr = xc + iy * w;
          const ob = base + oy * outW;
          for (let ox = 0; ox < outW; ox++) {
            const ix = ox * strideW - padW + kj * dilationW;
            if (ix >= 0 && ix < w) gx[xr + ix] += cols[ob + ox];
          }
        }
      }
    }
  }
}

function dims(geo: Conv2dGeometry) {
  const cInG = geo.cIn / geo.groups;
  const cOutG = geo.cOut / geo.groups;
  const kSize = cInG * geo.kh * geo.kw;
  const plane = geo.outH * geo.outW;
  return { cInG, cOutG, kSize, plane };
}

export function conv2d(
  x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array, geo: Conv2dGeometry, epilogue?: ConvEpilogue,
): void {
  const { cInG, cOutG, kSize, plane } = dims(geo);
  const cols = new Float32Array(kSize * plane);
  const plain = !epilogue || (!epilogue.relu && epilogue.pool === 1);
  // With an epilogue, each image is convolved into `full` and finished into `out`.
  const full = plain ? out : new Float32Array(geo.cOut * plane);
  for (let b = 0; b < geo.n; b++) {
    const base = plain ? b * geo.cOut * plane : 0;
    for (let g = 0; g < geo.groups; g++) {
      im2col(x, (b * geo.cIn + g * cInG) * geo.h * geo.w, cInG, geo, cols);
      const oo = base + g * cOutG * plane;
      gemm(1, cOutG, plane, kSize, w, g * cOutG * kSize, 0, false, cols, 0, 0, false, full, oo, 0, false);
    }
    if (bias) {
      for (let co = 0; co < geo.cOut; co++) {
        const o = base + co * plane;
        const bv = bias[co];
        for (let i = 0; i < plane; i++) full[o + i] += bv;
      }
    }
    if (!plain) finish(full, out, b, geo, epilogue);
  }
}

/**
 * Image b of out = pool(relu(full)), with ReLU's and max pooling's rules (NaN → 0; NaN
 * wins; the first maximum's position in ep.indices).
 */
function finish(full: Float32Array, out: Float32Array, b: number, geo: Conv2dGeometry, ep: ConvEpilogue): void {
  const k = ep.pool;
  const ph = Math.floor(geo.outH / k);
  const pw = Math.floor(geo.outW / k);
  const indices = ep.indices ?? null;
  if (indices && (!ep.relu || k < 2)) throw new RangeError("conv2d: pooling indices need relu and pool > 1");
  let o = b * geo.cOut * ph * pw;
  for (let c = 0; c < geo.cOut; c++) {
    const src = c * geo.outH * geo.outW;
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++, o++) {
        let m = 0;
        let at = 0;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) {
            const pos = (py * k + i) * geo.outW + px * k + j;
            let v = full[src + pos];
            if (ep.relu) v = v > 0 ? v : 0;
            if ((i === 0 && j === 0) || v > m || v !== v) {
              m = v;
              at = pos;
            }
          }
        }
        out[o] = m;
        if (indices) indices[o] = at;
      }
    }
  }
}

export function conv2dBackwardInput(gOut: Float32Array, w: Float32Array, gx: Float32Array, geo: Conv2dGeometry): void {
  const { cInG, cOutG, kSize, plane } = dims(geo);
  const cols = new Float32Array(kSize * plane);
  gx.fill(0);
  for (let b = 0; b < geo.n; b++) {
    for (let g = 0; g < geo.groups; g++) {
      // cols = W_gᵀ · gOut_g
      const go = (b * geo.cOut + g * cOutG) * plane;
      gemm(1, kSize, plane, cOutG, w, g * cOutG * kSize, 0, true, gOut, go, 0, false, cols, 0, 0, false);
      col2im(cols, cInG, geo, gx, (b * geo.cIn + g * cInG) * geo.h * geo.w);
    }
  }
}

export function conv2dBackwardWeight(gOut: Float32Array, x: Float32Array, gw: Float32Array, geo: Conv2dGeometry): void {
  const { cInG, cOutG, kSize, plane } = dims(geo);
  const cols = new Float32Array(kSize * plane);
  gw.fill(0);
  for (let b = 0; b < geo.n; b++) {
    for (let g = 0; g < geo.groups; g++) {
      im2col(x, (b * geo.cIn + g * cInG) * geo.h * geo.w, cInG, geo, cols);
      // gW_g += gOut_g · colsᵀ
      const go = (b * geo.cOut + g * cOutG) * plane;
      gemm(1, cOutG, kSize, plane, gOut, go, 0, false, cols, 0, 0, true, gw, g * cOutG * kSize, 0, true);
    }
  }
}
