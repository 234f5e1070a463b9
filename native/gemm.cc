// BLIS-style GEMM: C is cut into NC-column blocks and the k dimension into KC slices;
// each (slice, block) of B is packed once into NR-wide panels that stay in L2, and the
// micro-kernel sweeps those panels against one MR-row strip of A at a time, packed so that
// it stays in L1. Packing applies the transposes, so all four cases run the same inner
// loop. Threads take disjoint parts of C and pack their own operands. Matrix-vector
// products (m or n = 1) take vector loops instead (skinny()).
#include "gemm.h"

#include <cstdlib>
#include <utility>

#include "microkernel.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

using ukr::MR;
using ukr::NR;
// A packed MR×KC strip of A (28 KB) stays in L1 (48 KB here) next to the B panel streaming
// through it; a KC×NC block of B (1 MB) stays in the 2 MB L2. KC = 512 halves the passes
// over C that 256 needed; KC 256…1024 × NC 256…1024 measured within a few percent of
// each other, this pair at the top (docs/NATIVE.md).
constexpr int64_t KC = 512;
constexpr int64_t NC = 512;

// A transposed A is packed MC rows at a time (16 strips: 224 × 512 floats, 448 KB, which
// stays in L2 beside the 1 MB block of B). A row-major A is packed strip by strip; for it
// the MC blocks only nest the loop over strips.
constexpr int64_t MC = 16 * MR;

// Floats between consecutive packed strips of a transposed A: MR*kc plus one cache line,
// so that the strips do not start at the same offset in a page. Unpadded (MR*kc floats:
// 7 pages exactly at kc = 512), the packing's writes to the 16 strips all fell into one
// L1 set and evicted each other.
inline int64_t stripStride(int64_t kc) { return MR * kc + 16; }

// Packs rows [i0, i0+mc) × k-range [p0, p0+kc) of a transposed A (stored k×m) as strips
// of MR rows, strip t at out + t*stripStride(kc), each kc groups of its rows. Sixteen rows
// of the stored matrix at a time (at most 16·MC floats, which stay in L1), strip by strip
// within them: A's rows are read whole and each strip is written sequentially. (Strip by
// strip over all of kc read a short run from another row of A at every step; row by row
// over all strips kept 16 strips' writes in flight, each missing L1.) A full group is
// moved as 16 floats, whose excess lands in the next group (written after it) or, from the
// last group, in the strip's padding: masked moves of the MR floats alone, most of them
// across a cache line, took 3× as long.
void packAT(const float* a, int64_t m, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* out) {
  static_assert(MR <= 16, "a group is moved as 16 floats");
  for (int64_t q = 0; q < kc; q += 16) {
    int64_t qEnd = imin(kc, q + 16);
    float* dst = out;
    for (int64_t s = 0; s < mc; s += MR, dst += stripStride(kc)) {
      int64_t rows = imin(MR, mc - s);
      const float* src = a + (p0 + q) * m + i0 + s;
      for (int64_t p = q; p < qEnd; p++, src += m) {
        if (rows == MR && i0 + s + 16 <= m) {
          std::memcpy(dst + p * MR, src, 16 * sizeof(float));
        } else {
          ukr::copyShort(src, rows, dst + p * rows);
        }
      }
    }
  }
}

struct DenseB {
  const float* p;
  bool trans;
  int64_t n, k;
};

// Packs k-range [p0, p0+kc) × columns [j0, j0+nc) of a dense B (k×n) as NR-wide panels of
// kc rows each, zero-padding the last panel so the micro-kernel never reads past it.
void packB(const void* ctx, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
  const DenseB& b = *static_cast<const DenseB*>(ctx);
  int64_t n = b.n, k = b.k;
  if (b.trans) {
    for (int64_t jp = 0; jp < nc; jp += NR) {
      const float* first = b.p + (j0 + jp) * k + p0;
      ukr::packBT([first, k](int64_t j) { return first + j * k; }, kc, imin(NR, nc - jp), out + jp * kc);
    }
    return;
  }
  // Row by row, so B is read sequentially; each row feeds every panel.
  for (int64_t p = 0; p < kc; p++) {
    const float* src = b.p + (p0 + p) * n + j0;
    for (int64_t jp = 0; jp < nc; jp += NR) {
      int64_t w = imin(NR, nc - jp);
      float* d = out + jp * kc + p * NR;
      for (int64_t j = 0; j < w; j++) d[j] = src[jp + j];
      for (int64_t j = w; j < NR; j++) d[j] = 0.f;
    }
  }
}

