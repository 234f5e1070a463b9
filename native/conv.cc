// 2-D convolution (NCHW, OIHW weights, groups) as im2col + GEMM, the same decomposition
// as the js kernel. The forward pass writes its patches straight into the GEMM's packed
// panel layout (no patch matrix written and read back); 1×1 convolutions with stride 1 and
// no padding skip im2col, the input plane already being the patch matrix. Batches of
// images run one image per thread; a single image leaves the threads to the GEMM.
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
// zero-padded, into rows of width wp = w + 2·padW, and the outputs are computed on that
// wide grid (position oy·wp + ox; the last wp - outW of each row are computed and dropped),
// where patch row p is simply the padded input shifted by
// offs[p] = ci·hp·wp + ki·dilationH·wp + kj·dilationW. The GEMM micro-kernel reads it there.
constexpr int64_t kDirectMaxChannels = 32;

bool useShifted(const ConvGeometry& g, const Dims& d) {
  return g.strideH == 1 && g.strideW == 1 && d.cOutG <= kDirectMaxChannels && !d.direct;
}

// One image/group's input, zero-padded into rows of width wp, and the patch-row offsets.
struct Shifted {
  float* xp;
  int64_t* offs;
  int64_t wp;
  int64_t wide;  // outH · wp output positions
};

Shifted shiftInput(const float* x, const ConvGeometry& g, const Dims& d) {
  int64_t hp = g.h + 2 * g.padH, wp = g.w + 2 * g.padW;
  // Reads run up to NR values past the last position, (kw - 1)·dilationW past the input.
  int64_t inSize = d.cInG * hp * wp, slack = panelWidth() + (g.kw - 1) * g.dilationW;
  float* xp = scratch(2, inSize + slack);
  for (int64_t ci = 0; ci < d.cInG; ci++) {
    for (int64_t iy = 0; iy < hp; iy++) {
      float* row = xp + (ci * hp + iy) * wp;
      int64_t sy = iy - g.padH;
      if (sy < 0 || sy >= g.h) {
        std::memset(row, 0, sizeof(float) * wp);
        continue;
      }
      std::memset(row, 0, sizeof(float) * g.padW);
      std::memcpy(row + g.padW, x + (ci * g.h + sy) * g.w, sizeof(float) * g.w);
      std::memset(row + g.padW + g.w, 0, sizeof(float) * g.padW);
    }
  }
  std::memset(xp + inSize, 0, sizeof(float) * slack);
  int64_t* offs = reinterpret_cast<int64_t*>(scratch(4, 2 * d.kSize));
  for (int64_t p = 0; p < d.kSize; p++) {
    int64_t ci = p / (g.kh * g.kw), ki = p / g.kw % g.kh, kj = p % g.kw;
    offs[p] = ci * hp * wp + ki * g.dilationH * wp + kj * g.dilationW;
  }
  return {xp, offs, wp, g.outH * wp};
}

void convShifted(const float* x, const float* w, float* out, const ConvGeometry& g, const Dims& d) {
  Shifted sh = shiftInput(x, g, d);
  int64_t nr = panelWidth(), mr = tileRows();
  float* wideOut = scratch(5, d.cOutG * sh.wide);
  // Column chunks outside: the input rows a chunk reads stay in cache for every row block.
  for (int64_t j0 = 0; j0 < sh.wide; j0 += nr) {
    for (int64_t co0 = 0; co0 < d.cOutG; co0 += mr) {
      offsetTile(imin(mr, d.cOutG - co0), d.kSize, w + co0 * d.kSize, d.kSize, sh.xp + j0, sh.offs,
                 wideOut + co0 * sh.wide + j0, sh.wide, imin(nr, sh.wide - j0));
    }
  }
  for (int64_t co = 0; co < d.cOutG; co++) {
    for (int64_t oy = 0; oy < g.outH; oy++) {
      std::memcpy(out + co * d.plane + oy * g.outW, wideOut + co * sh.wide + oy * sh.wp, sizeof(float) * g.outW);
    }
  }
}

// gW_g += gOut_g · patchesᵀ on the wide grid: gOut is laid out with zeros in the dropped
// columns, and B(position, p) = xp[offs[p] + position] is packed straight from the input.
struct ShiftedB {
  const Shifted* sh;
};

