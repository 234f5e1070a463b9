// 2-D max and average pooling over NCHW planes, ported from the js kernels (same window
// rules, same NaN handling); planes run in parallel. 2×2 windows with stride 2 (LeNet's,
// and most networks') take a vectorised path.
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

// 2×2 windows, stride 2, no padding or dilation, output rows of at least 4: each output
// row is cut into vectors of W outputs (the widest that fits; the last vector overlaps
// its predecessor, so nothing is read or written past the row).
bool isPair(const PoolGeometry& g) {
  return g.kh == 2 && g.kw == 2 && g.strideH == 2 && g.strideW == 2 && g.padH == 0 && g.padW == 0 &&
         g.dilationH == 1 && g.dilationW == 1 && g.outW >= 4;
}

typedef float F4 __attribute__((vector_size(16)));
typedef int32_t I4 __attribute__((vector_size(16)));
typedef float F8 __attribute__((vector_size(32)));
typedef int32_t I8 __attribute__((vector_size(32)));
typedef float F16 __attribute__((vector_size(64)));
typedef int32_t I16 __attribute__((vector_size(64)));
typedef double D4 __attribute__((vector_size(32)));
typedef double D8 __attribute__((vector_size(64)));
typedef double D16 __attribute__((vector_size(128)));
template <int W>
struct VecOf;
template <>
struct VecOf<4> {
  using F = F4;
  using I = I4;
  using D = D4;
};
template <>
struct VecOf<8> {
  using F = F8;
  using I = I8;
  using D = D8;
};
template <>
struct VecOf<16> {
  using F = F16;
  using I = I16;
  using D = D16;
};

