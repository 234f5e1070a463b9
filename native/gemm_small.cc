// The dense sgemm's entry for products that the blocked driver (gemm.cc) serves badly,
// and the bias rows of the GEMM epilogue where no micro-kernel tile takes them.
//
// Small products (one k slice, one block of columns, below the threading threshold: the
// layers of an MLP at batch 256, 0.5–1 M multiply-adds) spend a good part of their time
// packing rather than multiplying. Two of gemm.cc's packings cost the most there, and
// this path avoids them:
// - a row-major B whose last panel is partial (n = 30): gemm.cc copies it element by
//   element; here each row of a panel is two masked vector moves (ukr::packRow);
// - a transposed A (the weight gradients xᵀ·g) meeting one panel (or up to four, when A
//   is small): gemm.cc packs every strip of it; here the micro-kernel reads it in place
//   (tile<..., ColMajor>), each k step one run of R consecutive floats, the same reads
//   packing would have made.
// The tiles are gemm.cc's micro-kernel, so each element of C is summed in the same order
// (bias first, then k in order) as there.
#include <cstring>
#include <utility>

#include "gemm.h"
#include "microkernel.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

using ukr::MR;
using ukr::NR;
using Panel = ukr::PackedRows<NR>;
using TileFn = void (*)(int64_t kc, const float* a, int64_t lda, Panel rows, float* c, int64_t ldc, int64_t cols,
                        bool load, const float* bias);

// tile<rows, ...> for rows in 1..MR, indexed by rows - 1: A row-major in place (Direct)
// or transposed in place (ColMajor).
template <bool ColMajor, size_t... I>
struct Tiles {
  static constexpr TileFn fns[] = {&ukr::tile<static_cast<int>(I) + 1, false, Panel, ColMajor>...};
};
template <bool ColMajor, size_t... I>
constexpr const TileFn* tiles(std::index_sequence<I...>) {
  return Tiles<ColMajor, I...>::fns;
}
const TileFn* const kDirect = tiles<false>(std::make_index_sequence<MR>());
const TileFn* const kColMajor = tiles<true>(std::make_index_sequence<MR>());

// The limits of this path: gemm.cc's KC and NC (one k slice, one block of columns).
constexpr int64_t kMaxK = 512;
constexpr int64_t kMaxN = 512;

}  // namespace

void addBiasRows(int64_t m0, int64_t m1, int64_t n0, int64_t n1, float* c, int64_t ldc, const float* bias,
                 bool accumulate) {
  for (int64_t i = m0; i < m1; i++) {
    float* ci = c + i * ldc;
    if (accumulate) {
      for (int64_t j = n0; j < n1; j++) ci[j] += bias[j];
    } else {
      std::memcpy(ci + n0, bias + n0, sizeof(float) * (n1 - n0));
    }
  }
}

bool smallGemm(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const float* b, bool transB, float* c,
               int64_t ldc, bool& accumulate, const float*& bias, bool threaded) {
  // Matrix-vector products (gemm.cc's skinny()) take no bias: one row or column of it is
  // written into C first.
  if (bias && k > 0 && (m == 1 || n == 1)) {
    addBiasRows(0, m, 0, n, c, ldc, bias, accumulate);
    accumulate = true;
    bias = nullptr;
  }
  if (k == 0 || m == 1 || n == 1 || k > kMaxK || n > kMaxN) return false;
  // Threaded products stay with gemm.cc, whose threads pack their own parts of B in
  // parallel. (Packing B once here and sharing it between two threads, A read in place,
  // never came near gemm.cc's best two-thread times at load 7: 26 vs 17 µs at 64×128×256.)
  if (threaded && numThreads() > 1 && m * n * k >= kParallelMacs) return false;
  int64_t panels = (n + NR - 1) / NR;
  // gemm.cc reads a row-major A in place too below 8 panels (and packs it from there on).
  bool partialRowB = !transA && !transB && n % NR != 0 && panels < 8;
  // In place, each strip of a transposed A is read once per panel, rows m floats apart; a
  // strip of a wide A (m = 1024: rows 4 KB apart, one L1 set) leaves L1 before the next
  // panel, so several panels take it only from a small A (1024×128×256: 504 µs in place,
  // 412 packed; 1024×30×256: 112 in place, 130 packed; 64×128×256: 26.5, 28.2).
  bool fewPanelsT = transA && (panels == 1 || (panels <= 4 && m * k <= 32768));
  if (!fewPanelsT && !partialRowB) return false;

  float* bBuf = scratch(1, panels * NR * k);
  for (int64_t jp = 0; jp < n; jp += NR) {
    int64_t w = imin(NR, n - jp);
    float* dst = bBuf + jp * k;
    if (transB) {
      const float* first = b + jp * k;
      ukr::packBT([first, k](int64_t j) { return first + j * k; }, k, w, dst);
    } else {
      for (int64_t p = 0; p < k; p++) ukr::packRow(b + p * n + jp, w, dst + p * NR);
    }
  }
  for (int64_t ic = 0; ic < m; ic += MR) {
    int64_t rows = imin(MR, m - ic);
    TileFn fn = transA ? kColMajor[rows - 1] : kDirect[rows - 1];
    // Row-major A: strip ic starts at row ic (lda = k); transposed A (k×m): at column ic (lda = m).
    const float* ap = transA ? a + ic : a + ic * k;
    int64_t lda = transA ? m : k;
    float* cRow = c + ic * ldc;
    for (int64_t jr = 0; jr < n; jr += NR) {
      fn(k, ap, lda, Panel{bBuf + jr * k}, cRow + jr, ldc, imin(NR, n - jr), accumulate, bias ? bias + jr : nullptr);
    }
  }
  return true;
}

}  // namespace LATHE_ISA
}  // namespace lathe
