// The vectors of the direct convolution kernels (conv.cc), one ISA level's width, and the
// epilogue that finishes a forward pass: bias, ReLU, max pooling.
#pragma once
#include <type_traits>

#include "ops.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX2__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;  // SSE2
#endif
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));
inline Vec loadv(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void storev(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

// ReLU as the unary kernel computes it: v > 0 ? v : 0 (NaN becomes 0).
inline float relu(float v) { return v > 0.f ? v : 0.f; }
inline Vec relu(Vec v) { return v > Vec{} ? v : Vec{}; }
// Max pooling's maximum: a NaN wins.
inline Vec maxNan(Vec a, Vec b) { return (a > b) | (a != a) ? a : b; }
inline float maxNan(float a, float b) { return a > b || a != a ? a : b; }

// Columns 0, 2, 4, … and 1, 3, 5, … of the two vectors a, b (a's columns first).
#if defined(__AVX512F__)
typedef int32_t IVec __attribute__((vector_size(64)));
constexpr IVec kEven = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
constexpr IVec kOdd = {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31};
#elif defined(__AVX2__)
typedef int32_t IVec __attribute__((vector_size(32)));
constexpr IVec kEven = {0, 2, 4, 6, 8, 10, 12, 14};
constexpr IVec kOdd = {1, 3, 5, 7, 9, 11, 13, 15};
#else
typedef int32_t IVec __attribute__((vector_size(16)));
constexpr IVec kEven = {0, 2, 4, 6};
constexpr IVec kOdd = {1, 3, 5, 7};
#endif
// Lane numbers 0, 1, …, kLanes - 1.
#if defined(__AVX512F__)
constexpr IVec kLaneIds = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
#elif defined(__AVX2__)
constexpr IVec kLaneIds = {0, 1, 2, 3, 4, 5, 6, 7};
#else
constexpr IVec kLaneIds = {0, 1, 2, 3};
#endif

// Floats a fused 2×2 pooling may read past the last wide row of a channel.
constexpr int64_t kEpilogueSlack = 4 * kLanes;

// Writes pool(relu(conv + bias)) (ConvEpilogue) of cOut channels computed on a wide grid:
// channel co at src + co·ld, row oy at + oy·wp, outW valid columns, readable up to
// kEpilogueSlack floats past the channel's last row. out gets the planes, as pooled;
// `limit` is the end of the image's output, before which a row may be written past its
// end by a whole vector (the rows and channels after it are written later). Pooling
// takes window maxima before adding the bias, which gives the same floats (rounding is
// monotonic), and after ReLU, whose NaN → 0 it must see.
void convEpilogue(const float* src, int64_t ld, int64_t wp, int64_t cOut, const float* bias, const ConvEpilogue& ep,
                  float* out, const float* limit, const ConvGeometry& g) {
  const int64_t k = ep.pool, ph = g.outH / k, pw = g.outW / k;
  for (int64_t co = 0; co < cOut; co++) {
    const float* sc = src + co * ld;
    float* oc = out + co * ph * pw;
    const float b = bias ? bias[co] : 0.f;
    if (k == 1) {
      for (int64_t oy = 0; oy < g.outH; oy++) {
        const float* s = sc + oy * wp;
        float* d = oc + oy * g.outW;
        int64_t n = g.outW;
        if (n < kLanes) {
          for (int64_t i = 0; i < n; i++) {
            float v = bias ? s[i] + b : s[i];  // no -0 + 0 without a bias
            d[i] = ep.relu ? relu(v) : v;
          }
          continue;
        }
        for (int64_t i = 0;; i += kLanes) {  // the last vector overlaps its predecessor
          if (i > n - kLanes) i = n - kLanes;
          Vec v = bias ? loadv(s + i) + b : loadv(s + i);
          storev(d + i, ep.relu ? relu(v) : v);
          if (i == n - kLanes) break;
        }
      }
      continue;
    }
    if (k == 2) {
      // Instantiated with and without indices, so that the inference loop is the plain one.
      auto pool2 = [&](auto withIndices) {
        constexpr bool kIdx = decltype(withIndices)::value;
        for (int64_t py = 0; py < ph; py++) {
          const float* r0 = sc + 2 * py * wp;
          const float* r1 = r0 + wp;
          float* d = oc + py * pw;
          for (int64_t px = 0;; px += kLanes) {
            if (pw >= kLanes && px > pw - kLanes) px = pw - kLanes;
            Vec a0 = loadv(r0 + 2 * px), a1 = loadv(r0 + 2 * px + kLanes);
            Vec c0 = loadv(r1 + 2 * px), c1 = loadv(r1 + 2 * px + kLanes);
            if (ep.relu) {
              a0 = relu(a0 + b), a1 = relu(a1 + b), c0 = relu(c0 + b), c1 = relu(c1 + b);
            }
            Vec v;
            IVec at{};
            if constexpr (kIdx) {
              // The first maximum in window order (ReLU leaves no NaN): the same value as
              // maxNan's, and maxPool2d's index.
              Vec w00 = __builtin_shuffle(a0, a1, kEven), w01 = __builtin_shuffle(a0, a1, kOdd);
              Vec w10 = __builtin_shuffle(c0, c1, kEven), w11 = __builtin_shuffle(c0, c1, kOdd);
              const IVec base = 2 * (static_cast<int32_t>(px) + kLaneIds) + static_cast<int32_t>(2 * py * g.outW);
              const int32_t below = static_cast<int32_t>(g.outW);
              v = w00;
              at = base;
              IVec take = w01 > v;
              v = take ? w01 : v;
              at = take ? base + 1 : at;
              take = w10 > v;
              v = take ? w10 : v;
              at = take ? base + below : at;
              take = w11 > v;
              v = take ? w11 : v;
              at = take ? base + (below + 1) : at;
            } else {
              Vec m0 = maxNan(a0, c0), m1 = maxNan(a1, c1);
              v = maxNan(__builtin_shuffle(m0, m1, kEven), __builtin_shuffle(m0, m1, kOdd));
            }
            if (!ep.relu && bias) v += b;
            if (pw >= kLanes || d + kLanes <= limit) {
              storev(d + px, v);
              if constexpr (kIdx) std::memcpy(ep.indices + (d - out) + px, &at, sizeof at);
            } else {
              float t[kLanes];
              storev(t, v);
              for (int64_t i = 0; i < pw; i++) d[i] = t[i];
              if constexpr (kIdx) {
                for (int64_t i = 0; i < pw; i++) ep.indices[(d - out) + i] = at[i];
              }
            }
            if (px + kLanes >= pw) break;
          }
        }
      };
      if (ep.indices) {
        pool2(std::true_type{});
      } else {
        pool2(std::false_type{});
      }
      continue;
    }
    for (int64_t py = 0; py < ph; py++) {
      for (int64_t px = 0; px < pw; px++) {
        const float* w0 = sc + py * k * wp + px * k;
        float m = 0.f;
        int64_t at = 0;
        for (int64_t i = 0; i < k; i++) {
          for (int64_t j = 0; j < k; j++) {
            float v = ep.relu ? relu(w0[i * wp + j] + b) : w0[i * wp + j];
            if (ep.indices) {
              // The first maximum (ReLU leaves no NaN): the same value as maxNan's.
              if ((i == 0 && j == 0) || v > m) m = v, at = (py * k + i) * g.outW + px * k + j;
            } else {
              m = i == 0 && j == 0 ? v : maxNan(m, v);
            }
          }
        }
        oc[py * pw + px] = ep.relu || !bias ? m : m + b;
        if (ep.indices) ep.indices[(oc - out) + py * pw + px] = static_cast<int32_t>(at);
      }
    }
  }
}

}  // namespace
}  // namespace LATHE_ISA
}  // namespace lathe
