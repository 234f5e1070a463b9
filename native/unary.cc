// Elementwise unary kernels and their derivatives over contiguous float32. Each op is its
// own loop so the compiler can vectorise it (conditional values are computed on both sides
// and picked, see mathfun.h); sin and cos call libm in double precision.
#include <math.h>

#include "mathfun.h"
#include "ops.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kTwoOverSqrtPi = 1.1283791670955126f;

// JavaScript truthiness of a number: NaN and ±0 are false.
inline bool truthy(float x) { return x == x && x != 0.f; }

template <class F>
void map(const float* x, float* out, int64_t n, F f) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; i++) out[i] = f(x[i]);
}

void unaryRange(int op, const float* x, float* out, int64_t n, float p0, float p1) {
  switch (op) {
    case U_NEG: map(x, out, n, [](float v) { return -v; }); break;
    case U_ABS: map(x, out, n, [](float v) { return __builtin_fabsf(v); }); break;
    case U_SIGN: map(x, out, n, [](float v) { return v > 0.f ? 1.f : v < 0.f ? -1.f : v; }); break;
    case U_EXP: map(x, out, n, [](float v) { return vexp(v); }); break;
    case U_LOG: map(x, out, n, [](float v) { return vlog(v); }); break;
    case U_LOG1P: map(x, out, n, [](float v) { return vlog1p(v); }); break;
    case U_EXPM1: map(x, out, n, [](float v) { return vexpm1(v); }); break;
    case U_SQRT: map(x, out, n, [](float v) { return __builtin_sqrtf(v); }); break;
    case U_RSQRT: map(x, out, n, [](float v) { return 1.f / __builtin_sqrtf(v); }); break;
    case U_SQUARE: map(x, out, n, [](float v) { return v * v; }); break;
    case U_RECIPROCAL: map(x, out, n, [](float v) { return 1.f / v; }); break;
    case U_SIN: map(x, out, n, [](float v) { return static_cast<float>(::sin(v)); }); break;
    case U_COS: map(x, out, n, [](float v) { return static_cast<float>(::cos(v)); }); break;
    case U_TANH: map(x, out, n, [](float v) { return vtanh(v); }); break;
    case U_SIGMOID: map(x, out, n, [](float v) { return vsigmoid(v); }); break;
    case U_RELU: map(x, out, n, [](float v) { return v > 0.f ? v : 0.f; }); break;
    case U_LEAKY_RELU: map(x, out, n, [p0](float v) { return v > 0.f ? v : v * p0; }); break;
    case U_ELU: map(x, out, n, [p0](float v) { return pick(v > 0.f, v, p0 * vexpm1(v)); }); break;
    case U_GELU:
      map(x, out, n, [](float v) {
        float density;
        return v * vnormalCdf(v, &density);
      });
      break;
    // 0.5·(1 + tanh(u)) = sigmoid(2u): the same value without 1 + tanh cancelling for v < 0.
    case U_GELU_TANH:
      map(x, out, n, [](float v) { return v * vsigmoid(2.f * kSqrt2OverPi * (v + 0.044715f * v * v * v)); });
      break;
    case U_SILU: map(x, out, n, [](float v) { return v * vsigmoid(v); }); break;
    case U_SOFTPLUS:
      // PyTorch: x when beta*x > threshold, else log1p(exp(beta*x))/beta, computed as
      // max(bx, 0) + log1p(exp(-|bx|)). bx = hi + lo exactly: exp(-|bx|) needs the low part.
      map(x, out, n, [p0, p1](float v) {
        float hi = v * p0, lo = productLow(v, p0, hi);
        lo = pick(lo == lo, lo, 0.f);  // NaN when hi is infinite
        float e = vexp(-__builtin_fabsf(hi));
        bool pos = hi > 0.f;
        e = e - e * pick(pos, lo, -lo);
        float r = (pick(pos, hi + lo, 0.f) + vlog1p(e)) / p0;
        return pick(hi > p1, v, r);
      });
      break;
    case U_ERF: map(x, out, n, [](float v) { return verf(v); }); break;
    case U_FLOOR: map(x, out, n, [](float v) { return __builtin_floorf(v); }); break;
    case U_CEIL: map(x, out, n, [](float v) { return __builtin_ceilf(v); }); break;
    // rint rounds half to even in the default rounding mode, as torch.round.
    case U_ROUND: map(x, out, n, [](float v) { return __builtin_rintf(v); }); break;
    case U_LOGICAL_NOT: map(x, out, n, [](float v) { return truthy(v) ? 0.f : 1.f; }); break;
  }
}

template <class F>
void map3(const float* x, const float* y, const float* g, float* out, int64_t n, F f) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; i++) out[i] = f(x[i], y[i], g[i]);
}

