// Bindings of the neural-network kernels: softmax, layer norm, pooling, indexing and the
// optimizer steps. Parameter block layouts are mirrored in src/backend/native/backend.ts.
#include "args.h"
#include "bind.h"
#include "cpu.h"

namespace lathe {
namespace {

// [rows, cols, log]; (x, out)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args in(info, "softmax");
  int64_t rows = in.integer(0), cols = in.integer(1);
  const float* x = in.f32(0, rows * cols);
  float* out = in.f32(1, rows * cols);
  if (in.ok()) kernels().softmax(x, out, rows, cols, in.flag(2));
  return info.Env().Undefined();
}

// [rows, cols, log]; (y, g, out)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Args in(info, "softmaxBackward");
  int64_t rows = in.integer(0), cols = in.integer(1);
  const float* y = in.f32(0, rows * cols);
  const float* g = in.f32(1, rows * cols);
  float* out = in.f32(2, rows * cols);
  if (in.ok()) kernels().softmaxBackward(y, g, out, rows, cols, in.flag(2));
  return info.Env().Undefined();
}

// [rows, cols, eps]; (x, weight | null, bias | null, out, mean, rstd)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  Args in(info, "layerNorm");
  int64_t rows = in.integer(0), cols = in.integer(1);
  const float* x = in.f32(0, rows * cols);
  const float* w = in.f32(1, cols, true);
  const float* b = in.f32(2, cols, true);
  float* out = in.f32(3, rows * cols);
  float* mean = in.f32(4, rows);
  float* rstd = in.f32(5, rows);
  if (in.ok()) kernels().layerNorm(x, w, b, out, mean, rstd, rows, cols, in.number(2));
  return info.Env().Undefined();
}

// [rows, cols]; (g, x, weight | null, mean, rstd, gx, gw | null, gb | null)
Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  Args in(info, "layerNormBackward");
  int64_t rows = in.integer(0), cols = in.integer(1);
  const float* g = in.f32(0, rows * cols);
  const float* x = in.f32(1, rows * cols);
  const float* w = in.f32(2, cols, true);
  const float* mean = in.f32(3, rows);
  const float* rstd = in.f32(4, rows);
  float* gx = in.f32(5, rows * cols);
  float* gw = in.f32(6, cols, true);
  float* gb = in.f32(7, cols, true);
  if (in.ok()) kernels().layerNormBackward(g, x, w, mean, rstd, gx, gw, gb, rows, cols);
  return info.Env().Undefined();
}

// [planes, h, w, kh, kw, outH, outW, strideH, strideW, padH, padW, dilationH, dilationW, countIncludePad]
bool geometry(Args& in, PoolGeometry& g) {
  int64_t* f[] = {&g.planes, &g.h, &g.w, &g.kh, &g.kw, &g.outH, &g.outW, &g.strideH, &g.strideW,
                  &g.padH, &g.padW, &g.dilationH, &g.dilationW};
  for (int j = 0; j < 13; j++) *f[j] = in.integer(j);
  return in.ok();
}

// (x, out, indices)
Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  Args in(info, "maxPool2d");
  PoolGeometry g;
  if (!geometry(in, g)) return info.Env().Undefined();
  const float* x = in.f32(0, g.planes * g.h * g.w);
  float* out = in.f32(1, g.planes * g.outH * g.outW);
  int32_t* idx = in.i32(2, g.planes * g.outH * g.outW);
  if (in.ok()) kernels().maxPool2d(x, out, idx, g);
  return info.Env().Undefined();
}

// (gOut, indices, gx)
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  Args in(info, "maxPool2dBackward");
  PoolGeometry g;
  if (!geometry(in, g)) return info.Env().Undefined();
  const float* gOut = in.f32(0, g.planes * g.outH * g.outW);
  const int32_t* idx = in.i32(1, g.planes * g.outH * g.outW);
  float* gx = in.f32(2, g.planes * g.h * g.w);
  if (in.ok()) kernels().maxPool2dBackward(gOut, idx, gx, g);
  return info.Env().Undefined();
}

// (x, out)
Napi::Value AvgPool2d(const Napi::CallbackInfo& info) {
  Args in(info, "avgPool2d");
  PoolGeometry g;
  if (!geometry(in, g)) return info.Env().Undefined();
  const float* x = in.f32(0, g.planes * g.h * g.w);
  float* out = in.f32(1, g.planes * g.outH * g.outW);
  if (in.ok()) kernels().avgPool2d(x, out, g, in.flag(13));
  return info.Env().Undefined();
}

// (gOut, gx)
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  Args in(info, "avgPool2dBackward");
  PoolGeometry g;
  if (!geometry(in, g)) return info.Env().Undefined();
  const float* gOut = in.f32(0, g.planes * g.outH * g.outW);
  float* gx = in.f32(1, g.planes * g.h * g.w);
  if (in.ok()) kernels().avgPool2dBackward(gOut, gx, g, in.flag(13));
  return info.Env().Undefined();
}

// [outer, n, inner]; (x, index, out): out is [outer, index.length, inner]
Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  Args in(info, "indexSelect");
  int64_t outer = in.integer(0), n = in.integer(1), inner = in.integer(2);
  Arr x = in.anyArray(0);
  Arr index = in.array(1, napi_int32_array);
  Arr out = in.array(2, x.type);
  int64_t m = index.length;
  in.inside(x, 0, outer * n * inner, "x");
  in.inside(out, 0, outer * m * inner, "out");
  if (in.indices(static_cast<const int32_t*>(index.data), m, n)) {
    kernels().indexSelect(x.data, outer, n, inner, static_cast<const int32_t*>(index.data), m, out.data, x.elemSize);
  }
  return info.Env().Undefined();
}

