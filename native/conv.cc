// 2-D convolution (NCHW, OIHW weights, groups). Stride-1 convolutions with few output
// channels (LeNet's) run direct kernels vectorised over output positions, for all three
// passes. The rest is im2col + GEMM, the decomposition of the js kernel: the forward pass
// writes its patches straight into the GEMM's packed panel layout (no patch matrix written
// and read back); 1×1 convolutions with stride 1 and no padding skip im2col, the input
// plane already being the patch matrix. Batches of images run one image per thread (per
// run of images for the weight gradient); a single image leaves the threads to the GEMM.
#include "conv_lanes.h"
#include "gemm.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

struct Dims {
  int64_t cInG, cOutG, kSize, plane, inPlane;
  bool direct;  // 1×1, stride 1, no padding: im2col is the identity
};

Dims dims(const ConvGeometry& g) {
  Dims d;
  d.cInG = g.cIn / g.groups;
  d.cOutG = g.cOut / g.groups;
  d.kSize = d.cInG * g.kh * g.kw;
  d.plane = g.outH * g.outW;
  d.inPlane = g.h * g.w;
  d.direct = g.kh == 1 && g.kw == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0;
  return d;
}

// The [c*kh*kw, outH*outW] patch matrix of c channels starting at x.
void im2col(const float* x, int64_t c, const ConvGeometry& g, float* cols) {
  int64_t plane = g.outH * g.outW;
  float* row = cols;
  for (int64_t ci = 0; ci < c; ci++) {
    const float* xc = x + ci * g.h * g.w;
    for (int64_t ki = 0; ki < g.kh; ki++) {
      for (int64_t kj = 0; kj < g.kw; kj++, row += plane) {
        for (int64_t oy = 0; oy < g.outH; oy++) {
          int64_t iy = oy * g.strideH - g.padH + ki * g.dilationH;
          float* dst = row + oy * g.outW;
          if (iy < 0 || iy >= g.h) {
            std::memset(dst, 0, sizeof(float) * g.outW);
            continue;
          }
          const float* xr = xc + iy * g.w;
          int64_t x0 = kj * g.dilationW - g.padW;
          if (g.strideW == 1 && x0 >= 0 && x0 + g.outW <= g.w) {
            std::memcpy(dst, xr + x0, sizeof(float) * g.outW);
            continue;
          }
          for (int64_t ox = 0; ox < g.outW; ox++) {
            int64_t ix = ox * g.strideW + x0;
            dst[ox] = ix >= 0 && ix < g.w ? xr[ix] : 0.f;
          }
        }
      }
    }
  }
}

// The patches of c channels starting at x, as GEMM B panels (see BPacker): row p of the
// patch matrix is channel p / (kh·kw) at kernel offset (p / kw % kh, p % kw), column j is
// output position (j / outW, j % outW).
struct Patches {
  const float* x;
  const ConvGeometry* g;
};

// The positions t in [lo, hi) of a run of `run` outputs whose input column
// x0 + t·stride lies in [0, w); the rest reads padding.
inline void insideRange(int64_t x0, int64_t stride, int64_t w, int64_t run, int64_t& lo, int64_t& hi) {
  if (stride == 1) {
    lo = imin(run, imax(0, -x0));
    hi = imax(lo, imin(run, w - x0));
  } else {
    lo = imin(run, x0 >= 0 ? 0 : (-x0 + stride - 1) / stride);
    hi = imax(lo, imin(run, x0 >= w ? 0 : (w - 1 - x0) / stride + 1));
  }
}

void packPatches(const void* ctx, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
  const Patches& pt = *static_cast<const Patches*>(ctx);
  const ConvGeometry& g = *pt.g;
  const int64_t nr = panelWidth();
  for (int64_t p = p0; p < p0 + kc; p++) {
    int64_t ci = p / (g.kh * g.kw), ki = p / g.kw % g.kh, kj = p % g.kw;
    const float* xc = pt.x + ci * g.h * g.w;
    int64_t dy = ki * g.dilationH - g.padH, dx = kj * g.dilationW - g.padW;
    // Runs that stay within one output row and one panel, tracked with counters (a
    // division per run would cost more than copying it).
    int64_t oy = j0 / g.outW, ox = j0 % g.outW, lane = 0;
    float* panel = out + (p - p0) * nr;
    for (int64_t left = nc; left > 0;) {
      int64_t run = imin(imin(g.outW - ox, left), nr - lane);
      float* d = panel + lane;
      int64_t iy = oy * g.strideH + dy, x0 = ox * g.strideW + dx, lo = 0, hi = 0;
      if (iy >= 0 && iy < g.h) insideRange(x0, g.strideW, g.w, run, lo, hi);
      const float* xr = xc + iy * g.w + x0;
      for (int64_t t = 0; t < lo; t++) d[t] = 0.f;
      if (g.strideW == 1) {
        for (int64_t t = lo; t < hi; t++) d[t] = xr[t];
      } else {
        for (int64_t t = lo; t < hi; t++) d[t] = xr[t * g.strideW];
      }
      for (int64_t t = hi; t < run; t++) d[t] = 0.f;
      left -= run;
      ox += run;
      lane += run;
      if (ox == g.outW) {
        ox = 0;
        oy++;
      }
      if (lane == nr) {
        lane = 0;
        panel += nr * kc;
      }
    }
    // The last panel past column nc.
    for (int64_t t = lane; lane && t < nr; t++) panel[t] = 0.f;
  }
}

// The adjoint of im2col: adds each patch entry back onto the pixel it came from.
void col2im(const float* cols, int64_t c, const ConvGeometry& g, float* gx) {
  int64_t plane = g.outH * g.outW;
  const float* row = cols;
  for (int64_t ci = 0; ci < c; ci++) {
    float* xc = gx + ci * g.h * g.w;
    for (int64_t ki = 0; ki < g.kh; ki++) {
      for (int64_t kj = 0; kj < g.kw; kj++, row += plane) {
        for (int64_t oy = 0; oy < g.outH; oy++) {
          int64_t iy = oy * g.strideH - g.padH + ki * g.dilationH;
          if (iy < 0 || iy >= g.h) continue;
          float* xr = xc + iy * g.w;
          const float* src = row + oy * g.outW;
          int64_t x0 = kj * g.dilationW - g.padW;
          for (int64_t ox = 0; ox < g.outW; ox++) {
            int64_t ix = ox * g.strideW + x0;
            if (ix >= 0 && ix < g.w) xr[ix] += src[ox];
          }
        }
      }
    }
  }
}

