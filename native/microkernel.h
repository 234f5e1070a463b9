// Register-blocked GEMM micro-kernels, one per ISA level, picked by the compiler flags of
// the including translation unit. A micro-kernel computes an R×NR tile of C from kc steps
// of R values of A (packed: a[p*R + i]; or in place: a[i*lda + p]) and kc rows of NR
// values of B (rows.row(p), see PackedRows):
//   C[i][j] (+)= sum_p A(i, p) * rows.row(p)[j] (+ bias[j])   for i < R, j < cols.
// With a bias row (non-null `bias`, cols values) the accumulators start from it instead of
// zero: the bias is added to every row without C having been filled with it first. The
// caller passes it for the first k slice only, so it is added once.
// ColMajor reads a transposed A in place instead: A(i, p) = a[p*lda + i] (gemm_small.cc,
// for products whose strips meet too few panels to pay for packing them).
// Each tile row holds NR/width accumulator registers, so the k loop is nothing but
// broadcasts, loads and FMAs; rows R < MR are separate instantiations with fewer
// accumulators rather than zero-padded full tiles.
//
// packA(a, lda, rows, kc, dst) packs a row-major A strip: dst[p*rows + i] = a[i*lda + p].
// packBT(row, kc, w, dst) packs a transposed B panel: dst[p*NR + j] = row(j)[p] for j < w,
// zero for w <= j < NR, where row(j) points at column j's run of kc values. Done with in-register transposes: element by element it
// would cost about as much as the multiply for the mid-sized products of nn.Linear.
#pragma once
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif
#include "isa.h"

namespace lathe {
namespace LATHE_ISA {
namespace ukr {

// B rows of a packed panel: row p at b + p*NR.
template <int NR>
struct PackedRows {
  const float* b;
  const float* row(int64_t p) const { return b + p * NR; }
  // An address a few steps ahead; prefetching it never faults, even past the panel.
  const float* ahead(int64_t p) const { return b + (p + 16) * NR; }
};

#if defined(__AVX512F__)

// 14×32: 28 zmm accumulators + 2 for B + 1 broadcast of the 32 registers. Each k step
// issues 28 FMAs against 16 loads, within the two load ports of the two FMA ports' pace.
constexpr int MR = 14, NR = 32;

template <int R, bool Packed, class Rows, bool ColMajor = false>
inline void tile(int64_t kc, const float* a, int64_t lda, Rows rows, float* c, int64_t ldc, int64_t cols, bool load,
                 const float* bias) {
  __m512 acc0[R], acc1[R];
  __mmask16 m0 = cols >= 16 ? 0xffff : static_cast<__mmask16>((1u << cols) - 1);
  __mmask16 m1 = cols >= 32 ? 0xffff : cols <= 16 ? 0 : static_cast<__mmask16>((1u << (cols - 16)) - 1);
  __m512 init0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
  __m512 init1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
#pragma GCC unroll 14
  for (int i = 0; i < R; i++) {
    acc0[i] = init0;
    acc1[i] = init1;
    // The C tile is needed only after the k loop: start fetching it now.
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
  }
  for (int64_t p = 0; p < kc; p++) {
    // B streams from L2; the hardware prefetcher alone leaves the loads waiting.
    _mm_prefetch(reinterpret_cast<const char*>(rows.ahead(p)), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(rows.ahead(p) + 16), _MM_HINT_T0);
    const float* b = rows.row(p);
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 14
    for (int i = 0; i < R; i++) {
      __m512 ai = _mm512_set1_ps(ColMajor ? a[p * lda + i] : Packed ? a[p * R + i] : a[i * lda + p]);
      acc0[i] = _mm512_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(ai, b1, acc1[i]);
    }
  }
#pragma GCC unroll 14
  for (int i = 0; i < R; i++) {
    float* ci = c + i * ldc;
    if (load) {
      acc0[i] = _mm512_add_ps(acc0[i], _mm512_maskz_loadu_ps(m0, ci));
      acc1[i] = _mm512_add_ps(acc1[i], _mm512_maskz_loadu_ps(m1, ci + 16));
    }
    _mm512_mask_storeu_ps(ci, m0, acc0[i]);
    _mm512_mask_storeu_ps(ci + 16, m1, acc1[i]);
  }
}

// dst[i] = src[i] for i < n <= 16: one group of a packed transposed A.
inline void copyShort(const float* src, int64_t n, float* dst) {
  __mmask16 m = static_cast<__mmask16>((1u << n) - 1);
  _mm512_mask_storeu_ps(dst, m, _mm512_maskz_loadu_ps(m, src));
}

// dst[j] = src[j] for j < w <= NR, 0 for w <= j < NR: one row of a packed B panel.
inline void packRow(const float* src, int64_t w, float* dst) {
  __mmask16 m0 = w >= 16 ? 0xffff : static_cast<__mmask16>((1u << w) - 1);
  __mmask16 m1 = w >= 32 ? 0xffff : w <= 16 ? 0 : static_cast<__mmask16>((1u << (w - 16)) - 1);
  _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(m0, src));
  _mm512_storeu_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + 16));
}

