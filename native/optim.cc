// Fused optimizer updates (torch.optim.SGD, Adam/AdamW) in place over contiguous float32.
// Same formulas as the js kernels; per-element math in float, step constants in double.
// The arrays are distinct (restrict), and the options become template flags, so each
// variant is one straight loop the compiler vectorises.
#include <math.h>

#include "ops.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

struct SgdConsts {
  float lr, momentum, damp, wd;
};

template <bool Decay, bool Momentum, bool First, bool Nesterov>
void sgdRange(float* __restrict p, const float* __restrict g, float* __restrict buf, int64_t n, SgdConsts k) {
  for (int64_t i = 0; i < n; i++) {
    float d = g[i];
    if (Decay) d += k.wd * p[i];  // only when weight decay is on: 0 * inf would be NaN
    if (Momentum) {
      float b = First ? d : k.momentum * buf[i] + k.damp * d;
      buf[i] = b;
      d = Nesterov ? d + k.momentum * b : b;
    }
    p[i] -= k.lr * d;
  }
}

using SgdFn = void (*)(float*, const float*, float*, int64_t, SgdConsts);

SgdFn sgdVariant(bool decay, bool momentum, bool first, bool nesterov) {
  if (!momentum) return decay ? sgdRange<true, false, false, false> : sgdRange<false, false, false, false>;
  static const SgdFn table[2][2][2] = {
      {{sgdRange<false, true, false, false>, sgdRange<false, true, false, true>},
       {sgdRange<false, true, true, false>, sgdRange<false, true, true, true>}},
      {{sgdRange<true, true, false, false>, sgdRange<true, true, false, true>},
       {sgdRange<true, true, true, false>, sgdRange<true, true, true, true>}},
  };
  return table[decay][first][nesterov];
}

struct AdamConsts {
  float b1, c1, b2, c2, wd, decay, stepSize, bc2Sqrt, eps;
};

template <bool Decay, bool Amsgrad>
void adamRange(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
               float* __restrict vMax, int64_t n, AdamConsts k) {
  for (int64_t i = 0; i < n; i++) {
    float gi = g[i];
    if (Decay) gi += k.wd * p[i];
    float mi = k.b1 * m[i] + k.c1 * gi;
    float vi = k.b2 * v[i] + k.c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float vHat = vi;
    if (Amsgrad) {
      vHat = vi > vMax[i] ? vi : vMax[i];
      vMax[i] = vHat;
    }
    float denom = __builtin_sqrtf(vHat) / k.bc2Sqrt + k.eps;
    p[i] = p[i] * k.decay - k.stepSize * (mi / denom);
  }
}

}  // namespace

void sgdStep(const SgdArgs& a) {
  SgdConsts k{static_cast<float>(a.lr), static_cast<float>(a.momentum), static_cast<float>(1 - a.dampening),
              static_cast<float>(a.weightDecay)};
  SgdFn fn = sgdVariant(a.weightDecay != 0, a.buf != nullptr, a.firstStep, a.nesterov);
  parallelRange(a.n, kParallelElems, [&](int64_t b, int64_t e) {
    fn(a.p + b, a.g + b, a.buf ? a.buf + b : nullptr, e - b, k);
  });
}

void adamStep(const AdamArgs& a) {
  AdamConsts k;
  k.b1 = static_cast<float>(a.beta1);
  k.c1 = static_cast<float>(1 - a.beta1);
  k.b2 = static_cast<float>(a.beta2);
  k.c2 = static_cast<float>(1 - a.beta2);
  // AdamW decays the parameter directly; Adam adds the decay to the gradient.
  k.wd = static_cast<float>(a.weightDecay);
  k.decay = static_cast<float>(a.decoupled ? 1 - a.lr * a.weightDecay : 1);
  k.stepSize = static_cast<float>(a.lr / (1 - ::pow(a.beta1, a.step)));
  k.bc2Sqrt = static_cast<float>(::sqrt(1 - ::pow(a.beta2, a.step)));
  k.eps = static_cast<float>(a.eps);
  bool decay = a.weightDecay != 0 && !a.decoupled;
  auto fn = decay ? (a.vMax ? adamRange<true, true> : adamRange<true, false>)
                  : (a.vMax ? adamRange<false, true> : adamRange<false, false>);
  parallelRange(a.n, kParallelElems, [&](int64_t b, int64_t e) {
    fn(a.p + b, a.g + b, a.m + b, a.v + b, a.vMax ? a.vMax + b : nullptr, e - b, k);
  });
}

}  // namespace LATHE_ISA
}  // namespace lathe
