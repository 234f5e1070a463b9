// Reductions over the middle axis of a contiguous [outer, n, inner] float32 array, with
// the js kernel's semantics: sums and products accumulate in double, NaN wins max/min,
// arg-reductions return the first extreme (or the first NaN), an empty axis gives 0
// (1 for prod).
#include "mathfun.h"
#include "ops.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

// Inner positions reduced together: their double accumulators stay on the stack.
constexpr int64_t kInnerBlock = 256;

// Whether v replaces best: it is more extreme, or NaN (which then sticks).
template <bool Max>
inline float extreme(float best, float v) {
  return pick((Max ? v > best : v < best) | (v != v), v, best);
}

template <bool Max>
float extremeRun(const float* x, int64_t n) {
  Lanes16 acc = Lanes16{} + x[0];
  int64_t i = 0;  // from x[0] again: comparing it with itself changes nothing
  for (; i + 16 <= n; i += 16) {
    Lanes16 v;
    loadLanes16(v, x + i);
    acc = ((Max ? v > acc : v < acc) | (v != v)) ? v : acc;
  }
  float lane[16];
  __builtin_memcpy(lane, &acc, sizeof lane);
  float best = lane[0];
  for (int j = 1; j < 16; j++) best = extreme<Max>(best, lane[j]);
  for (; i < n; i++) best = extreme<Max>(best, x[i]);
  return best;
}

template <bool Max>
int32_t argRun(const float* x, int64_t n) {
  float best = x[0];
  if (best != best) return 0;
  int32_t at = 0;
  for (int64_t i = 1; i < n; i++) {
    float v = x[i];
    if (v != v) return static_cast<int32_t>(i);
    if (Max ? v > best : v < best) {
      best = v;
      at = static_cast<int32_t>(i);
    }
  }
  return at;
}

// One output row of the inner == 1 case.
void reduceRun(int op, const float* x, int64_t n, void* out, int64_t o) {
  float* f = static_cast<float*>(out);
  int32_t* idx = static_cast<int32_t*>(out);
  switch (op) {
    case R_SUM: f[o] = static_cast<float>(sumLanes(x, n)); break;
    case R_PROD: {
      double p = 1;
      for (int64_t i = 0; i < n; i++) p *= x[i];
      f[o] = static_cast<float>(p);
      break;
    }
    case R_MAX: f[o] = n ? extremeRun<true>(x, n) : 0.f; break;
    case R_MIN: f[o] = n ? extremeRun<false>(x, n) : 0.f; break;
    case R_ARGMAX: idx[o] = n ? argRun<true>(x, n) : 0; break;
    case R_ARGMIN: idx[o] = n ? argRun<false>(x, n) : 0; break;
  }
}

// Columns [i0, i0+w) of one [n, inner] slab, w <= kInnerBlock.
void reduceColumns(int op, const float* x, int64_t n, int64_t inner, int64_t i0, int64_t w, void* out, int64_t ob) {
  float* f = static_cast<float*>(out) + ob + i0;
  int32_t* idx = static_cast<int32_t*>(out) + ob + i0;
  const float* col = x + i0;
  if (n == 0) {
    for (int64_t i = 0; i < w; i++) {
      if (op == R_ARGMAX || op == R_ARGMIN) idx[i] = 0;
      else f[i] = op == R_PROD ? 1.f : 0.f;
    }
    return;
  }
  if (op == R_SUM || op == R_PROD) {
    double acc[kInnerBlock];
    for (int64_t i = 0; i < w; i++) acc[i] = col[i];
    for (int64_t j = 1; j < n; j++) {
      const float* r = col + j * inner;
      if (op == R_SUM) {
        for (int64_t i = 0; i < w; i++) acc[i] += r[i];
      } else {
        for (int64_t i = 0; i < w; i++) acc[i] *= r[i];
      }
    }
    for (int64_t i = 0; i < w; i++) f[i] = static_cast<float>(acc[i]);
    return;
  }
  float acc[kInnerBlock];
  for (int64_t i = 0; i < w; i++) acc[i] = col[i];
  if (op == R_MAX || op == R_MIN) {
    bool mx = op == R_MAX;
    for (int64_t j = 1; j < n; j++) {
      const float* r = col + j * inner;
      for (int64_t i = 0; i < w; i++) {
        float v = r[i];
        acc[i] = (mx ? v > acc[i] : v < acc[i]) || v != v ? v : acc[i];
      }
    }
    for (int64_t i = 0; i < w; i++) f[i] = acc[i];
    return;
  }
  bool mx = op == R_ARGMAX;
  for (int64_t i = 0; i < w; i++) idx[i] = 0;
  for (int64_t j = 1; j < n; j++) {
    const float* r = col + j * inner;
    for (int64_t i = 0; i < w; i++) {
      float v = r[i];
      // The first NaN wins and sticks, as in the js kernel.
      if ((mx ? v > acc[i] : v < acc[i]) || (v != v && acc[i] == acc[i])) {
        acc[i] = v;
        idx[i] = static_cast<int32_t>(j);
      }
    }
  }
}

}  // namespace

void reduce(int op, const float* x, int64_t outer, int64_t n, int64_t inner, void* out) {
  if (inner == 1) {
    parallelRows(outer, n, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; o++) reduceRun(op, x + o * n, n, out, o);
    });
    return;
  }
  int64_t blocks = (inner + kInnerBlock - 1) / kInnerBlock;
  parallelRows(outer * blocks, n * imin(inner, kInnerBlock), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) {
      int64_t o = t / blocks, i0 = (t % blocks) * kInnerBlock;
      reduceColumns(op, x + o * n * inner, n, inner, i0, imin(kInnerBlock, inner - i0), out, o * inner);
    }
  });
}

}  // namespace LATHE_ISA
}  // namespace lathe