template <int W>
struct Lanes {
  using F = typename VecOf<W>::F;
  using I = typename VecOf<W>::I;
  using D = typename VecOf<W>::D;
  static F load(const float* p) {
    F v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static I loadI(const int32_t* p) {
    I v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(float* p, F v) { std::memcpy(p, &v, sizeof v); }
  static void store(int32_t* p, I v) { std::memcpy(p, &v, sizeof v); }
  // {0, 2, 4, ...}: window corners (relative) of consecutive outputs, and the even lanes.
  static I evens() {
    I v;
    for (int i = 0; i < W; i++) v[i] = 2 * i;
    return v;
  }
  static bool any(I m) {
    int32_t r = 0;
    for (int i = 0; i < W; i++) r |= m[i];
    return r != 0;
  }
  // The even and odd elements of the 2W values at p.
  static void split(const float* p, F& even, F& odd) {
    F lo = load(p), hi = load(p + W);
    even = __builtin_shuffle(lo, hi, evens());
    odd = __builtin_shuffle(lo, hi, evens() + 1);
  }
  // The inverse of split: even and odd interleaved into the 2W values at p.
  static void merge(float* p, F even, F odd) {
    I lo, hi;
    for (int i = 0; i < W; i++) {
      lo[i] = (i % 2 ? W : 0) + i / 2;
      hi[i] = (i % 2 ? W : 0) + W / 2 + i / 2;
    }
    store(p, __builtin_shuffle(even, odd, lo));
    store(p + W, __builtin_shuffle(even, odd, hi));
  }
};

// Runs row(ox) over the starts of vectors of W outputs covering [0, outW), the last one
// ending at outW (outW >= W).
template <int W, class Row>
inline void vectorsOfRow(int64_t outW, Row&& row) {
  for (int64_t ox = 0;; ox += W) {
    if (ox > outW - W) ox = outW - W;
    row(ox);
    if (ox == outW - W) return;
  }
}

template <int W>
void maxPairPlane(const float* x, float* out, int32_t* indices, const PoolGeometry& g) {
  using L = Lanes<W>;
  const typename L::I corner = L::evens();
  const int32_t w = static_cast<int32_t>(g.w);
  for (int64_t oy = 0; oy < g.outH; oy++) {
    typename L::I nan = {};
    vectorsOfRow<W>(g.outW, [&](int64_t ox) {
      int32_t at = static_cast<int32_t>(2 * oy * g.w + 2 * ox);
      typename L::F a00, a01, a10, a11;
      L::split(x + at, a00, a01);
      L::split(x + at + w, a10, a11);
      // The first maximum in window order, as maxInside.
      typename L::F best = a00, sum = (a00 + a01) + (a10 + a11);
      typename L::I idx = corner + at, take = a01 > best;
      best = take ? a01 : best;
      idx = take ? corner + (at + 1) : idx;
      take = a10 > best;
      best = take ? a10 : best;
      idx = take ? corner + (at + w) : idx;
      take = a11 > best;
      best = take ? a11 : best;
      idx = take ? corner + (at + w + 1) : idx;
      nan |= sum != sum;
      int64_t o = oy * g.outW + ox;
      L::store(out + o, best);
      L::store(indices + o, idx);
    });
    // A NaN (or a false alarm from inf - inf) sends the row down the exact path.
    if (L::any(nan)) {
      for (int64_t ox = 0; ox < g.outW; ox++) {
        maxWindow(x, g, 2 * oy, 2 * ox, out[oy * g.outW + ox], indices[oy * g.outW + ox]);
      }
    }
  }
}

// The gradient of 2×2 windows written straight into gx (the windows do not overlap);
// false, leaving gx to the general path, when an index lies outside its window.
template <int W>
bool maxPairBackward(const float* gOut, const int32_t* indices, float* gx, const PoolGeometry& g) {
  using L = Lanes<W>;
  const typename L::I corner = L::evens();
  const int32_t w = static_cast<int32_t>(g.w);
  typename L::I stray = {};
  for (int64_t oy = 0; oy < g.outH; oy++) {
    float* r0 = gx + 2 * oy * g.w;
    vectorsOfRow<W>(g.outW, [&](int64_t ox) {
      int32_t at = static_cast<int32_t>(2 * oy * g.w + 2 * ox);
      int64_t o = oy * g.outW + ox;
      typename L::F gv = L::load(gOut + o), zero = {};
      typename L::I idx = L::loadI(indices + o) - corner - at;
      typename L::I m00 = idx == 0, m01 = idx == 1, m10 = idx == w, m11 = idx == w + 1;
      stray |= ~(m00 | m01 | m10 | m11);
      L::merge(r0 + 2 * ox, m00 ? gv : zero, m01 ? gv : zero);
      L::merge(r0 + g.w + 2 * ox, m10 ? gv : zero, m11 ? gv : zero);
    });
    // An odd width leaves a last column outside every window.
    for (int64_t c = 2 * g.outW; c < g.w; c++) r0[c] = r0[g.w + c] = 0.f;
  }
  // And an odd height a last row.
  std::memset(gx + 2 * g.outH * g.w, 0, sizeof(float) * (g.h - 2 * g.outH) * g.w);
  return !L::any(stray);
}

// 2×2 means, summed in double in window order as avgPlane does, so the results match it
// exactly (no padding: every window counts 4).
template <int W>
void avgPairPlane(const float* x, float* out, const PoolGeometry& g) {
  using L = Lanes<W>;
  using D = typename L::D;
  for (int64_t oy = 0; oy < g.outH; oy++) {
    vectorsOfRow<W>(g.outW, [&](int64_t ox) {
      const float* r0 = x + 2 * oy * g.w + 2 * ox;
      typename L::F a00, a01, a10, a11;
      L::split(r0, a00, a01);
      L::split(r0 + g.w, a10, a11);
      D s = __builtin_convertvector(a00, D) + __builtin_convertvector(a01, D);
      s = s + __builtin_convertvector(a10, D);
      s = s + __builtin_convertvector(a11, D);
      L::store(out + oy * g.outW + ox, __builtin_convertvector(s / 4.0, typename L::F));
    });
  }
}

// Each input pixel gets a quarter of its window's gradient (exactly float(g / 4.0)).
template <int W>
void avgPairBackward(const float* gOut, float* gx, const PoolGeometry& g) {
  using L = Lanes<W>;
  for (int64_t oy = 0; oy < g.outH; oy++) {
    float* r0 = gx + 2 * oy * g.w;
    vectorsOfRow<W>(g.outW, [&](int64_t ox) {
      typename L::F q = L::load(gOut + oy * g.outW + ox) * 0.25f;
      L::merge(r0 + 2 * ox, q, q);
      L::merge(r0 + g.w + 2 * ox, q, q);
    });
    for (int64_t c = 2 * g.outW; c < g.w; c++) r0[c] = r0[g.w + c] = 0.f;
  }
  std::memset(gx + 2 * g.outH * g.w, 0, sizeof(float) * (g.h - 2 * g.outH) * g.w);
}

// The widest vector of at most the native width that fits in the output row.
#if defined(__AVX512F__)
#define LATHE_BY_WIDTH(outW, call) ((outW) >= 16 ? call<16> : (outW) >= 8 ? call<8> : call<4>)
#elif defined(__AVX2__)
#define LATHE_BY_WIDTH(outW, call) ((outW) >= 8 ? call<8> : call<4>)
#else
#define LATHE_BY_WIDTH(outW, call) (call<4>)
#endif

void maxPlaneAny(const float* x, float* out, int32_t* indices, const PoolGeometry& g) {
  if (!isPair(g)) return maxPlane(x, out, indices, g);
  LATHE_BY_WIDTH(g.outW, maxPairPlane)(x, out, indices, g);
}

void maxPlaneBackward(const float* gOut, const int32_t* indices, float* gx, const PoolGeometry& g) {
  // Below 8 outputs a row the scatter below is faster (measured).
  if (isPair(g) && g.outW >= 8 && LATHE_BY_WIDTH(g.outW, maxPairBackward)(gOut, indices, gx, g)) return;
  int64_t in = g.h * g.w, on = g.outH * g.outW;
  std::memset(gx, 0, sizeof(float) * in);
  for (int64_t i = 0; i < on; i++) {
    int32_t at = indices[i];
    if (at >= 0 && at < in) gx[at] += gOut[i];  // -1: a window of padding only
  }
}

}  // namespace

void maxPool2d(const float* x, float* out, int32_t* indices, const PoolGeometry& g) {
  int64_t in = g.h * g.w, on = g.outH * g.outW;
  parallelRows(g.planes, on * g.kh * g.kw, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) maxPlaneAny(x + p * in, out + p * on, indices + p * on, g);
  });
}