// Stride-1 convolutions with few output channels per group: building the patch matrix
// would cost more than multiplying it. Instead the input of one image and group is copied,
// zero-padded, into rows of width wp (see Shifted), and the outputs are computed on that
// wide grid (position oy·wp + ox; the last wp - outW of each row are computed and dropped),
// where patch row p is simply the padded input shifted by
// offs[p] = ci·hp·wp + ki·dilationH·wp + kj·dilationW. Register-blocked kernels below
// vectorise over those positions: the pixel dimension fills the vector lanes, where the
// GEMM micro-kernel would spend most of its 14-row tile on channels that do not exist.
// The forward pass and the input gradient (a convolution too) accumulate a block of
// output channels × positions over the patch rows; the weight gradient a block of output
// channels × patch rows over the positions, in per-lane sums added up at the end.
constexpr int64_t kDirectMaxChannels = 32;
// Runs of images the weight gradient is split into (see conv2dBackwardWeight).
constexpr int64_t kWeightParts = 4;

bool useShifted(const ConvGeometry& g, const Dims& d) {
  return g.strideH == 1 && g.strideW == 1 && d.cOutG <= kDirectMaxChannels && !d.direct;
}

// dst[i] = src[i] for i < n: whole vectors, the last one overlapping its predecessor
// (rows here are too short for a memcpy call or a scalar tail to pay). With Check, adds
// src[i] - src[i] to *bad: NaN in some lane when a value is infinite or NaN, else 0.
template <bool Check = false>
inline void copyRow(float* __restrict dst, const float* __restrict src, int64_t n, Vec* bad = nullptr) {
  if (n < kLanes) {
    for (int64_t i = 0; i < n; i++) {
      dst[i] = src[i];
      if constexpr (Check) (*bad)[0] += src[i] - src[i];
    }
    return;
  }
  Vec b = Vec{};
  for (int64_t i = 0;; i += kLanes) {
    if (i > n - kLanes) i = n - kLanes;
    Vec v = loadv(src + i);
    storev(dst + i, v);
    if constexpr (Check) b += v - v;
    if (i == n - kLanes) break;
  }
  if constexpr (Check) *bad += b;
}

inline int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Register blocks of R channels (output channels forward, weight-gradient rows) × C
// columns (vectors of positions forward, patch rows for the weight gradient): the kernels
// are instantiated for a few shapes of 24 accumulators (of the 32 AVX-512 registers; 12 of
// 16 below), each with narrower blocks for the last columns; channels are padded up to
// whole blocks. Each call picks the shape that costs least for its sizes.
struct BlockShape {
  int rows, cols;
};
#if defined(__AVX512F__)
constexpr BlockShape kShapes[] = {{6, 4}, {8, 3}, {4, 6}, {3, 8}, {2, 8}, {1, 8}};
#else
constexpr BlockShape kShapes[] = {{6, 2}, {4, 3}, {3, 4}, {2, 4}, {1, 4}};
#endif
constexpr int kShapeCount = sizeof(kShapes) / sizeof(kShapes[0]);

// The block shape for `rows` × `cols`: padded work, weighted by the loads each block step
// issues per multiply-add.
int pickShape(int64_t rows, int64_t cols) {
  int best = 0;
  double bestCost = 0;
  for (int i = 0; i < kShapeCount; i++) {
    BlockShape s = kShapes[i];
    auto work = [&](int64_t c) { return static_cast<double>(c) * (1 + 0.5 * (s.rows + c) / (s.rows * c)); };
    int64_t tail = cols % s.cols;
    double cost = static_cast<double>(roundUp(rows, s.rows)) * (cols / s.cols * work(s.cols) + (tail ? work(tail) : 0));
    if (i == 0 || cost < bestCost) {
      best = i;
      bestCost = cost;
    }
  }
  return best;
}

// The wide grid of one image/group: its input zero-padded into rows of width wp. When the
// output row fits (padW <= (kw - 1)·dilationW, always so for the input gradient), the
// rows share their padding: row r is [padW zeros, w values], and reads past its end
// land in the next row's leading zeros. Fewer columns to compute and drop.
struct Shifted {
  int64_t hp, wp;
  bool shared;     // rows share their padding (wp = w + padW)
  int64_t wide;    // outH · wp output positions
  int64_t wideR;   // wide rounded up to whole vectors
  int64_t inSize;  // one padded image, with the slack the blocks read past it
};

Shifted shiftedGrid(const ConvGeometry& g, const Dims& d) {
  Shifted s;
  s.hp = g.h + 2 * g.padH;
  s.shared = g.outW <= g.w + g.padW;
  s.wp = g.w + (s.shared ? 1 : 2) * g.padW;
  s.wide = g.outH * s.wp;
  s.wideR = roundUp(s.wide, kLanes);
  // Blocks read up to wideR - wide positions past the last, (kw - 1)·dilationW past the input.
  s.inSize = roundUp(d.cInG * s.hp * s.wp + (s.wideR - s.wide) + (g.kw - 1) * g.dilationW, 16);
  return s;
}

// Lays the input of one image/group out on the wide grid at xp. With Check, returns whether
// all its values are finite (else true).
template <bool Check = false>
bool shiftInput(const float* x, const ConvGeometry& g, const Dims& d, const Shifted& s, float* xp) {
  Vec bad = Vec{};
  for (int64_t ci = 0; ci < d.cInG; ci++) {
    for (int64_t iy = 0; iy < s.hp; iy++) {
      float* row = xp + (ci * s.hp + iy) * s.wp;
      int64_t sy = iy - g.padH;
      if (sy < 0 || sy >= g.h) {
        std::memset(row, 0, sizeof(float) * s.wp);
        continue;
      }
      for (int64_t i = 0; i < g.padW; i++) row[i] = 0.f;
      for (int64_t i = s.shared ? s.wp : g.padW + g.w; i < s.wp; i++) row[i] = 0.f;
      copyRow<Check>(row + g.padW, x + (ci * g.h + sy) * g.w, g.w, &bad);
    }
  }
  int64_t used = d.cInG * s.hp * s.wp;
  std::memset(xp + used, 0, sizeof(float) * (s.inSize - used));
  bool finite = true;
  for (int l = 0; Check && l < kLanes; l++) finite &= bad[l] == bad[l];
  return finite;
}

// Patch row p read from the wide grid: offs[p] = ci·hp·wp + ki·dilationH·wp + kj·dilationW.
void shiftOffsets(const ConvGeometry& g, const Dims& d, const Shifted& s, int64_t* offs) {
  for (int64_t ci = 0; ci < d.cInG; ci++) {
    for (int64_t ki = 0; ki < g.kh; ki++) {
      for (int64_t kj = 0; kj < g.kw; kj++) *offs++ = ci * s.hp * s.wp + ki * g.dilationH * s.wp + kj * g.dilationW;
    }
  }
}

