// Layer normalisation over the last `cols` values of each row. Row statistics in double,
// as the js kernel; the per-element math in float.
#include <math.h>

#include "mathfun.h"
#include "ops.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

// Columns handled together by the weight/bias gradient pass: their sums stay in L1.
constexpr int64_t kColBlock = 512;

void normRow(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd, int64_t n,
             double eps) {
  double mu = sumLanes(x, n) / n;
  double var = sumLanes(x, n, [mu](float v) {
    double d = v - mu;
    return d * d;
  }) / n;
  float m = static_cast<float>(mu);
  float rs = static_cast<float>(1.0 / ::sqrt(var + eps));
  *mean = m;
  *rstd = rs;
  if (w && b) {
    for (int64_t j = 0; j < n; j++) out[j] = (x[j] - m) * rs * w[j] + b[j];
  } else if (w) {
    for (int64_t j = 0; j < n; j++) out[j] = (x[j] - m) * rs * w[j];
  } else {
    for (int64_t j = 0; j < n; j++) out[j] = (x[j] - m) * rs + (b ? b[j] : 0.f);
  }
}

// With xhat = (x - mu) * rstd and dy = g * w:  dx = rstd * (dy - mean(dy) - xhat * mean(dy * xhat))
void gradRow(const float* g, const float* x, const float* w, float mu, float rs, float* gx, int64_t n) {
  // Both sums over eight double lanes each, which vectorises.
  double lDy[8] = {}, lDyXhat[8] = {};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (int l = 0; l < 8; l++) {
      float xhat = (x[j + l] - mu) * rs;
      float dy = w ? g[j + l] * w[j + l] : g[j + l];
      lDy[l] += dy;
      lDyXhat[l] += static_cast<double>(dy) * xhat;
    }
  }
  double sumDy = 0, sumDyXhat = 0;
  for (int l = 0; l < 8; l++) {
    sumDy += lDy[l];
    sumDyXhat += lDyXhat[l];
  }
  for (; j < n; j++) {
    float xhat = (x[j] - mu) * rs;
    float dy = w ? g[j] * w[j] : g[j];
    sumDy += dy;
    sumDyXhat += static_cast<double>(dy) * xhat;
  }
  float mDy = static_cast<float>(sumDy / n), mDyXhat = static_cast<float>(sumDyXhat / n);
  for (j = 0; j < n; j++) {
    float xhat = (x[j] - mu) * rs;
    float dy = w ? g[j] * w[j] : g[j];
    gx[j] = rs * (dy - mDy - xhat * mDyXhat);
  }
}

}  // namespace

void layerNorm(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd, int64_t rows,
               int64_t cols, double eps) {
  parallelRows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) normRow(x + r * cols, w, b, out + r * cols, mean + r, rstd + r, cols, eps);
  });
}

void layerNormBackward(const float* g, const float* x, const float* w, const float* mean, const float* rstd, float* gx,
                       float* gw, float* gb, int64_t rows, int64_t cols) {
  parallelRows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) gradRow(g + r * cols, x + r * cols, w, mean[r], rstd[r], gx + r * cols, cols);
  });
  if (!gw && !gb) return;
  // Weight and bias gradients sum over rows: split by columns so no two threads share one.
  int64_t blocks = (cols + kColBlock - 1) / kColBlock;
  parallelRows(blocks, rows * imin(cols, kColBlock), [&](int64_t b0, int64_t b1) {
    double sw[kColBlock], sb[kColBlock];
    for (int64_t blk = b0; blk < b1; blk++) {
      int64_t c0 = blk * kColBlock, nc = imin(kColBlock, cols - c0);
      for (int64_t j = 0; j < nc; j++) sw[j] = sb[j] = 0;
      for (int64_t r = 0; r < rows; r++) {
        const float* gr = g + r * cols + c0;
        const float* xr = x + r * cols + c0;
        float mu = mean[r], rs = rstd[r];
        for (int64_t j = 0; j < nc; j++) {
          sw[j] += gr[j] * ((xr[j] - mu) * rs);
          sb[j] += gr[j];
        }
      }
      for (int64_t j = 0; j < nc; j++) {
        if (gw) gw[c0 + j] += static_cast<float>(sw[j]);
        if (gb) gb[c0 + j] += static_cast<float>(sb[j]);
      }
    }
  });
}

}  // namespace LATHE_ISA
}  // namespace lathe
