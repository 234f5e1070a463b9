// Branch-free float exp, log, tanh, expm1, log1p and erf that the compiler can vectorise
// (libm's cannot be): exp/log/tanh after Cephes' expf/logf/tanhf, within 2 ulp of the
// correctly rounded result over the whole float range; the others within a few ulp (see
// each). IEEE behaviour at the edges (overflow to inf, NaN propagates). Less-used
// functions (sin, cos, pow, atan2) go through libm in double precision, as the js kernels do.
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

// exp(x) for x in [-176, 89] only (NaN or anything outside gives an unspecified value):
// vexp below without its clamps, for callers that know the range of their argument.
inline float vexpInRange(float xc) {
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
  // 2^n in two factors, so n in [-254, 129] needs no denormal or infinite scale.
  int32_t n = static_cast<int32_t>(fx);
  int32_t n1 = n >> 1, n2 = n - n1;
  return y * bitsFloat(static_cast<uint32_t>(n1 + 127) << 23) * bitsFloat(static_cast<uint32_t>(n2 + 127) << 23);
}

inline float vexp(float x) {
  // Below -104 the result rounds to 0; above 89 it is inf either way. Clamped in this
  // order NaN becomes 89 (float-to-int of NaN is undefined); it is put back at the end.
  float xc = pick(x < 89.f, x, 89.f);
  xc = pick(xc > -104.f, xc, -104.f);
  return pick(x != x, x, vexpInRange(xc));
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

// The rounding error of hi = fl(a·b), exactly: hi + productLow(a, b, hi) == a·b. An FMA
// where the ISA has one, else the product in double (exact for two floats).
inline float productLow(float a, float b, float hi) {
#if defined(__FMA__)
  return __builtin_fmaf(a, b, -hi);
#else
  return static_cast<float>(static_cast<double>(a) * b - hi);
#endif
}

// exp(a·b) for a product in [-176, 0] (NaN gives NaN) that may be large: exp(hi)·(1 + lo)
// with the product's rounding error lo, without which exp(-x²) at |x| = 10 would be off
// by ~100·2^-24 relative.
inline float vexpProduct(float a, float b) {
  float hi = a * b;
  float e = vexpInRange(hi);
  return e + e * productLow(a, b, hi);
}

// exp(x) - 1 without cancellation near 0: a Taylor polynomial (to x^8) for |x| < 0.5, where
// its truncation error is below 1e-8 relative, and exp(x) - 1 elsewhere (the subtraction
// loses at most a factor 2.5 there). Within 5 ulp.
inline float vexpm1(float x) {
  float p = 2.48015873e-5f;  // 1/8!
  p = p * x + 1.98412698e-4f;
  p = p * x + 1.38888889e-3f;
  p = p * x + 8.33333333e-3f;
  p = p * x + 4.16666667e-2f;
  p = p * x + 1.66666667e-1f;
  p = p * x + 0.5f;
  float small = x + x * x * p;
  return pick(__builtin_fabsf(x) < 0.5f, small, vexp(x) - 1.0f);
}

// log(1 + x) as log(w) for w = fl(1 + x), corrected by the rounding of w to first order
// (Goldberg's method; the correction is NaN only at x = -1 and x = inf, where log(w) is
// already right). Within 3 ulp.
inline float vlog1p(float x) {
  float w = 1.0f + x;
  float c = ((w - 1.0f) - x) / w;
  return vlog(w) - pick(c != c, 0.f, c);
}

// t·H(1 - t) with t = 1/(1 + h): the lower tail of the standard normal distribution is
// Phi(-y) = exp(-y²/2) · normalTailFactor(y/2) for y >= 0 (H fitted minimax for relative
// error on y in [0, 13.8], below which Phi underflows; evaluated in float the product is
// within 4e-7 relative). u = h·t rather than 1 - t keeps u exact near y = 0.
inline float normalTailFactor(float h) {
  float t = 1.0f / (1.0f + h);
  float u = h * t;
  float p = -3.561964259e-02f;
  p = p * u + 1.851925105e-01f;
  p = p * u - 3.424701989e-01f;
  p = p * u + 2.942691743e-01f;
  p = p * u - 1.696021259e-01f;
  p = p * u + 7.524437457e-02f;
  p = p * u + 4.254382849e-02f;
  p = p * u + 4.363214597e-02f;
  p = p * u - 9.582677484e-02f;
  p = p * u - 2.978836000e-01f;
  p = p * u + 0.5f;
  return t * p;
}

// Clamps of |x| that keep exp(-x²) (erf) and exp(-x²/2) (GELU) within vexpProduct's
// range; beyond them both underflow to 0 anyway. NaN passes through the clamps.
constexpr float kErfClamp = 11.f;
constexpr float kNormalClamp = 16.f;

// erf in float, within 3 ulp: an odd polynomial (minimax for relative error) for |x| < 1,
// 1 - erfc(|x|) beyond, with erfc(z) = 2·Phi(-z·√2) from the normal tail above.
inline float verf(float x) {
  float ax = __builtin_fabsf(x);
  float w = x * x;
  float s = 8.068553871e-05f;
  s = s * w - 8.075583028e-04f;
  s = s * w + 5.195914302e-03f;
  s = s * w - 2.685797773e-02f;
  s = s * w + 1.128369346e-01f;
  s = s * w - 3.761263788e-01f;
  s = s * w + 1.128379226e+00f;
  float small = x * s;
  float z = pick(ax > kErfClamp, kErfClamp, ax);
  float erfc = 2.0f * vexpProduct(-z, z) * normalTailFactor(0.70710678f * z);
  float big = __builtin_copysignf(1.0f - erfc, x);
  return pick(ax < 1.0f, small, pick(x != x, x, big));
}

// Phi(x), the standard normal distribution function, for the exact GELU x·Phi(x), and
// the density exp(-x²/2)/√(2π) it shares the exponential with. Within 4e-7 relative.
inline float vnormalCdf(float x, float* density) {
  float ax = __builtin_fabsf(x);
  ax = pick(ax > kNormalClamp, kNormalClamp, ax);
  float e = vexpProduct(-0.5f * ax, ax);
  float tail = e * normalTailFactor(0.5f * ax);
  *density = e * 0.398942280f;
  return pick(x > 0.f, 1.0f - tail, tail);
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

// Sixteen floats as one GCC vector (one zmm, two ymm or four xmm registers): running
// maxima over a lane array are not vectorised by GCC, the same code on this type is.
typedef float Lanes16 __attribute__((vector_size(64)));

// (An out-parameter: returning a 64-byte vector by value draws ABI warnings below AVX-512.)
inline void loadLanes16(Lanes16& v, const float* p) { __builtin_memcpy(&v, p, sizeof v); }

// The largest element, NaN ignored (-inf for none), over sixteen lanes.
inline float maxLanes(const float* x, int64_t n) {
  Lanes16 acc = Lanes16{} - kInf;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    Lanes16 v;
    loadLanes16(v, x + i);
    acc = v > acc ? v : acc;
  }
  float lane[16];
  __builtin_memcpy(lane, &acc, sizeof lane);
  for (; i < n; i++) lane[i & 15] = x[i] > lane[i & 15] ? x[i] : lane[i & 15];
  // Folded in halves: four dependent steps instead of sixteen.
  for (int w = 8; w >= 1; w /= 2) {
    for (int j = 0; j < w; j++) lane[j] = lane[j + w] > lane[j] ? lane[j + w] : lane[j];
  }
  return lane[0];
}

// The sum of n floats that all have one sign (softmax's exponentials): in float on a
// 16-float vector, moved to double every 1024 elements, so a float lane adds at most 64
// values (relative error at most ~70 float ulp, 4e-6, and far less typically).
inline double sumPositive(const float* x, int64_t n) {
  double total = 0;
  for (int64_t c = 0; c < n; c += 1024) {
    int64_t end = imin(n, c + 1024), i = c;
    Lanes16 acc = {};
    for (; i + 16 <= end; i += 16) {
      Lanes16 v;
      loadLanes16(v, x + i);
      acc += v;
    }
    float lane[16];
    __builtin_memcpy(lane, &acc, sizeof lane);
    for (; i < end; i++) lane[i & 15] += x[i];
    total += ((lane[0] + lane[8]) + (lane[4] + lane[12])) + ((lane[2] + lane[10]) + (lane[6] + lane[14])) +
             (((lane[1] + lane[9]) + (lane[5] + lane[13])) + ((lane[3] + lane[11]) + (lane[7] + lane[15])));
  }
  return total;
}

}  // namespace LATHE_ISA
}  // namespace lathe