// c[i·ldc + j] = sum_p wt[p·ldw + i] · xp[offs[p] + j] for i < R, j < C·kLanes.
template <int R, int C>
void forwardBlock(int64_t k, const float* wt, int64_t ldw, const float* xp, const int64_t* offs, float* c,
                  int64_t ldc) {
  Vec acc[R][C];
#pragma GCC unroll 8
  for (int i = 0; i < R; i++) {
#pragma GCC unroll 8
    for (int v = 0; v < C; v++) acc[i][v] = Vec{};
  }
  for (int64_t p = 0; p < k; p++) {
    const float* xr = xp + offs[p];
    const float* wr = wt + p * ldw;
    Vec xv[C];
#pragma GCC unroll 8
    for (int v = 0; v < C; v++) xv[v] = loadv(xr + v * kLanes);
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
      float wi = wr[i];
#pragma GCC unroll 8
      for (int v = 0; v < C; v++) acc[i][v] += wi * xv[v];
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < R; i++) {
#pragma GCC unroll 8
    for (int v = 0; v < C; v++) storev(c + i * ldc + v * kLanes, acc[i][v]);
  }
}

// acc[i·ldacc + q] += sum over images b < count and positions j < nvec·kLanes of
// g[b·gImage + i·ldg + j] · xp[b·xImage + offs[q] + j] for i < R, q < C: per-lane partial
// sums of the weight gradient, added up across lanes at the end. With `mask` (one IVec
// per vector of positions: all ones where j is a kept position, else 0), xp is read as
// zero at the dropped positions: their gradient is zero, but 0 · Inf would be NaN.
template <int R, int C, bool Masked>
void weightBlock(int64_t count, int64_t nvec, const float* g, int64_t ldg, int64_t gImage, const float* xp,
                 int64_t xImage, const int64_t* offs, Vec* acc, int64_t ldacc, const int32_t* mask) {
  Vec s[R][C];
#pragma GCC unroll 8
  for (int i = 0; i < R; i++) {
#pragma GCC unroll 8
    for (int q = 0; q < C; q++) s[i][q] = Vec{};
  }
  for (int64_t b = 0; b < count; b++) {
    const float* gb = g + b * gImage;
    const float* xr[C];
#pragma GCC unroll 8
    for (int q = 0; q < C; q++) xr[q] = xp + b * xImage + offs[q];
    for (int64_t j = 0; j < nvec * kLanes; j += kLanes) {
      Vec xv[C];
#pragma GCC unroll 8
      for (int q = 0; q < C; q++) xv[q] = loadv(xr[q] + j);
      if constexpr (Masked) {
        IVec m;
        std::memcpy(&m, mask + j, sizeof m);
#pragma GCC unroll 8
        for (int q = 0; q < C; q++) xv[q] = m ? xv[q] : Vec{};
      }
#pragma GCC unroll 8
      for (int i = 0; i < R; i++) {
        Vec gv = loadv(gb + i * ldg + j);
#pragma GCC unroll 8
        for (int q = 0; q < C; q++) s[i][q] += gv * xv[q];
      }
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < R; i++) {
#pragma GCC unroll 8
    for (int q = 0; q < C; q++) acc[i * ldacc + q] += s[i][q];
  }
}

// Blocks of `cols` <= C columns: the full block, or a narrower one for the last columns.
template <int R, int C>
void forwardCols(int64_t cols, int64_t k, const float* wt, int64_t ldw, const float* xp, const int64_t* offs,
                 float* c, int64_t ldc) {
  if constexpr (C > 1) {
    if (cols < C) return forwardCols<R, C - 1>(cols, k, wt, ldw, xp, offs, c, ldc);
  }
  forwardBlock<R, C>(k, wt, ldw, xp, offs, c, ldc);
}

template <int R, int C, bool Masked = false>
void weightCols(int64_t cols, int64_t count, int64_t nvec, const float* g, int64_t ldg, int64_t gImage,
                const float* xp, int64_t xImage, const int64_t* offs, Vec* acc, int64_t ldacc, const int32_t* mask) {
  if constexpr (C > 1) {
    if (cols < C) {
      return weightCols<R, C - 1, Masked>(cols, count, nvec, g, ldg, gImage, xp, xImage, offs, acc, ldacc, mask);
    }
  }
  weightBlock<R, C, Masked>(count, nvec, g, ldg, gImage, xp, xImage, offs, acc, ldacc, mask);
}

using ForwardFn = void (*)(int64_t, int64_t, const float*, int64_t, const float*, const int64_t*, float*, int64_t);
using WeightFn = void (*)(int64_t, int64_t, int64_t, const float*, int64_t, int64_t, const float*, int64_t,
                          const int64_t*, Vec*, int64_t, const int32_t*);
#if defined(__AVX512F__)
constexpr ForwardFn kForward[] = {forwardCols<6, 4>, forwardCols<8, 3>, forwardCols<4, 6>,
                                  forwardCols<3, 8>, forwardCols<2, 8>, forwardCols<1, 8>};
constexpr WeightFn kWeight[] = {weightCols<6, 4>, weightCols<8, 3>, weightCols<4, 6>,
                                weightCols<3, 8>, weightCols<2, 8>, weightCols<1, 8>};
constexpr WeightFn kWeightMasked[] = {weightCols<6, 4, true>, weightCols<8, 3, true>, weightCols<4, 6, true>,
                                      weightCols<3, 8, true>, weightCols<2, 8, true>, weightCols<1, 8, true>};
#else
constexpr ForwardFn kForward[] = {forwardCols<6, 2>, forwardCols<4, 3>, forwardCols<3, 4>, forwardCols<2, 4>,
                                  forwardCols<1, 4>};
constexpr WeightFn kWeight[] = {weightCols<6, 2>, weightCols<4, 3>, weightCols<3, 4>, weightCols<2, 4>,
                                weightCols<1, 4>};
constexpr WeightFn kWeightMasked[] = {weightCols<6, 2, true>, weightCols<4, 3, true>, weightCols<3, 4, true>,
                                      weightCols<2, 4, true>, weightCols<1, 4, true>};
#endif

// A forward plan: block shape, the weights as its blocks read them, wt[group][p][cp]
// (cp = cOutG rounded up to the block's rows, zeros past cOutG), from w(group, co, p),
// and the patch rows' offsets (shiftOffsets), made once per call by the calling thread.
struct ForwardPlan {
  BlockShape shape;
  ForwardFn fn;
  int64_t cp, wtSize;
  float* wt;
  int64_t* offs;
};

// With `lanes`, for the channel-lane kernels: channels rounded up to whole vectors.
template <class W>
ForwardPlan forwardPlan(const ConvGeometry& g, const Dims& d, W&& w, bool lanes = false) {
  ForwardPlan f;
  Shifted s = shiftedGrid(g, d);
  int i = pickShape(d.cOutG, s.wideR / kLanes);
  f.shape = kShapes[i];
  f.fn = kForward[i];
  f.cp = roundUp(d.cOutG, lanes ? kLanes : f.shape.rows);
  f.wtSize = f.cp * d.kSize;
  f.wt = scratch(3, g.groups * f.wtSize);
  for (int64_t gi = 0; gi < g.groups; gi++) {
    float* wt = f.wt + gi * f.wtSize;
    for (int64_t p = 0; p < d.kSize; p++) {
      for (int64_t co = 0; co < f.cp; co++) wt[p * f.cp + co] = co < d.cOutG ? w(gi, co, p) : 0.f;
    }
  }
  f.offs = reinterpret_cast<int64_t*>(scratch(4, 2 * d.kSize));
  shiftOffsets(g, d, s, f.offs);
  return f;
}

// out (cOutG planes of outH × outW, or pooled) = the convolution of one image and group
// `gi`, finished by convEpilogue (bias, ReLU, pooling; `limit` as there). Without padding
// the wide grid is the input itself, read in place where the blocks' reads past it stay
// before xEnd (the images after it).
void convShifted(const float* x, const float* xEnd, const ForwardPlan& f, int64_t gi, const float* bias,
                 const ConvEpilogue& ep, float* out, const float* limit, const ConvGeometry& g, const Dims& d) {
  int64_t block = f.shape.cols * kLanes;
  Shifted s = shiftedGrid(g, d);
  const float* xp = x;
  if (g.padH || g.padW || !xEnd || x + s.inSize > xEnd) {
    float* copy = scratch(2, s.inSize);
    shiftInput(x, g, d, s, copy);
    xp = copy;
  }
  const int64_t* offs = f.offs;
  float* wideOut = scratch(5, f.cp * s.wideR + kEpilogueSlack);
  const float* wt = f.wt + gi * f.wtSize;
  // Position blocks outside: the input rows a block reads stay in L1 for every channel block.
  for (int64_t j0 = 0; j0 < s.wideR; j0 += block) {
    for (int64_t co0 = 0; co0 < f.cp; co0 += f.shape.rows) {
      f.fn((s.wideR - j0) / kLanes, d.kSize, wt + co0, f.cp, xp + j0, offs, wideOut + co0 * s.wideR + j0, s.wideR);
    }
  }
  convEpilogue(wideOut, s.wideR, s.wp, d.cOutG, bias, ep, out, limit, g);
}

// cOutG planes of gOut laid out on the wide grid in rows of cp·wideR: zeros in the dropped
// columns, past `wide`, and in channels cOutG to cp.
void wideGradient(const float* go, int64_t cp, const ConvGeometry& g, const Dims& d, const Shifted& s, float* gw) {
  for (int64_t co = 0; co < cp; co++) {
    float* row = gw + co * s.wideR;
    if (co >= d.cOutG) {
      std::memset(row, 0, sizeof(float) * s.wideR);
      continue;
    }
    // The dropped columns of a row as one vector of zeros where it covers them and stays
    // within the grid: what it writes past them lies in the rows after it, every entry of
    // which is copied or zeroed later.
    bool vectorZeros = s.wp - g.outW <= kLanes;
    for (int64_t oy = 0; oy < g.outH; oy++) {
      float* r = row + oy * s.wp;
      if (vectorZeros && oy * s.wp + g.outW + kLanes <= s.wide) {
        storev(r + g.outW, Vec{});
      } else {
        for (int64_t i = g.outW; i < s.wp; i++) r[i] = 0.f;
      }
      copyRow(r, go + co * d.plane + oy * g.outW, g.outW);
    }
    for (int64_t i = s.wide; i < s.wideR; i++) row[i] = 0.f;
  }
}

// The weight gradient of images [b0, b1) and group gi, written to out[co·kSize + p]. The
// blocks sum per lane (the lanes hold positions), added up across lanes at the end. gOut
// is laid out on the wide grid with zeros in the dropped columns, so those positions add
// nothing — as long as the input values they meet are finite: a dropped position meets
// real inputs (the next row's first columns, the next channel's rows), and 0 · Inf = NaN
// would reach weights that never meet that input. So the copy of the input checks its
// values, and batches holding an infinity or NaN run blocks that read the input as zero
// at the dropped positions (which changes no finite sum but the sign of a zero one).
// Small images are taken a few at a time, so that a block's accumulators outlive more
// than one of them.
void weightGradShifted(const float* gOut, const float* x, int64_t gi, int64_t b0, int64_t b1, int shape, float* out,
                       const ConvGeometry& g, const Dims& d) {
  BlockShape bs = kShapes[shape];
  WeightFn fn = kWeight[shape];
  Shifted s = shiftedGrid(g, d);
  int64_t cp = roundUp(d.cOutG, bs.rows);
  int64_t nvec = s.wideR / kLanes, gImage = cp * s.wideR;
  // Images per batch: enough vector steps per block (32) that writing back its
  // accumulators stays a small part, within 256 KB of data (measured on LeNet's layers:
  // one 32×32 image a batch, four 14×14).
  int64_t perImage = sizeof(float) * (s.inSize + d.cOutG * s.wideR);
  int64_t batch = imax(1, imin(imin(b1 - b0, (32 + nvec - 1) / nvec), (256 << 10) / perImage));
  float* xp = scratch(2, batch * s.inSize);
  // The wide gradients of a batch of images, then the [cp][kSize] per-lane sums.
  float* gWide = scratch(5, batch * gImage + cp * d.kSize * kLanes);
  Vec* acc = reinterpret_cast<Vec*>(gWide + batch * gImage);
  for (int64_t i = 0; i < cp * d.kSize; i++) acc[i] = Vec{};
  // The patch rows' offsets, then the kept positions' mask (made when first needed).
  int64_t* offs = reinterpret_cast<int64_t*>(scratch(4, 2 * d.kSize + s.wideR));
  int32_t* mask = reinterpret_cast<int32_t*>(offs + d.kSize);
  bool masked = false;
  shiftOffsets(g, d, s, offs);
  for (int64_t first = b0; first < b1; first += batch) {
    int64_t count = imin(batch, b1 - first);
    bool finite = true;
    for (int64_t b = 0; b < count; b++) {
      int64_t img = (first + b) * g.groups + gi;
      finite &= shiftInput<true>(x + img * d.cInG * d.inPlane, g, d, s, xp + b * s.inSize);
      wideGradient(gOut + img * d.cOutG * d.plane, cp, g, d, s, gWide + b * gImage);
    }
    if (!finite && !masked) {
      for (int64_t j = 0; j < s.wideR; j++) mask[j] = j < s.wide && j % s.wp < g.outW ? -1 : 0;
      masked = true;
    }
    WeightFn f = finite ? fn : kWeightMasked[shape];
    for (int64_t co0 = 0; co0 < cp; co0 += bs.rows) {
      for (int64_t p0 = 0; p0 < d.kSize; p0 += bs.cols) {
        f(d.kSize - p0, count, nvec, gWide + co0 * s.wideR, s.wideR, gImage, xp, s.inSize, offs + p0,
          acc + co0 * d.kSize + p0, d.kSize, mask);
      }
    }
  }
  for (int64_t i = 0; i < d.cOutG * d.kSize; i++) {
    float sum = 0.f;
    for (int l = 0; l < kLanes; l++) sum += acc[i][l];
    out[i] = sum;
  }
}

// The input gradient as the adjoint of the wide-grid forward pass, for shapes where the
// transposed convolution would mostly multiply its zero padding (small images, large
// kernels): cols[p][j] = sum_co w(co, p) · gOut(co, j) on the output wide grid (cOutG
// multiply-adds per entry, none spent on padding), then each input pixel gathers its
// kh·kw entries of cols, whole shifted rows added as vectors (col2im on the wide grid).
// The cols buffer whose zeros this thread laid, and in which call (numbered by gatherCalls).
struct ZeroedCols {
  const float* cols;
  int64_t call;
};
thread_local ZeroedCols gatherZeroed = {nullptr, -1};
int64_t gatherCalls = 0;

struct GatherPlan {
  int shape;     // block of the cols product: patch rows × vectors of positions
  int64_t kpc;   // kh·kw rounded up to the block's rows: cols rows per input channel
  int64_t kp;    // cInG·kpc
  float* wt;     // wt[group][co][ci][kpc]: w with zero rows past kh·kw in each channel
  int64_t call;  // this call's number
};

// Multiply-adds (in lanes) of the gather path, and loads-and-adds of its col2im.
double gatherCost(const ConvGeometry& g, const Dims& d, int shape) {
  Shifted s = shiftedGrid(g, d);
  return static_cast<double>(d.cInG * roundUp(g.kh * g.kw, kShapes[shape].rows) * s.wideR * d.cOutG) +
         static_cast<double>(d.cInG * d.inPlane * g.kh * g.kw);
}

void inputGradGather(const float* go, const GatherPlan& gp, int64_t gi, float* gx, const ConvGeometry& g,
                     const Dims& d) {
  Shifted s = shiftedGrid(g, d);
  BlockShape bs = kShapes[gp.shape];
  float* gw = scratch(2, d.cOutG * s.wideR);
  wideGradient(go, d.cOutG, g, d, s, gw);
  // The product's offsets (the wide gradient's rows), then the gather's shifts.
  int64_t kk = g.kh * g.kw;
  int64_t* offs = reinterpret_cast<int64_t*>(scratch(4, 2 * (d.cOutG + kk)));
  int64_t* shift = offs + d.cOutG;
  for (int64_t co = 0; co < d.cOutG; co++) offs[co] = co * s.wideR;
  // Row p of cols: `margin` zeros, wideR entries, zeros up to hp·wp: every shifted read
  // of the gather lands in it.
  int64_t margin = (g.kh - 1) * g.dilationH * s.wp + (g.kw - 1) * g.dilationW;
  int64_t ld = roundUp(margin + s.hp * s.wp, 16);
  // One input channel's rows at a time, product then gather, so that they stay in L1
  // (all of LeNet's second layer's would be 190 KB).
  float* cols = scratch(5, gp.kpc * ld);
  // The products never write the zeros, so a thread lays them once per call (per image
  // they cost a quarter of the call).
  if (gatherZeroed.cols != cols || gatherZeroed.call != gp.call) {
    for (int64_t p = 0; p < gp.kpc; p++) {
      std::memset(cols + p * ld, 0, sizeof(float) * margin);
      std::memset(cols + p * ld + margin + s.wideR, 0, sizeof(float) * (ld - margin - s.wideR));
    }
    gatherZeroed = {cols, gp.call};
  }
  const float* wt = gp.wt + gi * d.cOutG * gp.kp;
  // Input pixel (ci, iy, ix) is padded-grid position t = (iy + padH)·wp + padW + ix; patch
  // row (ci, ki, kj) saw it at output position t - ki·dilationH·wp - kj·dilationW.
  for (int64_t e = 0; e < kk; e++) shift[e] = e * ld - (e / g.kw) * g.dilationH * s.wp - (e % g.kw) * g.dilationW;
  for (int64_t ci = 0; ci < d.cInG; ci++) {
    // cols[e][j] = sum_co w(co, ci, e) · gOut(co, j), in co order.
    for (int64_t j0 = 0; j0 < s.wideR; j0 += bs.cols * kLanes) {
      for (int64_t p0 = 0; p0 < gp.kpc; p0 += bs.rows) {
        kForward[gp.shape]((s.wideR - j0) / kLanes, d.cOutG, wt + ci * gp.kpc + p0, gp.kp, gw + j0, offs,
                           cols + p0 * ld + margin + j0, ld);
      }
    }
    const float* cc = cols + margin;
    // dst[i] = sum_e cc[shift[e] + t0 + i] for i < n.
    auto gather = [&](float* dst, int64_t t0, int64_t n) {
      if (n < kLanes) {
        for (int64_t i = 0; i < n; i++) {
          float a = 0.f;
          for (int64_t e = 0; e < kk; e++) a += cc[shift[e] + t0 + i];
          dst[i] = a;
        }
        return;
      }
      // Four vectors at a time: four independent chains of kh·kw adds.
      int64_t i = 0;
      for (; i + 4 * kLanes <= n; i += 4 * kLanes) {
        Vec a0 = Vec{}, a1 = Vec{}, a2 = Vec{}, a3 = Vec{};
        for (int64_t e = 0; e < kk; e++) {
          const float* src = cc + shift[e] + t0 + i;
          a0 += loadv(src);
          a1 += loadv(src + kLanes);
          a2 += loadv(src + 2 * kLanes);
          a3 += loadv(src + 3 * kLanes);
        }
        storev(dst + i, a0);
        storev(dst + i + kLanes, a1);
        storev(dst + i + 2 * kLanes, a2);
        storev(dst + i + 3 * kLanes, a3);
      }
      for (; i < n; i += kLanes) {
        if (i > n - kLanes) i = n - kLanes;
        Vec a = Vec{};
        for (int64_t e = 0; e < kk; e++) a += loadv(cc + shift[e] + t0 + i);
        storev(dst + i, a);
      }
    };
    float* gxc = gx + ci * d.inPlane;
    if (g.padW == 0) {
      gather(gxc, g.padH * s.wp, d.inPlane);  // wp = w: the plane is one run
    } else {
      for (int64_t iy = 0; iy < g.h; iy++) gather(gxc + iy * g.w, (iy + g.padH) * s.wp + g.padW, g.w);
    }
  }
}

#if defined(__AVX512F__) || defined(__AVX2__)
// Whether the channel-lane kernels cost less than the wide grid's (in vector multiply-adds,
// the lane kernels' weighted for their broadcasts).
bool useLanes(const ConvGeometry& g, const Dims& d) {
  int64_t vectors = (d.cOutG + kLanes - 1) / kLanes;
  if (!useShifted(g, d) || vectors > kLaneVectors) return false;
  Shifted s = shiftedGrid(g, d);
  int64_t rows = kShapes[pickShape(d.cOutG, s.wideR / kLanes)].rows;
  double wide = static_cast<double>(roundUp(d.cOutG, rows) * (s.wideR / kLanes));
  return 1.1 * static_cast<double>(vectors * g.outH * g.outW) < wide;
}

// convLanes' epilogue with ReLU, pooling and the maxima's positions (ep.indices): the
// first maximum in window order, ReLU leaving no NaN, so the values are maxNan's.
void lanesEpilogueIndices(const Vec* lanes, int64_t ldo, int64_t V, const Vec* b, const float* bias,
                          const ConvEpilogue& ep, float* out, const ConvGeometry& g, const Dims& d) {
  const int64_t k = ep.pool, ph = g.outH / k, pw = g.outW / k;
  for (int64_t py = 0; py < ph; py++) {
    for (int64_t px = 0; px < pw; px++) {
      for (int64_t v = 0; v < V; v++) {
        Vec m = Vec{};
        IVec at = IVec{};
        for (int64_t i = 0; i < k; i++) {
          for (int64_t j = 0; j < k; j++) {
            Vec a = lanes[(py * k + i) * ldo + (px * k + j) * V + v];
            if (bias) a += b[v];
            a = relu(a);
            IVec take = i == 0 && j == 0 ? ~IVec{} : a > m;
            m = take ? a : m;
            at = take ? IVec{} + static_cast<int32_t>((py * k + i) * g.outW + px * k + j) : at;
          }
        }
        float t[kLanes];
        storev(t, m);
        int64_t o = v * kLanes * ph * pw + py * pw + px;
        for (int64_t l = 0; l < imin(kLanes, d.cOutG - v * kLanes); l++) {
          out[o + l * ph * pw] = t[l];
          ep.indices[o + l * ph * pw] = at[l];
        }
      }
    }
  }
}

// One image and group `gi` of the forward pass on the channel-lane kernels (f.cp = whole
// vectors of channels), then the epilogue on vectors of channels: bias, ReLU, pooling,
// each position's channels written out to their planes.
void convLanes(const float* x, const float* xEnd, const ForwardPlan& f, int64_t gi, const float* bias,
               const ConvEpilogue& ep, float* out, const ConvGeometry& g, const Dims& d) {
  Shifted s = shiftedGrid(g, d);
  const float* xp = x;
  if (g.padH || g.padW || x + s.inSize > xEnd) {
    float* copy = scratch(2, s.inSize);
    shiftInput(x, g, d, s, copy);
    xp = copy;
  }
  const int64_t V = f.cp / kLanes, ldo = g.outW * V;
  Vec* lanes = reinterpret_cast<Vec*>(scratch(5, g.outH * ldo * kLanes));
  const float* wt = f.wt + gi * f.wtSize;
  for (int64_t oy = 0; oy < g.outH; oy += 2) {
    int64_t rows = imin(2, g.outH - oy);
    kLaneRuns[rows - 1][V - 1](g.outW, d.kSize, wt, f.cp, xp + oy * s.wp, s.wp, f.offs, lanes + oy * ldo, ldo);
  }
  Vec b[kLaneVectors] = {};
  for (int64_t co = 0; bias && co < d.cOutG; co++) b[co / kLanes][co % kLanes] = bias[co];
  const int64_t k = ep.pool, ph = g.outH / k, pw = g.outW / k;
  if (ep.indices) return lanesEpilogueIndices(lanes, ldo, V, b, bias, ep, out, g, d);
  for (int64_t py = 0; py < ph; py++) {
    for (int64_t px = 0; px < pw; px++) {
      for (int64_t v = 0; v < V; v++) {
        Vec m = Vec{};
        for (int64_t i = 0; i < k; i++) {
          for (int64_t j = 0; j < k; j++) {
            Vec a = lanes[(py * k + i) * ldo + (px * k + j) * V + v];
            if (bias) a += b[v];
            if (ep.relu) a = relu(a);
            m = i == 0 && j == 0 ? a : maxNan(m, a);
          }
        }
        float t[kLanes];
        storev(t, m);
        float* o = out + v * kLanes * ph * pw + py * pw + px;
        for (int64_t l = 0; l < imin(kLanes, d.cOutG - v * kLanes); l++) o[l * ph * pw] = t[l];
      }
    }
  }
}
// Whether the weight gradient runs on the channel-lane kernels (laneWeightBlock): one
// vector of channels, kernel columns without dilation, and fewer vector multiply-adds
// (×1.1 for the broadcasts) than the wide grid's blocks.
bool useLaneWeight(const ConvGeometry& g, const Dims& d) {
  if (!useShifted(g, d) || d.cOutG > kLanes || g.kw > kLaneWeightMaxKw || g.dilationW != 1) return false;
  Shifted s = shiftedGrid(g, d);
  BlockShape bs = kShapes[pickShape(d.cOutG, d.kSize)];
  double wide = static_cast<double>(roundUp(d.cOutG, bs.rows) * roundUp(d.kSize, bs.cols) * (s.wideR / kLanes));
  return 1.1 * static_cast<double>(d.kSize * d.plane) < wide;
}

// The weight gradient of images [b0, b1) and group gi on the channel-lane kernels, written
// to out[co·kSize + p]: per image its gradient transposed to a channel vector per position,
// then per input channel the kernel rows' blocks, summing every position in order into
// accumulators kept across the images.
void weightGradLanes(const float* gOut, const float* x, int64_t gi, int64_t b0, int64_t b1, float* out,
                     const ConvGeometry& g, const Dims& d) {
  Shifted s = shiftedGrid(g, d);
  bool padded = g.padH || g.padW;  // without padding the image is its own wide grid, read in place
  float* xp = padded ? scratch(2, s.inSize) : nullptr;
  Vec* acc = reinterpret_cast<Vec*>(scratch(5, (d.kSize + d.plane) * kLanes));
  Vec* gt = acc + d.kSize;
  for (int64_t i = 0; i < d.kSize; i++) acc[i] = Vec{};
  LaneWeightFn fn = kLaneWeight[g.kw - 1];
  const float* rows[64];
  for (int64_t b = b0; b < b1; b++) {
    int64_t img = b * g.groups + gi;
    const float* xi = x + img * d.cInG * d.inPlane;
    if (padded) {
      shiftInput(xi, g, d, s, xp);
      xi = xp;
    }
    const float* go = gOut + img * d.cOutG * d.plane;
    for (int64_t i = 0; i < d.plane; i++) gt[i] = Vec{};
    for (int64_t co = 0; co < d.cOutG; co++) {
      for (int64_t i = 0; i < d.plane; i++) gt[i][co] = go[co * d.plane + i];
    }
    for (int64_t ci = 0; ci < d.cInG; ci++) {
      for (int64_t k0 = 0; k0 < g.kh; k0 += 64) {
        int64_t n = imin(64, g.kh - k0);
        for (int64_t r = 0; r < n; r++) rows[r] = xi + ci * s.hp * s.wp + (k0 + r) * g.dilationH * s.wp;
        fn(n, rows, s.wp, g.outH, g.outW, gt, acc + (ci * g.kh + k0) * g.kw);
      }
    }
  }
  for (int64_t co = 0; co < d.cOutG; co++) {
    for (int64_t p = 0; p < d.kSize; p++) out[co * d.kSize + p] = acc[p][co];
  }
}
#else
bool useLanes(const ConvGeometry&, const Dims&) { return false; }
bool useLaneWeight(const ConvGeometry&, const Dims&) { return false; }
void weightGradLanes(const float*, const float*, int64_t, int64_t, int64_t, float*, const ConvGeometry&, const Dims&) {}
void convLanes(const float*, const float*, const ForwardPlan&, int64_t, const float*, const ConvEpilogue&, float*,
               const ConvGeometry&, const Dims&) {}
#endif

// Runs image(b, parallelGemm) for every image: one image per thread when there are
// enough images and work, else in order with the GEMMs themselves parallel.
template <class F>
void forImages(const ConvGeometry& g, const Dims& d, F&& image) {
  int64_t macs = g.n * g.cOut * d.kSize * d.plane;
  if (g.n >= numThreads() && numThreads() > 1 && macs >= kParallelMacs) {
    parallel(g.n, [&](int64_t b) { image(b, false); });
  } else {
    for (int64_t b = 0; b < g.n; b++) image(b, true);
  }
}

void product(bool parallelGemm, int64_t m, int64_t n, int64_t k, const float* a, bool ta, const float* b, bool tb,
             float* c, int64_t ldc, bool accumulate) {
  if (parallelGemm) {
    sgemm(m, n, k, a, ta, b, tb, c, ldc, accumulate);
  } else {
    sgemmSerial(m, n, k, a, ta, b, tb, c, ldc, accumulate);
  }
}

}  // namespace

