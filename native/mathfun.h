// Branch-free float exp, log and tanh that the compiler can vectorise (libm's cannot be),
// after Cephes' expf/logf/tanhf: within 2 ulp of the correctly rounded result over the
// whole float range, with IEEE behaviour at the edges (overflow to inf, NaN propagates).
// Less-used functions go through libm in double precision, as the js kernels do.
// Only builtins here: no std:: inline function may be shared between ISA units.
#pragma once
#include "isa.h"

namespace lathe {
namespace LATHE_ISA {

// Bit casts the vectoriser sees through (a memcpy through memory it does not).
inline float bitsFloat(uint32_t u) { return __builtin_bit_cast(float, u); }
inline uint32_t floatBits(float f) { return __builtin_bit_cast(uint32_t, f); }

constexpr float kInf = __builtin_inff();

// c ? a : b in bit operations: a plain select lets the compiler move the computation of
// the unused side under a condition, and then it gives up vectorising the loop.
inline float pick(bool c, float a, float b) {
  uint32_t m = 0u - static_cast<uint32_t>(c);
  return bitsFloat((floatBits(a) & m) | (floatBits(b) & ~m));
}

inline float vexp(float x) {
  // Below -104 the result rounds to 0; above 89 it is inf either way. Clamped in this
  // order NaN becomes 89 (float-to-int of NaN is undefined); it is put back at the end.
  float xc = pick(x < 89.f, x, 89.f);
  xc = pick(xc > -104.f, xc, -104.f);
  // n = round(x / ln 2): adding 1.5·2^23 leaves the rounded value in the low mantissa bits
  // (floorf would block vectorisation).
  float t = xc * 1.44269504088896341f + 12582912.0f;
  float fx = t - 12582912.0f;
  float r = xc - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  float z = r * r;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * z + r + 1.0f;
  // 2^n in two factors, so n in [-150, 129] needs no denormal or infinite scale.
  int32_t n = static_cast<int32_t>(fx);
  int32_t n1 = n >> 1, n2 = n - n1;
  float e = y * bitsFloat(static_cast<uint32_t>(n1 + 127) << 23) * bitsFloat(static_cast<uint32_t>(n2 + 127) << 23);
  return pick(x != x, x, e);
}

inline float vlog(float x) {
  // Denormals: scale into the normal range first.
  bool tiny = x < 1.17549435e-38f;
  float xs = pick(tiny, x * 8388608.0f, x);
  uint32_t bits = floatBits(xs);
  int32_t e = static_cast<int32_t>((bits >> 23) & 0xff) - 126 - (tiny ? 23 : 0);
  float m = bitsFloat((bits & 0x007fffffu) | 0x3f000000u);  // in [0.5, 1)
  bool low = m < 0.707106781186547524f;
  e -= low ? 1 : 0;
  m = pick(low, m + m, m) - 1.0f;
  float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  float fe = static_cast<float>(e);
  y = y + fe * -2.12194440e-4f;
  y = y - 0.5f * z;
  float r = m + y + fe * 0.693359375f;
  r = pick(x == kInf, kInf, r);
  r = pick(x == 0.f, -kInf, r);
  r = pick(x < 0.f, __builtin_nanf(""), r);
  return pick(x != x, x, r);
}

inline float vtanh(float x) {
  float ax = __builtin_fabsf(x);
  // Small |x|: odd polynomial (1 - 2/(e^2x + 1) would cancel); large: from exp.
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = p * z * x + x;
  float big = 1.0f - 2.0f / (vexp(2.0f * ax) + 1.0f);
  big = __builtin_copysignf(big, x);
  return pick(ax < 0.625f, small, big);
}

// Two branches of one formula keep exp() from overflowing, as the js kernel does.
inline float vsigmoid(float x) {
  float e = vexp(-__builtin_fabsf(x));
  float r = 1.0f / (1.0f + e);
  return pick(x >= 0.f, r, e * r);
}

// Sum in double over eight independent lanes, which vectorises (strict left-to-right
// order would not); f maps each element first.
template <class F>
inline double sumLanes(const float* x, int64_t n, F f) {
  double lane[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; j++) lane[j] += f(x[i + j]);
  }
  double s = 0;
  for (; i < n; i++) s += f(x[i]);
  return s + ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
}

inline double sumLanes(const float* x, int64_t n) {
  return sumLanes(x, n, [](float v) { return v; });
}

// sum(a[i] * b[i]) in double over eight lanes.
inline double dotLanes(const float* a, const float* b, int64_t n) {
  double lane[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; j++) lane[j] += static_cast<double>(a[i + j]) * b[i + j];
  }
  double s = 0;
  for (; i < n; i++) s += static_cast<double>(a[i]) * b[i];
  return s + ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
}

// The largest element, NaN ignored (-inf for none), over sixteen lanes.
inline float maxLanes(const float* x, int64_t n) {
  float lane[16];
  for (int j = 0; j < 16; j++) lane[j] = -kInf;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; j++) lane[j] = x[i + j] > lane[j] ? x[i + j] : lane[j];
  }
  float m = -kInf;
  for (int j = 0; j < 16; j++) m = lane[j] > m ? lane[j] : m;
  for (; i < n; i++) m = x[i] > m ? x[i] : m;
  return m;
}

}  // namespace LATHE_ISA
}  // namespace lathe