void backwardRange(int op, const float* x, const float* y, const float* g, float* out, int64_t n, float p0, float p1) {
  switch (op) {
    case U_NEG: map3(x, y, g, out, n, [](float, float, float gi) { return -gi; }); break;
    case U_ABS:
      map3(x, y, g, out, n, [](float xi, float, float gi) { return gi * (xi > 0.f ? 1.f : xi < 0.f ? -1.f : xi); });
      break;
    case U_EXP: map3(x, y, g, out, n, [](float, float yi, float gi) { return gi * yi; }); break;
    case U_LOG: map3(x, y, g, out, n, [](float xi, float, float gi) { return gi / xi; }); break;
    case U_LOG1P: map3(x, y, g, out, n, [](float xi, float, float gi) { return gi / (1.f + xi); }); break;
    case U_EXPM1: map3(x, y, g, out, n, [](float, float yi, float gi) { return gi * (yi + 1.f); }); break;
    case U_SQRT: map3(x, y, g, out, n, [](float, float yi, float gi) { return gi / (2.f * yi); }); break;
    case U_RSQRT: map3(x, y, g, out, n, [](float, float yi, float gi) { return -0.5f * gi * yi * yi * yi; }); break;
    case U_SQUARE: map3(x, y, g, out, n, [](float xi, float, float gi) { return 2.f * gi * xi; }); break;
    case U_RECIPROCAL: map3(x, y, g, out, n, [](float, float yi, float gi) { return -gi * yi * yi; }); break;
    case U_SIN: map3(x, y, g, out, n, [](float xi, float, float gi) { return static_cast<float>(gi * ::cos(xi)); }); break;
    case U_COS: map3(x, y, g, out, n, [](float xi, float, float gi) { return static_cast<float>(-gi * ::sin(xi)); }); break;
    case U_TANH: map3(x, y, g, out, n, [](float, float yi, float gi) { return gi * (1.f - yi * yi); }); break;
    case U_SIGMOID: map3(x, y, g, out, n, [](float, float yi, float gi) { return gi * yi * (1.f - yi); }); break;
    case U_RELU: map3(x, y, g, out, n, [](float xi, float, float gi) { return xi > 0.f ? gi : 0.f; }); break;
    case U_LEAKY_RELU: map3(x, y, g, out, n, [p0](float xi, float, float gi) { return xi > 0.f ? gi : gi * p0; }); break;
    case U_ELU: map3(x, y, g, out, n, [p0](float xi, float yi, float gi) { return xi > 0.f ? gi : gi * (yi + p0); }); break;
    case U_GELU:
      map3(x, y, g, out, n, [](float xi, float, float gi) {
        float density;
        float cdf = vnormalCdf(xi, &density);
        return gi * (cdf + xi * density);
      });
      break;
    case U_GELU_TANH:
      // With s = sigmoid(2u): 0.5·(1 + tanh u) = s and 0.5·(1 - tanh² u) = 2·s·(1 - s).
      map3(x, y, g, out, n, [](float v, float, float gi) {
        float u2 = 2.f * kSqrt2OverPi * (v + 0.044715f * v * v * v);
        float s = vsigmoid(u2), sc = vsigmoid(-u2);
        float dInner = kSqrt2OverPi * (1.f + 3.f * 0.044715f * v * v);
        return gi * (s + 2.f * v * s * sc * dInner);
      });
      break;
    case U_SILU:
      map3(x, y, g, out, n, [](float xi, float, float gi) {
        float s = vsigmoid(xi);
        return gi * s * (1.f + xi * (1.f - s));
      });
      break;
    case U_SOFTPLUS:
      map3(x, y, g, out, n, [p0, p1](float xi, float, float gi) {
        float bx = xi * p0;
        return pick(bx > p1, gi, gi * vsigmoid(bx));
      });
      break;
    case U_ERF:
      map3(x, y, g, out, n, [](float xi, float, float gi) {
        float ax = __builtin_fabsf(xi);
        ax = pick(ax > kErfClamp, kErfClamp, ax);
        return gi * kTwoOverSqrtPi * vexpProduct(-ax, ax);
      });
      break;
  }
}

}  // namespace

void unary(int op, const float* x, float* out, int64_t n, float p0, float p1) {
  parallelRange(n, kParallelElems, [&](int64_t b, int64_t e) { unaryRange(op, x + b, out + b, e - b, p0, p1); });
}

void unaryBackward(int op, const float* x, const float* y, const float* g, float* out, int64_t n, float p0, float p1) {
  parallelRange(n, kParallelElems,
                [&](int64_t b, int64_t e) { backwardRange(op, x + b, y + b, g + b, out + b, e - b, p0, p1); });
}

}  // namespace LATHE_ISA
}  // namespace lathe