void conv2d(const float* x, const float* w, const float* bias, float* out, const ConvGeometry& g,
            const ConvEpilogue& ep) {
  Dims d = dims(g);
  bool shifted = useShifted(g, d), lanes = useLanes(g, d);
  // Only bias: the GEMM paths add it in place; the rest goes through a per-image buffer.
  bool plain = !ep.relu && ep.pool == 1;
  int64_t outPlane = (g.outH / ep.pool) * (g.outW / ep.pool);
  ForwardPlan plan{};
  if (shifted) {
    auto weight = [&](int64_t gi, int64_t co, int64_t p) { return w[(gi * d.cOutG + co) * d.kSize + p]; };
    plan = forwardPlan(g, d, weight, lanes);
  }
  forImages(g, d, [&](int64_t b, bool par) {
    const float* limit = out + (b + 1) * g.cOut * outPlane;
    for (int64_t gi = 0; gi < g.groups; gi++) {
      const float* xg = x + (b * g.cIn + gi * d.cInG) * d.inPlane;
      const float* wg = w + gi * d.cOutG * d.kSize;
      const float* bg = bias ? bias + gi * d.cOutG : nullptr;
      float* og = out + (b * g.cOut + gi * d.cOutG) * outPlane;
      ConvEpilogue e = ep;  // with this image and group's indices
      if (e.indices) e.indices += (b * g.cOut + gi * d.cOutG) * outPlane;
      if (lanes) {
        convLanes(xg, x + g.n * g.cIn * d.inPlane, plan, gi, bg, e, og, g, d);
        continue;
      }
      if (shifted) {
        convShifted(xg, x + g.n * g.cIn * d.inPlane, plan, gi, bg, e, og, limit, g, d);
        continue;
      }
      float* dst = plain ? og : scratch(5, d.cOutG * d.plane + kEpilogueSlack);
      if (d.direct) {
        product(par, d.cOutG, d.plane, d.kSize, wg, false, xg, false, dst, d.plane, false);
      } else {
        Patches patches{xg, &g};
        BPacker packer{packPatches, &patches};
        if (par) {
          sgemm(d.cOutG, d.plane, d.kSize, wg, false, packer, dst, d.plane, false);
        } else {
          sgemmSerial(d.cOutG, d.plane, d.kSize, wg, false, packer, dst, d.plane, false);
        }
      }
      if (!plain) {
        convEpilogue(dst, d.plane, g.outW, d.cOutG, bg, e, og, limit, g);
      } else if (bg) {
        for (int64_t co = 0; co < d.cOutG; co++) {
          float* o = og + co * d.plane;
          for (int64_t i = 0; i < d.plane; i++) o[i] += bg[co];
        }
      }
    }
  });
}

