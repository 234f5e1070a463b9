// This ISA level's kernel table, handed to cpu.cc's dispatch.
#include "ops.h"

namespace lathe {
namespace LATHE_ISA {

#define LATHE_STR2(x) #x
#define LATHE_STR(x) LATHE_STR2(x)

const Kernels& table() {
  static const Kernels k = {
      LATHE_STR(LATHE_ISA),
      gemm, conv2d, conv2dBackwardInput, conv2dBackwardWeight,
      unary, unaryBackward, binary, where, copy,
      reduce,
      softmax, softmaxBackward, layerNorm, layerNormBackward,
      attention, attentionBackward,
      maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
      indexSelect, indexAdd, gather, scatterAdd, scatter,
      sgdStep, adamStep,
      peakGflops,
  };
  return k;
}

}  // namespace LATHE_ISA
}  // namespace lathe
