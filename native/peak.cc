// The machine's FMA peak, for reporting GEMM efficiency: a register-only loop of
// independent fused multiply-adds (12 chains, more than latency × ports), in assembly so
// the compiler can neither drop nor spill it.
#include <chrono>

#include "ops.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

// Flops of one block() call: 48 FMAs of `lanes` floats, 2 flops each.
#if defined(__AVX512F__)
constexpr double kBlockFlops = 48 * 16 * 2;
inline void block() {
  __asm__ volatile(
      // Zeroed operands: left-over register contents could be denormals, and FMAs on
      // denormals take microcode assists (the loop then measured a tenth of the peak).
      "vxorps %%zmm30, %%zmm30, %%zmm30\n vxorps %%zmm31, %%zmm31, %%zmm31\n"
      "vxorps %%zmm0, %%zmm0, %%zmm0\n vxorps %%zmm1, %%zmm1, %%zmm1\n vxorps %%zmm2, %%zmm2, %%zmm2\n"
      "vxorps %%zmm3, %%zmm3, %%zmm3\n vxorps %%zmm4, %%zmm4, %%zmm4\n vxorps %%zmm5, %%zmm5, %%zmm5\n"
      "vxorps %%zmm6, %%zmm6, %%zmm6\n vxorps %%zmm7, %%zmm7, %%zmm7\n vxorps %%zmm8, %%zmm8, %%zmm8\n"
      "vxorps %%zmm9, %%zmm9, %%zmm9\n vxorps %%zmm10, %%zmm10, %%zmm10\n vxorps %%zmm11, %%zmm11, %%zmm11\n"
      ".rept 4\n"
      "vfmadd231ps %%zmm30, %%zmm31, %%zmm0\n vfmadd231ps %%zmm30, %%zmm31, %%zmm1\n"
      "vfmadd231ps %%zmm30, %%zmm31, %%zmm2\n vfmadd231ps %%zmm30, %%zmm31, %%zmm3\n"
      "vfmadd231ps %%zmm30, %%zmm31, %%zmm4\n vfmadd231ps %%zmm30, %%zmm31, %%zmm5\n"
      "vfmadd231ps %%zmm30, %%zmm31, %%zmm6\n vfmadd231ps %%zmm30, %%zmm31, %%zmm7\n"
      "vfmadd231ps %%zmm30, %%zmm31, %%zmm8\n vfmadd231ps %%zmm30, %%zmm31, %%zmm9\n"
      "vfmadd231ps %%zmm30, %%zmm31, %%zmm10\n vfmadd231ps %%zmm30, %%zmm31, %%zmm11\n"
      ".endr\n" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
      "xmm11", "xmm30", "xmm31");
}
#elif defined(__AVX2__)
constexpr double kBlockFlops = 48 * 8 * 2;
inline void block() {
  __asm__ volatile(
      // Zeroed operands, as above.
      "vxorps %%ymm14, %%ymm14, %%ymm14\n vxorps %%ymm15, %%ymm15, %%ymm15\n"
      "vxorps %%ymm0, %%ymm0, %%ymm0\n vxorps %%ymm1, %%ymm1, %%ymm1\n vxorps %%ymm2, %%ymm2, %%ymm2\n"
      "vxorps %%ymm3, %%ymm3, %%ymm3\n vxorps %%ymm4, %%ymm4, %%ymm4\n vxorps %%ymm5, %%ymm5, %%ymm5\n"
      "vxorps %%ymm6, %%ymm6, %%ymm6\n vxorps %%ymm7, %%ymm7, %%ymm7\n vxorps %%ymm8, %%ymm8, %%ymm8\n"
      "vxorps %%ymm9, %%ymm9, %%ymm9\n vxorps %%ymm10, %%ymm10, %%ymm10\n vxorps %%ymm11, %%ymm11, %%ymm11\n"
      ".rept 4\n"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm0\n vfmadd231ps %%ymm14, %%ymm15, %%ymm1\n"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm2\n vfmadd231ps %%ymm14, %%ymm15, %%ymm3\n"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm4\n vfmadd231ps %%ymm14, %%ymm15, %%ymm5\n"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm6\n vfmadd231ps %%ymm14, %%ymm15, %%ymm7\n"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm8\n vfmadd231ps %%ymm14, %%ymm15, %%ymm9\n"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm10\n vfmadd231ps %%ymm14, %%ymm15, %%ymm11\n"
      ".endr\n" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
      "xmm11", "xmm14", "xmm15");
}
#else
// Portable: 12 independent multiply-add chains in plain C++ (mul + add = 2 flops each),
// kept in registers by an empty asm that claims to read and write them.
#if defined(__x86_64__) || defined(__i386__)
#define LATHE_FP_REG "+x"
#else
#define LATHE_FP_REG "+w"
#endif
constexpr double kBlockFlops = 48 * 2;
inline void block() {
  static thread_local float acc[12] = {};
  float a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5];
  float a6 = acc[6], a7 = acc[7], a8 = acc[8], a9 = acc[9], a10 = acc[10], a11 = acc[11];
  const float m = 0.999f, c = 0.001f;
  for (int r = 0; r < 4; r++) {
    a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c; a4 = a4 * m + c; a5 = a5 * m + c;
    a6 = a6 * m + c; a7 = a7 * m + c; a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
    __asm__ volatile("" : LATHE_FP_REG(a0), LATHE_FP_REG(a1), LATHE_FP_REG(a2), LATHE_FP_REG(a3), LATHE_FP_REG(a4),
                     LATHE_FP_REG(a5), LATHE_FP_REG(a6), LATHE_FP_REG(a7), LATHE_FP_REG(a8), LATHE_FP_REG(a9),
                     LATHE_FP_REG(a10), LATHE_FP_REG(a11));
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = a4; acc[5] = a5;
  acc[6] = a6; acc[7] = a7; acc[8] = a8; acc[9] = a9; acc[10] = a10; acc[11] = a11;
}
#endif

}  // namespace

double peakGflops(double seconds) {
  using Clock = std::chrono::steady_clock;
  // Short timed rounds; the best one is the peak (a round interrupted by another process
  // only lowers its own figure).
  double best = 0;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  do {
    auto t0 = Clock::now();
    for (int i = 0; i < 20000; i++) block();
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    double g = 20000 * kBlockFlops / s / 1e9;
    if (g > best) best = g;
  } while (Clock::now() < end);
  return best;
}

}  // namespace LATHE_ISA
}  // namespace lathe
