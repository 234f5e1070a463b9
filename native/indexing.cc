// indexSelect / gather, their adjoints and scatter over contiguous [outer, n, inner] arrays.
// Indices were validated by the caller (the binding re-checks them before any write).
#include "ops.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

template <class T>
void gatherT(const T* x, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, T* out) {
  parallelRows(outer * m, inner, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t o = r / m;
      const int32_t* idx = index + r * inner;
      T* dst = out + r * inner;
      for (int64_t i = 0; i < inner; i++) dst[i] = x[(o * n + idx[i]) * inner + i];
    }
  });
}

// Duplicate indices: the last j wins, so each outer slab runs in order on one thread.
template <class T>
void scatterT(const T* src, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, T* out) {
  parallelRows(outer, m * inner, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
      for (int64_t j = 0; j < m; j++) {
        const int32_t* idx = index + (o * m + j) * inner;
        const T* s = src + (o * m + j) * inner;
        for (int64_t i = 0; i < inner; i++) out[(o * n + idx[i]) * inner + i] = s[i];
      }
    }
  });
}

}  // namespace

void indexSelect(const void* x, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, void* out,
                 int elemSize) {
  const char* src = static_cast<const char*>(x);
  char* dst = static_cast<char*>(out);
  size_t row = static_cast<size_t>(inner) * elemSize;
  parallelRows(outer * m, inner, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t o = r / m, j = r % m;
      std::memcpy(dst + r * row, src + (o * n + index[j]) * row, row);
    }
  });
}

void indexAdd(const float* g, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, float* gx) {
  // Repeated indices add into the same row: split by outer slabs only, never within one.
  parallelRows(outer, m * inner, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
      for (int64_t j = 0; j < m; j++) {
        float* dst = gx + (o * n + index[j]) * inner;
        const float* src = g + (o * m + j) * inner;
        for (int64_t i = 0; i < inner; i++) dst[i] += src[i];
      }
    }
  });
}

void gather(const void* x, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, void* out,
            int elemSize) {
  if (elemSize == 1) {
    gatherT(static_cast<const uint8_t*>(x), outer, n, inner, index, m, static_cast<uint8_t*>(out));
  } else {
    gatherT(static_cast<const uint32_t*>(x), outer, n, inner, index, m, static_cast<uint32_t*>(out));
  }
}

void scatterAdd(const float* g, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, float* gx) {
  parallelRows(outer, m * inner, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
      for (int64_t j = 0; j < m; j++) {
        const int32_t* idx = index + (o * m + j) * inner;
        const float* src = g + (o * m + j) * inner;
        for (int64_t i = 0; i < inner; i++) gx[(o * n + idx[i]) * inner + i] += src[i];
      }
    }
  });
}

void scatter(const void* src, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, void* out,
             int elemSize) {
  if (elemSize == 1) {
    scatterT(static_cast<const uint8_t*>(src), outer, n, inner, index, m, static_cast<uint8_t*>(out));
  } else {
    scatterT(static_cast<const uint32_t*>(src), outer, n, inner, index, m, static_cast<uint32_t*>(out));
  }
}

}  // namespace LATHE_ISA
}  // namespace lathe
