// Included first by every per-ISA source. binding.gyp compiles those sources once per
// instruction-set level with its -m flags and -DLATHE_ISA=<level>, so each copy lives in
// its own namespace (lathe::avx512, lathe::avx2, lathe::scalar). Only our own namespaced
// code and C headers go in there: a std:: template instantiated with AVX-512 flags could
// be merged by the linker into code that must run on any CPU.
#pragma once
#ifndef LATHE_ISA
#error "LATHE_ISA must name the instruction-set level (avx512, avx2 or scalar)"
#endif
#include <cstdint>
#include <cstring>
#include <type_traits>
#include "kernels.h"
#include "threadpool.h"

namespace lathe {
namespace LATHE_ISA {

inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

// parallelFor over a lambda, which stays in this translation unit.
template <class F>
inline void parallel(int64_t tasks, F&& f) {
  using Fn = std::remove_reference_t<F>;
  parallelFor(tasks, [](void* c, int64_t t) { (*static_cast<Fn*>(c))(t); }, &f);
}

// Splits [0, n) into `parts` near-equal chunks; returns chunk `i` as [begin, end).
inline void chunk(int64_t n, int64_t parts, int64_t i, int64_t& begin, int64_t& end) {
  begin = n * i / parts;
  end = n * (i + 1) / parts;
}

// Below this many elements a streaming kernel stays on one thread: waking the pool costs
// more than the second core saves.
constexpr int64_t kParallelElems = 1 << 16;

// Runs f(begin, end) over [0, n): on the calling thread when n < grain, else in one chunk
// per thread.
template <class F>
inline void parallelRange(int64_t n, int64_t grain, F&& f) {
  int64_t parts = n < grain ? 1 : numThreads();
  if (parts <= 1) {
    f(int64_t{0}, n);
    return;
  }
  parallel(parts, [&](int64_t t) {
    int64_t b, e;
    chunk(n, parts, t, b, e);
    f(b, e);
  });
}

// parallelRange over `rows` independent rows of `cols` elements each: split by rows once
// the whole job is big enough.
template <class F>
inline void parallelRows(int64_t rows, int64_t cols, F&& f) {
  parallelRange(rows, rows * cols < kParallelElems ? rows + 1 : 2, f);
}

}  // namespace LATHE_ISA
}  // namespace lathe