// With stride 1 the input gradient is itself a stride-1 convolution: of gOut, padded by
// (k - 1)·dilation - pad, with the kernel flipped and its channel axes swapped. Fills the
// geometry of that convolution; false when it does not apply or would not pay.
bool transposedConv(const ConvGeometry& g, const Dims& d, ConvGeometry& t) {
  t = g;
  t.cIn = g.cOut;
  t.h = g.outH;
  t.w = g.outW;
  t.cOut = g.cIn;
  t.outH = g.h;
  t.outW = g.w;
  t.padH = (g.kh - 1) * g.dilationH - g.padH;
  t.padW = (g.kw - 1) * g.dilationW - g.padW;
  return t.padH >= 0 && t.padW >= 0 && useShifted(t, dims(t)) && !d.direct;
}

// Whether n floats at p are all finite.
bool allFinite(const float* p, int64_t n) {
  Vec v = Vec{};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) v += loadv(p + i) - loadv(p + i);
  float bad = 0.f;
  for (; i < n; i++) bad += p[i] - p[i];
  for (int l = 0; l < kLanes; l++) bad += v[l];
  return bad == bad;
}

void conv2dBackwardInput(const float* gOut, const float* w, float* gx, const ConvGeometry& g) {
  Dims d = dims(g);
  ConvGeometry t;
  bool shifted = transposedConv(g, d, t);
  Dims td = dims(t);
  // The gather path where it does fewer multiply-adds than the transposed convolution.
  bool gather = useShifted(g, d) && d.cInG <= kDirectMaxChannels;
  // Both multiply each weight by a zero that stands for no position (the dropped columns
  // of the gather's cols, the transposed convolution's padding): with an infinite or NaN
  // weight, 0 · Inf = NaN would reach input pixels that never meet it, so such weights
  // take the im2col path, which only adds real products.
  if ((shifted || gather) && !allFinite(w, g.cOut * d.kSize)) shifted = gather = false;
  GatherPlan gp{};
  if (gather) {
    Shifted s = shiftedGrid(g, d);
    gp.shape = pickShape(g.kh * g.kw, s.wideR / kLanes);
    if (shifted) {
      BlockShape ts = kShapes[pickShape(td.cOutG, shiftedGrid(t, td).wideR / kLanes)];
      double transposedCost =
          static_cast<double>(roundUp(td.cOutG, ts.rows) * shiftedGrid(t, td).wideR * td.kSize);
      gather = gatherCost(g, d, gp.shape) < transposedCost;
    }
  }
  if (gather) {
    shifted = false;
    gp.call = __atomic_add_fetch(&gatherCalls, 1, __ATOMIC_RELAXED);  // calls from several JS threads
    int64_t kk = g.kh * g.kw;
    gp.kpc = roundUp(kk, kShapes[gp.shape].rows);
    gp.kp = d.cInG * gp.kpc;
    gp.wt = scratch(3, g.groups * d.cOutG * gp.kp);
    for (int64_t i = 0; i < g.groups * d.cOutG; i++) {
      for (int64_t ci = 0; ci < d.cInG; ci++) {
        float* dst = gp.wt + i * gp.kp + ci * gp.kpc;
        std::memcpy(dst, w + i * d.kSize + ci * kk, sizeof(float) * kk);
        std::memset(dst + kk, 0, sizeof(float) * (gp.kpc - kk));
      }
    }
  }
  ForwardPlan plan{};
  if (shifted) {
    // The transposed convolution's weight w'(ci, (co, a, b)) = w(co, ci, kh-1-a, kw-1-b).
    int64_t kk = g.kh * g.kw;
    plan = forwardPlan(t, td, [&](int64_t gi, int64_t ci, int64_t p) {
      int64_t co = p / kk, e = p % kk;
      return w[((gi * d.cOutG + co) * d.cInG + ci) * kk + kk - 1 - e];
    });
  }
  forImages(g, d, [&](int64_t b, bool par) {
    for (int64_t gi = 0; gi < g.groups; gi++) {
      const float* go = gOut + (b * g.cOut + gi * d.cOutG) * d.plane;
      float* gxg = gx + (b * g.cIn + gi * d.cInG) * d.inPlane;
      const float* wg = w + gi * d.cOutG * d.kSize;
      if (d.direct) {
        product(par, d.kSize, d.plane, d.cOutG, wg, true, go, false, gxg, d.plane, false);
      } else if (gather) {
        inputGradGather(go, gp, gi, gxg, g, d);
      } else if (shifted) {
        convShifted(go, nullptr, plan, gi, nullptr, ConvEpilogue{false, 1}, gxg, gxg + td.cOutG * td.plane, t, td);
      } else {
        // cols = W_gᵀ · gOut_g, then folded back onto the input pixels.
        float* cols = scratch(2, d.kSize * d.plane);
        product(par, d.kSize, d.plane, d.cOutG, wg, true, go, false, cols, d.plane, false);
        std::memset(gxg, 0, sizeof(float) * d.cInG * d.inPlane);
        col2im(cols, d.cInG, g, gxg);
      }
    }
  });
}