// GCC 12 flags the deliberately undefined pass-through operand inside its own unpack
// intrinsics as "maybe uninitialized"; every lane of the result is defined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; i++) {
    __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int i = 0; i < 4; i++) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
  }
  for (int i = 0; i < 4; i++) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
  }
}
#pragma GCC diagnostic pop

template <class Row>
inline void packBT(Row row, int64_t kc, int64_t w, float* dst) {
  for (int64_t jb = 0; jb < NR; jb += 16) {
    for (int64_t p0 = 0; p0 < kc; p0 += 16) {
      int64_t np = imin(16, kc - p0);
      __mmask16 pm = np == 16 ? 0xffff : static_cast<__mmask16>((1u << np) - 1);
      __m512 r[16];
      for (int j = 0; j < 16; j++) {
        r[j] = jb + j < w ? _mm512_maskz_loadu_ps(pm, row(jb + j) + p0) : _mm512_setzero_ps();
      }
      transpose16(r);
      for (int q = 0; q < np; q++) _mm512_store_ps(dst + (p0 + q) * NR + jb, r[q]);
    }
  }
}

// packA(a, lda, rows, kc, dst): dst[p*rows + i] = a[i*lda + p] for i < rows <= MR, p < kc:
// a row-major A strip in the micro-kernel's packed order, 16 k steps per in-register
// transpose.
inline void packA(const float* a, int64_t lda, int64_t rows, int64_t kc, float* dst) {
  __mmask16 rm = static_cast<__mmask16>((1u << rows) - 1);
  for (int64_t p0 = 0; p0 < kc; p0 += 16) {
    int64_t np = imin(16, kc - p0);
    __mmask16 pm = np == 16 ? 0xffff : static_cast<__mmask16>((1u << np) - 1);
    __m512 r[16];
    for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_maskz_loadu_ps(pm, a + i * lda + p0) : _mm512_setzero_ps();
    transpose16(r);
    for (int q = 0; q < np; q++) _mm512_mask_storeu_ps(dst + (p0 + q) * rows, rm, r[q]);
  }
}

#elif defined(__AVX2__)

// 6×16: 12 ymm accumulators + 2 for B + 1 broadcast of the 16 registers.
constexpr int MR = 6, NR = 16;

inline __m256i laneMask(int64_t n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), idx);
}

template <int R, bool Packed, class Rows, bool ColMajor = false>
inline void tile(int64_t kc, const float* a, int64_t lda, Rows rows, float* c, int64_t ldc, int64_t cols, bool load,
                 const float* bias) {
  __m256 acc0[R], acc1[R];
  __m256i m0 = laneMask(cols), m1 = laneMask(cols - 8);
  __m256 init0 = bias ? _mm256_maskload_ps(bias, m0) : _mm256_setzero_ps();
  __m256 init1 = bias ? _mm256_maskload_ps(bias + 8, m1) : _mm256_setzero_ps();
#pragma GCC unroll 6
  for (int i = 0; i < R; i++) {
    acc0[i] = init0;
    acc1[i] = init1;
  }
  for (int64_t p = 0; p < kc; p++) {
    const float* b = rows.row(p);
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < R; i++) {
      __m256 ai = _mm256_broadcast_ss(ColMajor ? a + p * lda + i : Packed ? a + p * R + i : a + i * lda + p);
      acc0[i] = _mm256_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(ai, b1, acc1[i]);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < R; i++) {
    float* ci = c + i * ldc;
    if (load) {
      acc0[i] = _mm256_add_ps(acc0[i], _mm256_maskload_ps(ci, m0));
      acc1[i] = _mm256_add_ps(acc1[i], _mm256_maskload_ps(ci + 8, m1));
    }
    _mm256_maskstore_ps(ci, m0, acc0[i]);
    _mm256_maskstore_ps(ci + 8, m1, acc1[i]);
  }
}

