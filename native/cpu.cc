#include "cpu.h"

#include <cstdlib>
#include <cstring>
#if defined(LATHE_X86)
#include <cpuid.h>
#endif

namespace lathe {
namespace {

enum Level { SCALAR = 0, AVX2 = 1, AVX512 = 2 };

#if defined(LATHE_X86)
// Register state the OS saves on context switch (XCR0); AVX needs it to save ymm, AVX-512
// also the opmask and upper zmm registers.
uint64_t xcr0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

Level detect() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return SCALAR;
  bool fma = c & (1u << 12), osxsave = c & (1u << 27), avx = c & (1u << 28);
  if (!(fma && osxsave && avx)) return SCALAR;
  uint64_t xcr = xcr0();
  if ((xcr & 0x6) != 0x6) return SCALAR;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return SCALAR;
  bool avx2 = b & (1u << 5);
  if (!avx2) return SCALAR;
  bool f = b & (1u << 16), dq = b & (1u << 17), bw = b & (1u << 30), vl = b & (1u << 31);
  if (f && dq && bw && vl && (xcr & 0xe6) == 0xe6) return AVX512;
  return AVX2;
}
#else
Level detect() { return SCALAR; }
#endif

const char* const kNames[] = {"scalar", "avx2", "avx512"};

const Kernels& tableFor(Level level) {
#if defined(LATHE_X86)
  if (level == AVX512) return avx512::table();
  if (level == AVX2) return avx2::table();
#endif
  (void)level;
  return scalar::table();
}

// The level called `name`, or -1.
int parse(const char* name) {
  for (int l = SCALAR; l <= AVX512; l++) {
    if (name && std::strcmp(name, kNames[l]) == 0) return l;
  }
  return -1;
}

struct State {
  Level best = detect();
  // LATHE_ISA may only lower the level: asking for more than the CPU has is ignored.
  Level active = [this] {
    int wanted = parse(std::getenv("LATHE_ISA"));
    return wanted >= 0 && wanted < best ? static_cast<Level>(wanted) : best;
  }();
  const Kernels* table = &tableFor(active);
};

State& state() {
  static State s;
  return s;
}

}  // namespace

const Kernels& kernels() { return *state().table; }

const char* bestIsa() { return kNames[state().best]; }

bool setIsa(const char* name) {
  State& s = state();
  int wanted = parse(name);
  if (wanted < 0 || wanted > s.best) return false;
  s.active = static_cast<Level>(wanted);
  s.table = &tableFor(s.active);
  return true;
}

}  // namespace lathe