void conv2dBackwardWeight(const float* gOut, const float* x, float* gw, const ConvGeometry& g) {
  Dims d = dims(g);
  int64_t wSize = g.cOut * d.kSize;
  int64_t macs = g.n * g.cOut * d.kSize * d.plane;
  if (useShifted(g, d)) {
    // Runs of images, each summed into its own partial gW, the partials added in order.
    // A fixed number of them (when the work is worth splitting), so the result does not
    // depend on the thread count, and a thread left waiting for a descheduled one on a
    // busy machine is rarer with runs to spare.
    int64_t parts = macs >= kParallelMacs ? imin(g.n, kWeightParts) : 1;
    int shape = pickShape(d.cOutG, d.kSize);
    bool lanes = useLaneWeight(g, d);
    float* partials = parts > 1 ? scratch(3, parts * wSize) : gw;
    parallel(parts, [&](int64_t t) {
      int64_t b0, b1;
      chunk(g.n, parts, t, b0, b1);
      for (int64_t gi = 0; gi < g.groups; gi++) {
        float* part = partials + t * wSize + gi * d.cOutG * d.kSize;
        if (lanes) {
          weightGradLanes(gOut, x, gi, b0, b1, part, g, d);
        } else {
          weightGradShifted(gOut, x, gi, b0, b1, shape, part, g, d);
        }
      }
    });
    for (int64_t i = 0; parts > 1 && i < wSize; i++) {
      float sum = partials[i];
      for (int64_t t = 1; t < parts; t++) sum += partials[t * wSize + i];
      gw[i] = sum;
    }
    return;
  }
  // gW sums over images: with several threads each sums a run of images into its own
  // partial gW, and the partials are added at the end.
  int64_t parts = numThreads() > 1 && g.n > 1 && macs >= kParallelMacs ? imin(numThreads(), g.n) : 1;
  float* partials = parts > 1 ? scratch(3, (parts - 1) * wSize) : nullptr;
  parallel(parts, [&](int64_t t) {
    float* acc = t == 0 ? gw : partials + (t - 1) * wSize;
    std::memset(acc, 0, sizeof(float) * wSize);
    int64_t b0, b1;
    chunk(g.n, parts, t, b0, b1);
    for (int64_t b = b0; b < b1; b++) {
      for (int64_t gi = 0; gi < g.groups; gi++) {
        const float* xg = x + (b * g.cIn + gi * d.cInG) * d.inPlane;
        const float* go = gOut + (b * g.cOut + gi * d.cOutG) * d.plane;
        float* gwg = acc + gi * d.cOutG * d.kSize;
        // gW_g += gOut_g · colsᵀ
        float* cols = d.direct ? nullptr : scratch(2, d.kSize * d.plane);
        if (!d.direct) im2col(xg, d.cInG, g, cols);
        product(parts == 1, d.cOutG, d.kSize, d.plane, go, false, d.direct ? xg : cols, true, gwg, d.kSize, true);
      }
    }
  });
  for (int64_t t = 1; t < parts; t++) {
    const float* p = partials + (t - 1) * wSize;
    for (int64_t i = 0; i < wSize; i++) gw[i] += p[i];
  }
}

}  // namespace LATHE_ISA
}  // namespace lathe