// dst[i] = src[i] for i < n <= 8: one group of a packed transposed A.
inline void copyShort(const float* src, int64_t n, float* dst) {
  __m256i m = laneMask(n);
  _mm256_maskstore_ps(dst, m, _mm256_maskload_ps(src, m));
}

// dst[j] = src[j] for j < w <= NR, 0 for w <= j < NR: one row of a packed B panel.
inline void packRow(const float* src, int64_t w, float* dst) {
  _mm256_storeu_ps(dst, _mm256_maskload_ps(src, laneMask(w)));
  _mm256_storeu_ps(dst + 8, _mm256_maskload_ps(src + 8, laneMask(w - 8)));
}

inline void transpose8(__m256 r[8]) {
  __m256 t[8];
  for (int i = 0; i < 4; i++) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; i++) {
    r[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xee);
    r[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xee);
  }
  for (int i = 0; i < 4; i++) {
    t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
    t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
  }
  for (int i = 0; i < 8; i++) r[i] = t[i];
}

template <class Row>
inline void packBT(Row row, int64_t kc, int64_t w, float* dst) {
  for (int64_t jb = 0; jb < NR; jb += 8) {
    for (int64_t p0 = 0; p0 < kc; p0 += 8) {
      int64_t np = imin(8, kc - p0);
      __m256i pm = laneMask(np);
      __m256 r[8];
      for (int j = 0; j < 8; j++) {
        r[j] = jb + j < w ? _mm256_maskload_ps(row(jb + j) + p0, pm) : _mm256_setzero_ps();
      }
      transpose8(r);
      for (int q = 0; q < np; q++) _mm256_store_ps(dst + (p0 + q) * NR + jb, r[q]);
    }
  }
}

// packA: as in the AVX-512 version, 8 k steps per transpose.
inline void packA(const float* a, int64_t lda, int64_t rows, int64_t kc, float* dst) {
  __m256i rm = laneMask(rows);
  for (int64_t p0 = 0; p0 < kc; p0 += 8) {
    int64_t np = imin(8, kc - p0);
    __m256i pm = laneMask(np);
    __m256 r[8];
    for (int i = 0; i < 8; i++) r[i] = i < rows ? _mm256_maskload_ps(a + i * lda + p0, pm) : _mm256_setzero_ps();
    transpose8(r);
    for (int q = 0; q < np; q++) _mm256_maskstore_ps(dst + (p0 + q) * rows, rm, r[q]);
  }
}

#else

// Portable 4×8 tile of plain loops: 32 accumulators the compiler keeps in SSE registers
// (or whatever vector unit the target has).
constexpr int MR = 4, NR = 8;

template <int R, bool Packed, class Rows, bool ColMajor = false>
inline void tile(int64_t kc, const float* a, int64_t lda, Rows rows, float* c, int64_t ldc, int64_t cols, bool load,
                 const float* bias) {
  float acc[R][NR] = {};
  if (bias) {
    for (int i = 0; i < R; i++) {
      for (int64_t j = 0; j < cols; j++) acc[i][j] = bias[j];
    }
  }
  for (int64_t p = 0; p < kc; p++) {
    const float* b = rows.row(p);
    for (int i = 0; i < R; i++) {
      float ai = ColMajor ? a[p * lda + i] : Packed ? a[p * R + i] : a[i * lda + p];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
    }
  }
  for (int i = 0; i < R; i++) {
    float* ci = c + i * ldc;
    for (int j = 0; j < cols; j++) ci[j] = load ? ci[j] + acc[i][j] : acc[i][j];
  }
}

inline void copyShort(const float* src, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; i++) dst[i] = src[i];
}

inline void packRow(const float* src, int64_t w, float* dst) {
  for (int64_t j = 0; j < NR; j++) dst[j] = j < w ? src[j] : 0.f;
}

template <class Row>
inline void packBT(Row row, int64_t kc, int64_t w, float* dst) {
  for (int64_t j = 0; j < NR; j++) {
    const float* src = j < w ? row(j) : nullptr;
    for (int64_t p = 0; p < kc; p++) dst[p * NR + j] = src ? src[p] : 0.f;
  }
}

inline void packA(const float* a, int64_t lda, int64_t rows, int64_t kc, float* dst) {
  for (int64_t p = 0; p < kc; p++) {
    for (int64_t i = 0; i < rows; i++) dst[p * rows + i] = a[i * lda + p];
  }
}

#endif

}  // namespace ukr
}  // namespace LATHE_ISA
}  // namespace lathe