// [outer, n, inner]; (g, index, gx)
Napi::Value IndexAdd(const Napi::CallbackInfo& info) {
  Args in(info, "indexAdd");
  int64_t outer = in.integer(0), n = in.integer(1), inner = in.integer(2);
  Arr index = in.array(1, napi_int32_array);
  int64_t m = index.length;
  const float* g = in.f32(0, outer * m * inner);
  float* gx = in.f32(2, outer * n * inner);
  if (in.indices(static_cast<const int32_t*>(index.data), m, n)) {
    kernels().indexAdd(g, outer, n, inner, static_cast<const int32_t*>(index.data), m, gx);
  }
  return info.Env().Undefined();
}

// [outer, n, inner, m]; (x, index, out)
Napi::Value Gather(const Napi::CallbackInfo& info) {
  Args in(info, "gather");
  int64_t outer = in.integer(0), n = in.integer(1), inner = in.integer(2), m = in.integer(3);
  Arr x = in.anyArray(0);
  const int32_t* index = in.i32(1, outer * m * inner);
  Arr out = in.array(2, x.type);
  in.inside(x, 0, outer * n * inner, "x");
  in.inside(out, 0, outer * m * inner, "out");
  if (in.indices(index, outer * m * inner, n)) kernels().gather(x.data, outer, n, inner, index, m, out.data, x.elemSize);
  return info.Env().Undefined();
}

// [outer, n, inner, m]; (g, index, gx)
Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  Args in(info, "scatterAdd");
  int64_t outer = in.integer(0), n = in.integer(1), inner = in.integer(2), m = in.integer(3);
  const float* g = in.f32(0, outer * m * inner);
  const int32_t* index = in.i32(1, outer * m * inner);
  float* gx = in.f32(2, outer * n * inner);
  if (in.indices(index, outer * m * inner, n)) kernels().scatterAdd(g, outer, n, inner, index, m, gx);
  return info.Env().Undefined();
}

// [outer, n, inner, m]; (src, index, out)
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  Args in(info, "scatter");
  int64_t outer = in.integer(0), n = in.integer(1), inner = in.integer(2), m = in.integer(3);
  Arr src = in.anyArray(0);
  const int32_t* index = in.i32(1, outer * m * inner);
  Arr out = in.array(2, src.type);
  in.inside(src, 0, outer * m * inner, "src");
  in.inside(out, 0, outer * n * inner, "out");
  if (in.indices(index, outer * m * inner, n)) kernels().scatter(src.data, outer, n, inner, index, m, out.data, src.elemSize);
  return info.Env().Undefined();
}

// [lr, momentum, dampening, weightDecay, nesterov, firstStep]; (p, g, buf | null)
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  Args in(info, "sgdStep");
  Arr p = in.array(0, napi_float32_array);
  SgdArgs a;
  a.n = p.length;
  a.p = static_cast<float*>(p.data);
  a.g = in.f32(1, a.n);
  a.buf = in.f32(2, a.n, true);
  a.lr = in.number(0);
  a.momentum = in.number(1);
  a.dampening = in.number(2);
  a.weightDecay = in.number(3);
  a.nesterov = in.flag(4);
  a.firstStep = in.flag(5);
  if (in.ok()) kernels().sgdStep(a);
  return info.Env().Undefined();
}

// [lr, beta1, beta2, eps, weightDecay, decoupled, step]; (p, g, m, v, vMax | null)
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Args in(info, "adamStep");
  Arr p = in.array(0, napi_float32_array);
  AdamArgs a;
  a.n = p.length;
  a.p = static_cast<float*>(p.data);
  a.g = in.f32(1, a.n);
  a.m = in.f32(2, a.n);
  a.v = in.f32(3, a.n);
  a.vMax = in.f32(4, a.n, true);
  a.lr = in.number(0);
  a.beta1 = in.number(1);
  a.beta2 = in.number(2);
  a.eps = in.number(3);
  a.weightDecay = in.number(4);
  a.decoupled = in.flag(5);
  a.step = in.number(6);
  if (in.ok()) kernels().adamStep(a);
  return info.Env().Undefined();
}

}  // namespace

void registerNN(Napi::Env env, Napi::Object exports) {
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward, "softmaxBackward"));
  exports.Set("layerNorm", Napi::Function::New(env, LayerNorm, "layerNorm"));
  exports.Set("layerNormBackward", Napi::Function::New(env, LayerNormBackward, "layerNormBackward"));
  exports.Set("maxPool2d", Napi::Function::New(env, MaxPool2d, "maxPool2d"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPool2dBackward, "maxPool2dBackward"));
  exports.Set("avgPool2d", Napi::Function::New(env, AvgPool2d, "avgPool2d"));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgPool2dBackward, "avgPool2dBackward"));
  exports.Set("indexSelect", Napi::Function::New(env, IndexSelect, "indexSelect"));
  exports.Set("indexAdd", Napi::Function::New(env, IndexAdd, "indexAdd"));
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
  exports.Set("scatterAdd", Napi::Function::New(env, ScatterAdd, "scatterAdd"));
  exports.Set("scatter", Napi::Function::New(env, Scatter, "scatter"));
  exports.Set("sgdStep", Napi::Function::New(env, SgdStep, "sgdStep"));
  exports.Set("adamStep", Napi::Function::New(env, AdamStep, "adamStep"));
}

}  // namespace lathe
