// Keeps freed tensor memory in the process instead of returning it to the OS.
//
// A tensor's storage is an ArrayBuffer that Node allocates with malloc. glibc serves
// blocks above its mmap threshold (128 KiB, adapted upwards as they are freed) with fresh
// mmap()s and trims the top of its heap when more than twice that is free, so nearly every
// large tensor — a GEMM result, an activation, a gradient — started on pages the kernel
// had to fault in and zero: ~25% of a 512² or 1024² product, and a large share of a
// training step. Raising both thresholds makes freed blocks come back from the heap
// already mapped, as PyTorch's caching allocators do. LATHE_MALLOC_TUNE=0 keeps glibc's
// defaults. Other C libraries are left alone.
#include <cstdlib>
#include <cstring>

#include "cpu.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace lathe {

bool tuneMalloc() {
#if defined(__GLIBC__)
  const char* env = std::getenv("LATHE_MALLOC_TUNE");
  if (env && std::strcmp(env, "0") == 0) return false;
  // 32 MiB is glibc's largest mmap threshold on 64-bit; bigger blocks (a [2048, 2048]
  // float matrix is 16 MiB) are rare enough to map each time. The heap is never trimmed:
  // the process keeps its peak, as it would under PyTorch's allocator.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
  return true;
#else
  return false;
#endif
}

}  // namespace lathe
