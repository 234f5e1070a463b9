// Bindings of gemm and the convolutions. Parameter block layouts are mirrored in
// src/backend/native/backend.ts.
#include "args.h"
#include "bind.h"
#include "cpu.h"

namespace lathe {
namespace {

// [batch, m, n, k, aOffset, aBatchStride, transA, bOffset, bBatchStride, transB,
//  cOffset, cBatchStride, accumulate]; arguments (a, b, c, bias | null | undefined): the
// bias (n values) is added to every row of C.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args in(info, "gemm");
  GemmArgs g;
  g.batch = in.integer(0);
  g.m = in.integer(1);
  g.n = in.integer(2);
  g.k = in.integer(3);
  int64_t aOff = in.integer(4), bOff = in.integer(7), cOff = in.integer(10);
  g.aBatchStride = in.integer(5);
  g.bBatchStride = in.integer(8);
  g.cBatchStride = in.integer(11);
  g.transA = in.flag(6);
  g.transB = in.flag(9);
  g.accumulate = in.flag(12);
  Arr a = in.array(0, napi_float32_array), b = in.array(1, napi_float32_array), c = in.array(2, napi_float32_array);
  in.batched(a, aOff, g.aBatchStride, g.batch, g.m * g.k, "A");
  in.batched(b, bOff, g.bBatchStride, g.batch, g.k * g.n, "B");
  in.batched(c, cOff, g.cBatchStride, g.batch, g.m * g.n, "C");
  g.bias = info.Length() > 3 ? in.f32(3, g.n, true) : nullptr;
  if (!in.ok()) return info.Env().Undefined();
  g.a = static_cast<const float*>(a.data) + aOff;
  g.b = static_cast<const float*>(b.data) + bOff;
  g.c = static_cast<float*>(c.data) + cOff;
  kernels().gemm(g);
  return info.Env().Undefined();
}

// [n, cIn, h, w, cOut, kh, kw, outH, outW, strideH, strideW, padH, padW, dilationH, dilationW, groups]
bool geometry(Args& in, ConvGeometry& g) {
  int64_t* f[] = {&g.n, &g.cIn, &g.h, &g.w, &g.cOut, &g.kh, &g.kw, &g.outH, &g.outW,
                  &g.strideH, &g.strideW, &g.padH, &g.padW, &g.dilationH, &g.dilationW, &g.groups};
  for (int j = 0; j < 16; j++) *f[j] = in.integer(j);
  if (!in.ok()) return false;
  if (g.groups < 1 || g.cIn % g.groups || g.cOut % g.groups || g.strideH < 1 || g.strideW < 1 || g.dilationH < 1 ||
      g.dilationW < 1) {
    return in.fail("invalid convolution geometry");
  }
  return true;
}

int64_t inputSize(const ConvGeometry& g) { return g.n * g.cIn * g.h * g.w; }
int64_t outputSize(const ConvGeometry& g) { return g.n * g.cOut * g.outH * g.outW; }
int64_t weightSize(const ConvGeometry& g) { return g.cOut * (g.cIn / g.groups) * g.kh * g.kw; }

// [geometry..., relu, pool]; (x, w, bias | null, out, indices | null | undefined): out
// holds the pooled planes, indices (relu and pool > 1 only) their maxima's positions.
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  Args in(info, "conv2d");
  ConvGeometry g;
  if (!geometry(in, g)) return info.Env().Undefined();
  ConvEpilogue ep{in.flag(16), in.integer(17)};
  if (!in.ok()) return info.Env().Undefined();
  if (ep.pool < 1 || ep.pool > g.outH || ep.pool > g.outW) {
    in.fail("invalid convolution pooling");
    return info.Env().Undefined();
  }
  const float* x = in.f32(0, inputSize(g));
  const float* w = in.f32(1, weightSize(g));
  const float* bias = in.f32(2, g.cOut, true);
  int64_t outSize = g.n * g.cOut * (g.outH / ep.pool) * (g.outW / ep.pool);
  float* out = in.f32(3, outSize);
  Arr idx = in.array(4, napi_int32_array, true);
  if (in.ok() && idx.data) {
    if (!ep.relu || ep.pool < 2) {
      in.fail("pooling indices need relu and pool > 1");
    } else if (in.inside(idx, 0, outSize, "argument 4")) {
      ep.indices = static_cast<int32_t*>(idx.data);
    }
  }
  if (in.ok()) kernels().conv2d(x, w, bias, out, g, ep);
  return info.Env().Undefined();
}

// (gOut, w, gx)
Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  Args in(info, "conv2dBackwardInput");
  ConvGeometry g;
  if (!geometry(in, g)) return info.Env().Undefined();
  const float* gOut = in.f32(0, outputSize(g));
  const float* w = in.f32(1, weightSize(g));
  float* gx = in.f32(2, inputSize(g));
  if (in.ok()) kernels().conv2dBackwardInput(gOut, w, gx, g);
  return info.Env().Undefined();
}

// (gOut, x, gw)
Napi::Value Conv2dBackwardWeight(const Napi::CallbackInfo& info) {
  Args in(info, "conv2dBackwardWeight");
  ConvGeometry g;
  if (!geometry(in, g)) return info.Env().Undefined();
  const float* gOut = in.f32(0, outputSize(g));
  const float* x = in.f32(1, inputSize(g));
  float* gw = in.f32(2, weightSize(g));
  if (in.ok()) kernels().conv2dBackwardWeight(gOut, x, gw, g);
  return info.Env().Undefined();
}

}  // namespace

void registerLinalg(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d, "conv2d"));
  exports.Set("conv2dBackwardInput", Napi::Function::New(env, Conv2dBackwardInput, "conv2dBackwardInput"));
  exports.Set("conv2dBackwardWeight", Napi::Function::New(env, Conv2dBackwardWeight, "conv2dBackwardWeight"));
}

}  // namespace lathe