void packShifted(const void* ctx, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
  const Shifted& sh = *static_cast<const ShiftedB*>(ctx)->sh;
  packShiftedRows(sh.xp, sh.offs, p0, kc, j0, nc, out);
}

void weightGradShifted(const float* gOut, const float* x, float* gw, const ConvGeometry& g, const Dims& d) {
  Shifted sh = shiftInput(x, g, d);
  float* gWide = scratch(5, d.cOutG * sh.wide);
  for (int64_t co = 0; co < d.cOutG; co++) {
    for (int64_t oy = 0; oy < g.outH; oy++) {
      float* row = gWide + co * sh.wide + oy * sh.wp;
      std::memcpy(row, gOut + co * d.plane + oy * g.outW, sizeof(float) * g.outW);
      std::memset(row + g.outW, 0, sizeof(float) * (sh.wp - g.outW));
    }
  }
  ShiftedB b{&sh};
  sgemmSerial(d.cOutG, d.kSize, sh.wide, gWide, false, BPacker{packShifted, &b}, gw, d.kSize, true);
}

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

void conv2d(const float* x, const float* w, const float* bias, float* out, const ConvGeometry& g) {
  Dims d = dims(g);
  forImages(g, d, [&](int64_t b, bool par) {
    for (int64_t gi = 0; gi < g.groups; gi++) {
      const float* xg = x + (b * g.cIn + gi * d.cInG) * d.inPlane;
      const float* wg = w + gi * d.cOutG * d.kSize;
      float* og = out + (b * g.cOut + gi * d.cOutG) * d.plane;
      if (d.direct) {
        product(par, d.cOutG, d.plane, d.kSize, wg, false, xg, false, og, d.plane, false);
        continue;
      }
      if (useShifted(g, d)) {
        convShifted(xg, wg, og, g, d);
        continue;
      }
      Patches patches{xg, &g};
      BPacker packer{packPatches, &patches};
      if (par) {
        sgemm(d.cOutG, d.plane, d.kSize, wg, false, packer, og, d.plane, false);
      } else {
        sgemmSerial(d.cOutG, d.plane, d.kSize, wg, false, packer, og, d.plane, false);
      }
    }
    if (bias) {
      for (int64_t co = 0; co < g.cOut; co++) {
        float* o = out + (b * g.cOut + co) * d.plane;
        for (int64_t i = 0; i < d.plane; i++) o[i] += bias[co];
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

void conv2dBackwardInput(const float* gOut, const float* w, float* gx, const ConvGeometry& g) {
  Dims d = dims(g);
  ConvGeometry t;
  bool shifted = transposedConv(g, d, t);
  Dims td = dims(t);
  float* flipped = nullptr;
  if (shifted) {
    // flipped[group][ci][co][a][b] = w[group·cOutG + co][ci][kh-1-a][kw-1-b]
    int64_t kk = g.kh * g.kw;
    flipped = scratch(3, g.cIn * td.kSize);
    for (int64_t gi = 0; gi < g.groups; gi++) {
      for (int64_t ci = 0; ci < d.cInG; ci++) {
        for (int64_t co = 0; co < d.cOutG; co++) {
          const float* src = w + ((gi * d.cOutG + co) * d.cInG + ci) * kk;
          float* dst = flipped + ((gi * d.cInG + ci) * d.cOutG + co) * kk;
          for (int64_t e = 0; e < kk; e++) dst[e] = src[kk - 1 - e];
        }
      }
    }
  }
  forImages(g, d, [&](int64_t b, bool par) {
    for (int64_t gi = 0; gi < g.groups; gi++) {
      const float* go = gOut + (b * g.cOut + gi * d.cOutG) * d.plane;
      float* gxg = gx + (b * g.cIn + gi * d.cInG) * d.inPlane;
      const float* wg = w + gi * d.cOutG * d.kSize;
      if (d.direct) {
        product(par, d.kSize, d.plane, d.cOutG, wg, true, go, false, gxg, d.plane, false);
      } else if (shifted) {
        convShifted(go, flipped + gi * d.cInG * td.kSize, gxg, t, td);
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
        if (useShifted(g, d)) {
          weightGradShifted(go, xg, gwg, g, d);
          continue;
        }
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
