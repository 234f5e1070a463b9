// Layer normalisation over the last `cols` values of each row. Row statistics in double,
// as the js kernel; the per-element math in float.
#include <math.h>
#include <stdlib.h>

#include "mathfun.h"
#include "ops.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

// Rows per partial sum of the weight and bias gradients (a constant, not a share of the
// threads, so that the order of the sums is always the same).
constexpr int64_t kRowChunk = 64;

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

// With xhat = (x - mu) * rstd and dy = g * w:  dx = rstd * (dy - mean(dy) - xhat * mean(dy * xhat)).
// With sw (and sb), also adds g * xhat (and g) into them, in the same pass over the row.
void gradRow(const float* __restrict g, const float* __restrict x, const float* __restrict w, float mu, float rs,
             float* __restrict gx, int64_t n, float* __restrict sw, float* __restrict sb) {
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
  if (sw) {
    for (j = 0; j < n; j++) {
      float xhat = (x[j] - mu) * rs;
      float dy = w ? g[j] * w[j] : g[j];
      gx[j] = rs * (dy - mDy - xhat * mDyXhat);
      sw[j] += g[j] * xhat;
      sb[j] += g[j];
    }
  } else {
    for (j = 0; j < n; j++) {
      float xhat = (x[j] - mu) * rs;
      float dy = w ? g[j] * w[j] : g[j];
      gx[j] = rs * (dy - mDy - xhat * mDyXhat);
    }
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
  // The weight and bias gradients sum over rows. Each chunk of kRowChunk rows adds its own
  // partial sums while its rows are in L1 from the input gradient; the partials are then
  // added in chunk order, so the result does not depend on the thread count.
  bool sums = gw || gb;
  int64_t chunkRows = kRowChunk, chunks = (rows + kRowChunk - 1) / kRowChunk;
  double* part = sums ? static_cast<double*>(malloc(static_cast<size_t>(chunks * 2 * cols) * sizeof(double))) : nullptr;
  if (sums && !part) {  // no memory for the partials: one chunk, summed straight into gw and gb
    chunkRows = rows;
    chunks = 1;
  }
  parallelRows(chunks, chunkRows * cols, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      int64_t r0 = c * chunkRows, r1 = imin(rows, r0 + chunkRows);
      // Summed in float within the chunk (at most kRowChunk terms), in double across chunks.
      float* sw = part ? scratch(0, 2 * cols) : nullptr;
      float* sb = sw ? sw + cols : nullptr;
      if (sw) {
        for (int64_t j = 0; j < 2 * cols; j++) sw[j] = 0;
      }
      for (int64_t r = r0; r < r1; r++) {
        const float* gr = g + r * cols;
        const float* xr = x + r * cols;
        float mu = mean[r], rs = rstd[r];
        gradRow(gr, xr, w, mu, rs, gx + r * cols, cols, sw, sb);
        if (!sw && sums) {
          for (int64_t j = 0; j < cols; j++) {
            if (gw) gw[j] += gr[j] * ((xr[j] - mu) * rs);
            if (gb) gb[j] += gr[j];
          }
        }
      }
      if (sw) {
        for (int64_t j = 0; j < 2 * cols; j++) part[c * 2 * cols + j] = sw[j];
      }
    }
  });
  if (!part) return;
  for (int64_t j = 0; j < cols; j++) {
    double tw = 0, tb = 0;
    for (int64_t c = 0; c < chunks; c++) {
      tw += part[c * 2 * cols + j];
      tb += part[c * 2 * cols + cols + j];
    }
    if (gw) gw[j] += static_cast<float>(tw);
    if (gb) gb[j] += static_cast<float>(tb);
  }
  free(part);
}

}  // namespace LATHE_ISA
}  // namespace lathe
