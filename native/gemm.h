// Single-precision GEMM shared by the gemm and conv kernels of one ISA level.
#pragma once
#include "ops.h"

namespace lathe {
namespace LATHE_ISA {

// Below this many multiply-adds (about 10 µs of one core) a product stays on one thread:
// waking the pool and packing twice would cost about as much as the second core saves.
constexpr int64_t kParallelMacs = 1 << 20;

// C = A·B (+ C when accumulate) (+ bias in every row, when given: n values) for one m×n
// result: A is m×k (stored k×m when transA), B is k×n (stored n×k when transB), all dense
// row-major; ldc is C's row stride. Uses the thread pool when the product is large enough
// to pay for it. The bias enters the micro-kernel's accumulators, so C is written once.
void sgemm(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const float* b, bool transB,
           float* c, int64_t ldc, bool accumulate, const float* bias = nullptr);

// The same on the calling thread only, for callers that parallelise at a coarser grain.
void sgemmSerial(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const float* b, bool transB,
                 float* c, int64_t ldc, bool accumulate, const float* bias = nullptr);

// A B operand that is never materialised as a matrix: pack(ctx, p0, kc, j0, nc, out)
// writes B's k-range [p0, p0+kc) × columns [j0, j0+nc) as NR-wide panels of kc rows
// (out[(j / NR) * NR * kc + p * NR + j % NR], relative indices), zero past column nc.
// Convolution packs its im2col patches straight into this layout.
struct BPacker {
  void (*pack)(const void* ctx, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out);
  const void* ctx;
};

// The micro-kernel's tile: MR rows (tileRows) by NR columns (panelWidth).
int64_t panelWidth();
int64_t tileRows();

void sgemm(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const BPacker& b, float* c, int64_t ldc,
           bool accumulate, const float* bias = nullptr);
void sgemmSerial(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const BPacker& b, float* c,
                 int64_t ldc, bool accumulate, const float* bias = nullptr);

// gemm_small.cc: C[i][j] = bias[j] (+ C[i][j] when accumulate) for i in [m0, m1), j in [n0, n1).
void addBiasRows(int64_t m0, int64_t m1, int64_t n0, int64_t n1, float* c, int64_t ldc, const float* bias,
                 bool accumulate);

// gemm_small.cc: the dense sgemm's first stop. Computes the products it has a faster path
// for and returns true; otherwise returns false, having possibly folded the bias into C
// for the paths that take none (the matrix-vector ones: then bias is cleared and
// accumulate set).
bool smallGemm(int64_t m, int64_t n, int64_t k, const float* a, bool transA, const float* b, bool transB, float* c,
               int64_t ldc, bool& accumulate, const float*& bias, bool threaded);

}  // namespace LATHE_ISA
}  // namespace lathe