using Panel = ukr::PackedRows<NR>;
template <class Rows>
using TileFn = void (*)(int64_t kc, const float* a, int64_t lda, Rows rows, float* c, int64_t ldc, int64_t cols,
                        bool load, const float* bias);

// tile<rows, ...> for rows in 1..MR, indexed by rows - 1.
template <bool PackedA, class Rows, size_t... I>
struct Tiles {
  static constexpr TileFn<Rows> fns[] = {&ukr::tile<static_cast<int>(I) + 1, PackedA, Rows>...};
};
template <bool PackedA, class Rows, size_t... I>
constexpr const TileFn<Rows>* tiles(std::index_sequence<I...>) {
  return Tiles<PackedA, Rows, I...>::fns;
}
const TileFn<Panel>* const kPackedTiles = tiles<true, Panel>(std::make_index_sequence<MR>());
const TileFn<Panel>* const kDirectTiles = tiles<false, Panel>(std::make_index_sequence<MR>());

// Splits `len` into `parts` near-equal pieces aligned to `step`.
int64_t alignedCut(int64_t len, int64_t parts, int64_t i, int64_t step) {
  int64_t steps = (len + step - 1) / step;
  return imin(len, steps * i / parts * step);
}

// C[m0:m1, n0:n1] of one product, on the calling thread; the bias row (if any) enters the
// tiles of the first k slice.
void block(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const BPacker& b, float* c, int64_t ldc,
           bool accumulate, int64_t m0, int64_t m1, int64_t n0, int64_t n1, const float* bias = nullptr) {
  if (m0 >= m1 || n0 >= n1) return;
  if (k == 0 && bias) return addBiasRows(m0, m1, n0, n1, c, ldc, bias, accumulate);
  if (k == 0) {
    if (!accumulate) {
      for (int64_t i = m0; i < m1; i++) std::memset(c + i * ldc + n0, 0, sizeof(float) * (n1 - n0));
    }
    return;
  }
  // Equal slices: k = 300 runs as 2×150, not 256 + 44.
  int64_t kSlices = (k + KC - 1) / KC, kc0 = (k + kSlices - 1) / kSlices;
  int64_t nBlocks = (n1 - n0 + NC - 1) / NC;
  int64_t nc0 = ((n1 - n0 + nBlocks - 1) / nBlocks + NR - 1) / NR * NR;
  float* aBuf = scratch(0, transA ? imin(MC / MR, (m1 - m0 + MR - 1) / MR) * stripStride(kc0) : MR * kc0);
  float* bBuf = scratch(1, kc0 * nc0);
  for (int64_t jc = n0; jc < n1; jc += nc0) {
    int64_t nc = imin(nc0, n1 - jc);
    for (int64_t pc = 0; pc < k; pc += kc0) {
      int64_t kc = imin(kc0, k - pc);
      b.pack(b.ctx, pc, kc, jc, nc, bBuf);
      bool load = accumulate || pc > 0;
      for (int64_t ib = m0; ib < m1; ib += MC) {
        int64_t ibEnd = imin(m1, ib + MC);
        if (transA) packAT(a, m, ib, ibEnd - ib, pc, kc, aBuf);
        for (int64_t ic = ib; ic < ibEnd; ic += MR) {
          int64_t rows = imin(MR, ibEnd - ic);
          // A is packed so each k step reads one contiguous group of `rows` values (rows
          // of a row-major A read in place need a pointer each, and with k a multiple of
          // 1024 they alias in L1). Packing a row-major strip costs about a tenth of one
          // tile's time, so a strip of fewer than 8 tiles reads it in place.
          const float* ap = a + ic * k + pc;
          TileFn<Panel> fn = kPackedTiles[rows - 1];
          if (transA) {
            ap = aBuf + (ic - ib) / MR * stripStride(kc);
          } else if (nc >= 8 * NR) {
            ukr::packA(ap, k, rows, kc, aBuf);
            ap = aBuf;
          } else {
            fn = kDirectTiles[rows - 1];
          }
          float* cRow = c + ic * ldc + jc;
          for (int64_t jr = 0; jr < nc; jr += NR) {
            fn(kc, ap, k, Panel{bBuf + jr * kc}, cRow + jr, ldc, imin(NR, nc - jr), load,
               bias && pc == 0 ? bias + jc + jr : nullptr);
          }
        }
      }
    }
  }
}

