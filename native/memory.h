#pragma once

namespace lathe {

// Raises glibc's mmap and trim thresholds so freed tensor storage is reused without page
// faults (memory.cc); false when LATHE_MALLOC_TUNE=0 or the C library is not glibc.
bool tuneMalloc();

}  // namespace lathe
