// The dense sgemm's entry for products that the blocked driver (gemm.cc) serves badly,
// and the bias rows of the GEMM epilogue where no micro-kernel tile takes them.
#include <cstring>

#include "gemm.h"

namespace lathe {
namespace LATHE_ISA {

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
  (void)a, (void)transA, (void)b, (void)transB, (void)threaded;
  // Matrix-vector products (gemm.cc's skinny()) take no bias: one row or column of it is
  // written into C first.
  if (bias && k > 0 && (m == 1 || n == 1)) {
    addBiasRows(0, m, 0, n, c, ldc, bias, accumulate);
    accumulate = true;
    bias = nullptr;
  }
  return false;
}

}  // namespace LATHE_ISA
}  // namespace lathe