// Below AVX-512 GCC warns that passing a 64-byte vector by value has no stable ABI; these
// helpers are internal to this translation unit.
#pragma GCC diagnostic ignored "-Wpsabi"

// Matrix-vector products (m = 1 or n = 1) skip the tiles: a tile with one useful column
// or row wastes 31/32 of its FMAs, and packing B costs as much as the product itself.
// Written with GCC vector types, which each ISA level lowers to one zmm, two ymm or four
// xmm registers; the lanes sum independently, so no reassociation is needed. (An outer
// product, k = 1, measured faster on the tiles than as one scaled copy per row.)
typedef float V16 __attribute__((vector_size(64)));
typedef float V8 __attribute__((vector_size(32)));
typedef float V4 __attribute__((vector_size(16)));

// The 16 lanes' sum as a tree of halves (a chain of 15 dependent adds would cost more
// than a short dot product itself). Halves by memcpy, which compiles to lane extracts.
inline float hsum(V16 v) {
  V8 h8[2];
  std::memcpy(h8, &v, sizeof v);
  V8 s8 = h8[0] + h8[1];
  V4 h4[2];
  std::memcpy(h4, &s8, sizeof s8);
  V4 s4 = h4[0] + h4[1];
  return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

inline V16 load16(const float* p) {
  V16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// out[r * ldo] (+)= dot(rows + r * stride, v) for r < R: lane l sums the products at
// p ≡ l (mod 16) in order, then the lanes are added.
template <int R>
void dotRows(const float* rows, int64_t stride, const float* v, int64_t len, float* out, int64_t ldo, bool accumulate) {
  V16 acc[R] = {};
  int64_t p = 0;
  for (; p + 16 <= len; p += 16) {
    V16 x = load16(v + p);
    for (int r = 0; r < R; r++) acc[r] += load16(rows + r * stride + p) * x;
  }
  for (int r = 0; r < R; r++) {
    for (int64_t q = p; q < len; q++) acc[r][q - p] += rows[r * stride + q] * v[q];
    float sum = hsum(acc[r]);
    out[r * ldo] = accumulate ? out[r * ldo] + sum : sum;
  }
}

void dots(int64_t count, const float* rows, int64_t stride, const float* v, int64_t len, float* out, int64_t ldo,
          bool accumulate) {
  int64_t r = 0;
  // Four rows share each load of v.
  for (; r + 4 <= count; r += 4) dotRows<4>(rows + r * stride, stride, v, len, out + r * ldo, ldo, accumulate);
  for (; r < count; r++) dotRows<1>(rows + r * stride, stride, v, len, out + r * ldo, ldo, accumulate);
}

// out[j] (+)= sum_p coef[p * cs] * rows[p * stride + j] for j in one chunk of W columns
// (a multiple of 16), whose partial sums stay in registers across p.
template <int W>
void combineChunk(int64_t count, const float* coef, int64_t cs, const float* rows, int64_t stride, float* out,
                  bool accumulate) {
  V16 t[W / 16] = {};
  for (int64_t p = 0; p < count; p++) {
    float a = coef[p * cs];
    for (int q = 0; q < W / 16; q++) t[q] += a * load16(rows + p * stride + 16 * q);
  }
  for (int q = 0; q < W / 16; q++) {
    if (accumulate) t[q] += load16(out + 16 * q);
    std::memcpy(out + 16 * q, &t[q], sizeof t[q]);
  }
}

// out[j] (+)= sum_p coef[p * cs] * rows[p * stride + j] for j < len.
void combine(int64_t len, int64_t count, const float* coef, int64_t cs, const float* rows, int64_t stride, float* out,
             bool accumulate) {
  int64_t j = 0;
  for (; j + 64 <= len; j += 64) combineChunk<64>(count, coef, cs, rows + j, stride, out + j, accumulate);
  for (; j + 16 <= len; j += 16) combineChunk<16>(count, coef, cs, rows + j, stride, out + j, accumulate);
  for (; j < len; j++) {
    float t = 0.f;
    for (int64_t p = 0; p < count; p++) t += coef[p * cs] * rows[p * stride + j];
    out[j] = accumulate ? out[j] + t : t;
  }
}

// Runs f(begin, end) over [0, len), split between the threads at multiples of `step` when
// the product (macs multiply-adds) pays for it. Each output is still summed by one thread,
// and by the same code (vector chunk or scalar tail) as on one thread.
template <class F>
void split(int64_t len, int64_t step, int64_t macs, bool threaded, F&& f) {
  int64_t parts = threaded && macs >= kParallelMacs ? imin(numThreads(), (len + step - 1) / step) : 1;
  if (parts <= 1) {
    f(int64_t{0}, len);
    return;
  }
  parallel(parts, [&](int64_t t) { f(alignedCut(len, parts, t, step), alignedCut(len, parts, t + 1, step)); });
}

// The products above, when the shape is one of theirs; false otherwise.
bool skinny(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const float* b, bool transB, float* c,
            int64_t ldc, bool accumulate, bool threaded) {
  int64_t macs = m * n * k;
  if (n == 1 && !transA) {  // C column = A rows · b (b is k×1 stored either way)
    split(m, 4, macs, threaded, [&](int64_t i0, int64_t i1) {
      dots(i1 - i0, a + i0 * k, k, b, k, c + i0 * ldc, ldc, accumulate);
    });
  } else if (n == 1 && ldc == 1) {  // transposed A: C column = sum_p b[p] · row p of A (k×m)
    split(m, 64, macs, threaded, [&](int64_t i0, int64_t i1) {
      combine(i1 - i0, k, b, 1, a + i0, m, c + i0, accumulate);
    });
  } else if (m == 1 && transB) {  // C row = a · rows of B (n×k)
    split(n, 4, macs, threaded, [&](int64_t j0, int64_t j1) {
      dots(j1 - j0, b + j0 * k, k, a, k, c + j0, 1, accumulate);
    });
  } else if (m == 1) {  // C row = sum_p a[p] · row p of B (k×n)
    split(n, 64, macs, threaded, [&](int64_t j0, int64_t j1) {
      combine(j1 - j0, k, a, 1, b + j0, n, c + j0, accumulate);
    });
  } else {
    return false;
  }
  return true;
}

}  // namespace

int64_t panelWidth() { return NR; }

int64_t tileRows() { return MR; }

void sgemmSerial(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const BPacker& b, float* c, int64_t ldc,
                 bool accumulate, const float* bias) {
  block(m, n, k, a, transA, b, c, ldc, accumulate, 0, m, 0, n, bias);
}

void sgemmSerial(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const float* b, bool transB,
                 float* c, int64_t ldc, bool accumulate, const float* bias) {
  if (smallGemm(m, n, k, a, transA, b, transB, c, ldc, accumulate, bias, false)) return;
  if (k > 0 && skinny(m, n, k, a, transA, b, transB, c, ldc, accumulate, false)) return;
  DenseB dense{b, transB, n, k};
  sgemmSerial(m, n, k, a, transA, BPacker{packB, &dense}, c, ldc, accumulate, bias);
}

void sgemm(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const BPacker& b, float* c, int64_t ldc,
           bool accumulate, const float* bias) {
  int64_t threads = numThreads();
  if (threads == 1 || m * n * k < kParallelMacs) {
    sgemmSerial(m, n, k, a, transA, b, c, ldc, accumulate, bias);
    return;
  }
  // Each thread packs the operand panels it needs. A row-major A is read in place (or
  // packed strip by strip), so cutting along n costs each thread a pass over all of A and
  // its own columns of B; cutting along m, its own rows of A and all of B. So cut along n
  // unless A is clearly the larger operand (m > 2n: the W4 products of 2048 rows, where
  // each thread would read all of A for a few panels of columns) or cutting along n
  // leaves the threads clearly unequal shares. A transposed A is packed, so then cut
  // along whichever of m and n has more micro-tiles, unless that one divides clearly less
  // evenly (the head's weight gradient, 65×128: 5 strips of rows split 3:2, 4 panels 2:2).
  int64_t mTiles = (m + MR - 1) / MR, nTiles = (n + NR - 1) / NR;
  auto imbalance = [threads](int64_t tiles) {  // 1 when the tiles divide evenly
    return static_cast<double>((tiles + threads - 1) / threads * threads) / static_cast<double>(tiles);
  };
  bool byRows = transA ? mTiles >= nTiles && imbalance(mTiles) <= imbalance(nTiles) + 0.1
                      : m > 2 * n || imbalance(nTiles) > imbalance(mTiles) + 0.1;
  int64_t parts = imin(threads, byRows ? mTiles : nTiles);
  parallel(parts, [&](int64_t t) {
    if (byRows) {
      block(m, n, k, a, transA, b, c, ldc, accumulate, alignedCut(m, parts, t, MR), alignedCut(m, parts, t + 1, MR), 0, n,
            bias);
    } else {
      block(m, n, k, a, transA, b, c, ldc, accumulate, 0, m, alignedCut(n, parts, t, NR), alignedCut(n, parts, t + 1, NR),
            bias);
    }
  });
}

void sgemm(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const float* b, bool transB,
           float* c, int64_t ldc, bool accumulate, const float* bias) {
  if (smallGemm(m, n, k, a, transA, b, transB, c, ldc, accumulate, bias, true)) return;
  if (k > 0 && skinny(m, n, k, a, transA, b, transB, c, ldc, accumulate, true)) return;
  DenseB dense{b, transB, n, k};
  sgemm(m, n, k, a, transA, BPacker{packB, &dense}, c, ldc, accumulate, bias);
}

void gemm(const GemmArgs& g) {
  int64_t macs = g.batch * g.m * g.n * g.k;
  int64_t threads = numThreads();
  // Many products: one per task, each on one thread (attention heads, grouped convs) --
  // unless the C matrices overlap (a batch stride of 0 sums every product into one C).
  bool disjoint = g.cBatchStride >= g.m * g.n;
  if (g.batch >= threads && threads > 1 && disjoint && macs >= kParallelMacs) {
    parallel(g.batch, [&](int64_t t) {
      sgemmSerial(g.m, g.n, g.k, g.a + t * g.aBatchStride, g.transA, g.b + t * g.bBatchStride, g.transB,
                  g.c + t * g.cBatchStride, g.n, g.accumulate, g.bias);
    });
    return;
  }
  for (int64_t t = 0; t < g.batch; t++) {
    sgemm(g.m, g.n, g.k, g.a + t * g.aBatchStride, g.transA, g.b + t * g.bBatchStride, g.transB,
          g.c + t * g.cBatchStride, g.n, g.accumulate, g.bias);
  }
}

}  // namespace LATHE_ISA
}  // namespace lathe