void maxPool2dBackward(const float* gOut, const int32_t* indices, float* gx, const PoolGeometry& g) {
  int64_t in = g.h * g.w, on = g.outH * g.outW;
  parallelRows(g.planes, in + on, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) maxPlaneBackward(gOut + p * on, indices + p * on, gx + p * in, g);
  });
}

void avgPool2d(const float* x, float* out, const PoolGeometry& g, bool countIncludePad) {
  int64_t in = g.h * g.w, on = g.outH * g.outW;
  parallelRows(g.planes, on * g.kh * g.kw, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      if (isPair(g)) {
        LATHE_BY_WIDTH(g.outW, avgPairPlane)(x + p * in, out + p * on, g);
      } else {
        avgPlane(x + p * in, out + p * on, g, countIncludePad);
      }
    }
  });
}

void avgPool2dBackward(const float* gOut, float* gx, const PoolGeometry& g, bool countIncludePad) {
  int64_t in = g.h * g.w, on = g.outH * g.outW;
  parallelRows(g.planes, on * g.kh * g.kw, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      if (isPair(g)) {
        LATHE_BY_WIDTH(g.outW, avgPairBackward)(gOut + p * on, gx + p * in, g);
      } else {
        avgPlaneBackward(gOut + p * on, gx + p * in, g, countIncludePad);
      }
    }
  });
}

}  // namespace LATHE_ISA
}  // namespace lathe
