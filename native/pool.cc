// 2-D max and average pooling over NCHW planes, ported from the js kernels (same window
// rules, same NaN handling); planes run in parallel.
#include "mathfun.h"
#include "ops.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

// The number of window positions averaged: with countIncludePad, padding counts but not
// positions past it.
int64_t windowSize(const PoolGeometry& g, int64_t oy, int64_t ox, bool countIncludePad) {
  int64_t y0 = oy * g.strideH - g.padH, x0 = ox * g.strideW - g.padW;
  int64_t y1 = imin(y0 + g.kh, g.h + g.padH), x1 = imin(x0 + g.kw, g.w + g.padW);
  if (countIncludePad) return (y1 - y0) * (x1 - x0);
  return (imin(y1, g.h) - imax(y0, 0)) * (imin(x1, g.w) - imax(x0, 0));
}

// One window's maximum with the js kernel's exact rules: padding never wins; a NaN wins
// and ends its window row.
void maxWindow(const float* x, const PoolGeometry& g, int64_t y0, int64_t x0, float& outV, int32_t& outAt) {
  float best = -kInf;
  int64_t at = -1;
  for (int64_t ki = 0; ki < g.kh; ki++) {
    int64_t iy = y0 + ki * g.dilationH;
    if (iy < 0 || iy >= g.h) continue;
    for (int64_t kj = 0; kj < g.kw; kj++) {
      int64_t ix = x0 + kj * g.dilationW;
      if (ix < 0 || ix >= g.w) continue;
      float v = x[iy * g.w + ix];
      if (v > best || v != v || at < 0) {
        best = v;
        at = iy * g.w + ix;
        if (v != v) break;
      }
    }
  }
  outV = best;
  outAt = static_cast<int32_t>(at);
}

// Windows this small take the fast path below.
constexpr int64_t kMaxWindow = 64;

// A window inside the plane: branch-free (with random data every comparison would be a
// coin flip for the branch predictor); false when it holds a NaN, for the exact path.
inline bool maxInside(const float* x, const int64_t* off, int64_t size, int64_t base, float& outV, int32_t& outAt) {
  float best = x[base];
  int64_t at = base;
  bool nan = best != best;
  for (int64_t e = 1; e < size; e++) {
    float v = x[base + off[e]];
    bool take = v > best;
    best = take ? v : best;
    at = take ? base + off[e] : at;
    nan |= v != v;
  }
  outV = best;
  outAt = static_cast<int32_t>(at);
  return !nan;
}

void maxPlane(const float* x, float* out, int32_t* indices, const PoolGeometry& g) {
  // Window positions relative to its corner, for windows that lie inside the plane.
  int64_t off[kMaxWindow];
  int64_t size = g.kh * g.kw;
  bool fast = size >= 1 && size <= kMaxWindow;
  for (int64_t e = 0; fast && e < size; e++) off[e] = (e / g.kw) * g.dilationH * g.w + (e % g.kw) * g.dilationW;
  int64_t spanY = (g.kh - 1) * g.dilationH, spanX = (g.kw - 1) * g.dilationW;
  for (int64_t oy = 0; oy < g.outH; oy++) {
    int64_t y0 = oy * g.strideH - g.padH;
    bool rowInside = fast && y0 >= 0 && y0 + spanY < g.h;
    for (int64_t ox = 0; ox < g.outW; ox++) {
      int64_t x0 = ox * g.strideW - g.padW;
      int64_t o = oy * g.outW + ox;
      bool inside = rowInside && x0 >= 0 && x0 + spanX < g.w;
      if (!inside || !maxInside(x, off, size, y0 * g.w + x0, out[o], indices[o])) {
        maxWindow(x, g, y0, x0, out[o], indices[o]);
      }
    }
  }
}

void avgPlane(const float* x, float* out, const PoolGeometry& g, bool countIncludePad) {
  for (int64_t oy = 0; oy < g.outH; oy++) {
    int64_t y0 = oy * g.strideH - g.padH;
    for (int64_t ox = 0; ox < g.outW; ox++) {
      int64_t x0 = ox * g.strideW - g.padW;
      double s = 0;
      for (int64_t iy = imax(y0, 0); iy < imin(y0 + g.kh, g.h); iy++) {
        for (int64_t ix = imax(x0, 0); ix < imin(x0 + g.kw, g.w); ix++) s += x[iy * g.w + ix];
      }
      out[oy * g.outW + ox] = static_cast<float>(s / windowSize(g, oy, ox, countIncludePad));
    }
  }
}

void avgPlaneBackward(const float* gOut, float* gx, const PoolGeometry& g, bool countIncludePad) {
  std::memset(gx, 0, sizeof(float) * g.h * g.w);
  for (int64_t oy = 0; oy < g.outH; oy++) {
    int64_t y0 = oy * g.strideH - g.padH;
    for (int64_t ox = 0; ox < g.outW; ox++) {
      int64_t x0 = ox * g.strideW - g.padW;
      float gv = static_cast<float>(static_cast<double>(gOut[oy * g.outW + ox]) / windowSize(g, oy, ox, countIncludePad));
      for (int64_t iy = imax(y0, 0); iy < imin(y0 + g.kh, g.h); iy++) {
        for (int64_t ix = imax(x0, 0); ix < imin(x0 + g.kw, g.w); ix++) gx[iy * g.w + ix] += gv;
      }
    }
  }
}

}  // namespace

void maxPool2d(const float* x, float* out, int32_t* indices, const PoolGeometry& g) {
  int64_t in = g.h * g.w, on = g.outH * g.outW;
  parallelRows(g.planes, on * g.kh * g.kw, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) maxPlane(x + p * in, out + p * on, indices + p * on, g);
  });
}

void maxPool2dBackward(const float* gOut, const int32_t* indices, float* gx, const PoolGeometry& g) {
  int64_t in = g.h * g.w, on = g.outH * g.outW;
  parallelRows(g.planes, in + on, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      float* gp = gx + p * in;
      std::memset(gp, 0, sizeof(float) * in);
      for (int64_t i = 0; i < on; i++) {
        int32_t at = indices[p * on + i];
        if (at >= 0 && at < in) gp[at] += gOut[p * on + i];  // -1: a window of padding only
      }
    }
  });
}

void avgPool2d(const float* x, float* out, const PoolGeometry& g, bool countIncludePad) {
  int64_t in = g.h * g.w, on = g.outH * g.outW;
  parallelRows(g.planes, on * g.kh * g.kw, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) avgPlane(x + p * in, out + p * on, g, countIncludePad);
  });
}

void avgPool2dBackward(const float* gOut, float* gx, const PoolGeometry& g, bool countIncludePad) {
  int64_t in = g.h * g.w, on = g.outH * g.outW;
  parallelRows(g.planes, on * g.kh * g.kw, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) avgPlaneBackward(gOut + p * on, gx + p * in, g, countIncludePad);
  });
}

}  // namespace LATHE_ISA
}  // namespace lathe
