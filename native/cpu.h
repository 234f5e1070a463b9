// Instruction-set dispatch: the kernel table is picked once at load from the CPU's
// flags, lowered by LATHE_ISA=avx2|scalar, and can be lowered again by tests.
#pragma once
#include "kernels.h"

namespace lathe {

// The active kernel table.
const Kernels& kernels();
// The best level this CPU (and OS) supports: "avx512", "avx2" or "scalar".
const char* bestIsa();
// Switches to `name` if this CPU supports it; returns false (and changes nothing) otherwise.
bool setIsa(const char* name);

}  // namespace lathe
