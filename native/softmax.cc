// Row-wise softmax / log-softmax and their backward passes. Max-subtracted like the js
// kernel; exponentials in float (vexp), row sums in double.
#include <math.h>

#include "mathfun.h"
#include "ops.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

void softmaxRow(const float* x, float* out, int64_t n, bool log) {
  float max = maxLanes(x, n);
  if (max == -kInf) max = 0.f;  // an all -inf row gives NaN/-inf as PyTorch, not a crash
  // The exponentials go to out first (also for log-softmax, which overwrites them): a
  // plain map vectorises, a sum over a mapped value does not.
#pragma GCC ivdep
  for (int64_t j = 0; j < n; j++) out[j] = vexp(x[j] - max);
  double sum = sumPositive(out, n);
  if (log) {
    double lse = max + ::log(sum);
#pragma GCC ivdep
    for (int64_t j = 0; j < n; j++) out[j] = static_cast<float>(x[j] - lse);
  } else {
    float inv = static_cast<float>(1.0 / sum);
#pragma GCC ivdep
    for (int64_t j = 0; j < n; j++) out[j] *= inv;
  }
}

void softmaxBackwardRow(const float* y, const float* g, float* out, int64_t n, bool log) {
  if (log) {
    // d/dx log_softmax: g - softmax * sum(g)
    float sg = static_cast<float>(sumLanes(g, n));
    for (int64_t j = 0; j < n; j++) out[j] = g[j] - vexp(y[j]) * sg;
  } else {
    // d/dx softmax: y * (g - sum(g * y))
    float dot = static_cast<float>(dotLanes(g, y, n));
    for (int64_t j = 0; j < n; j++) out[j] = y[j] * (g[j] - dot);
  }
}

}  // namespace

void softmax(const float* x, float* out, int64_t rows, int64_t cols, bool log) {
  parallelRows(rows, cols, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) softmaxRow(x + r * cols, out + r * cols, cols, log);
  });
}

void softmaxBackward(const float* y, const float* g, float* out, int64_t rows, int64_t cols, bool log) {
  parallelRows(rows, cols, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) softmaxBackwardRow(y + r * cols, g + r * cols, out + r * cols, cols, log);
  });
}

}  // namespace LATHE_ISA
}  // namespace lathe
