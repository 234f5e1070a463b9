// Bindings of the elementwise kernels, copy and reduce. Parameter block layouts are
// mirrored in src/backend/native/backend.ts.
#include "args.h"
#include "bind.h"
#include "cpu.h"

namespace lathe {
namespace {

// [op, xOffset, n, p0, p1]; (x, out)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args in(info, "unary");
  int op = static_cast<int>(in.integer(0, 0, U_COUNT - 1));
  int64_t off = in.integer(1), n = in.integer(2);
  Arr x = in.array(0, napi_float32_array);
  in.inside(x, off, off + n, "x");
  float* out = in.f32(1, n);
  if (in.ok()) kernels().unary(op, static_cast<const float*>(x.data) + off, out, n, in.number(3), in.number(4));
  return info.Env().Undefined();
}

// [op, n, p0, p1]; (x, y, g, out)
Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  Args in(info, "unaryBackward");
  int op = static_cast<int>(in.integer(0, 0, U_COUNT - 1));
  int64_t n = in.integer(1);
  const float* x = in.f32(0, n);
  const float* y = in.f32(1, n);
  const float* g = in.f32(2, n);
  float* out = in.f32(3, n);
  if (in.ok()) kernels().unaryBackward(op, x, y, g, out, n, in.number(2), in.number(3));
  return info.Env().Undefined();
}

// Reads [nd, shape...] at parameter j; returns the parameter index after it.
int shapeAt(Args& in, int j, int64_t* shape, int& nd, int64_t& total) {
  nd = static_cast<int>(in.integer(j, 0, kMaxDims));
  total = 1;
  for (int d = 0; d < nd; d++) total *= (shape[d] = in.integer(j + 1 + d));
  return j + 1 + nd;
}

// [op, nd, shape..., aOffset, aStrides..., bOffset, bStrides..., hasOutView, (outOffset, outStrides...)]; (a, b, out)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args in(info, "binary");
  int op = static_cast<int>(in.integer(0, 0, B_COUNT - 1));
  int64_t shape[kMaxDims];
  int nd;
  int64_t total;
  int j = shapeAt(in, 1, shape, nd, total);
  View a, b;
  in.view(j, in.array(0, napi_float32_array), shape, nd, a);
  in.view(j + 1 + nd, in.array(1, napi_float32_array), shape, nd, b);
  Arr out = in.anyArray(2);
  if (in.ok() && !(out.type == napi_float32_array || (out.type == napi_uint8_array && op >= B_EQ))) {
    in.failType("out must be a Float32Array (or a Uint8Array for comparisons)");
  }
  // Then 0 (out contiguous from element 0) or 1 and [outOffset, outStrides...].
  View o;
  int k = j + 2 + 2 * nd;
  if (in.integer(k, 0, 1) == 1) {
    in.view(k + 1, out, shape, nd, o);
  } else {
    o.data = out.data;
    o.offset = 0;
    for (int64_t d = nd - 1, s = 1; d >= 0; d--) {
      o.strides[d] = s;
      s *= shape[d];
    }
    in.inside(out, 0, total, "out");
  }
  if (in.ok()) kernels().binary(op, a, b, shape, nd, o, out.elemSize);
  return info.Env().Undefined();
}

// [nd, shape..., condOffset, condStrides..., aOffset, aStrides..., bOffset, bStrides...]; (cond, a, b, out)
Napi::Value Where(const Napi::CallbackInfo& info) {
  Args in(info, "where");
  int64_t shape[kMaxDims];
  int nd;
  int64_t total;
  int j = shapeAt(in, 0, shape, nd, total);
  Arr out = in.anyArray(3);
  View cond, a, b;
  in.view(j, in.array(0, napi_uint8_array), shape, nd, cond);
  in.view(j + 1 + nd, in.array(1, out.type), shape, nd, a);
  in.view(j + 2 + 2 * nd, in.array(2, out.type), shape, nd, b);
  in.inside(out, 0, total, "out");
  if (in.ok()) kernels().where(cond, a, b, shape, nd, out.data, out.elemSize);
  return info.Env().Undefined();
}

// [nd, shape..., srcOffset, srcStrides..., dstOffset, dstStrides...]; (src, dst)
Napi::Value Copy(const Napi::CallbackInfo& info) {
  Args in(info, "copy");
  int64_t shape[kMaxDims];
  int nd;
  int64_t total;
  int j = shapeAt(in, 0, shape, nd, total);
  Arr dst = in.anyArray(1);
  View s, d;
  in.view(j, in.array(0, dst.type), shape, nd, s);
  in.view(j + 1 + nd, dst, shape, nd, d);
  if (in.ok()) kernels().copy(s, d, shape, nd, dst.elemSize);
  return info.Env().Undefined();
}

// [op, xOffset, outer, n, inner]; (x, out)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Args in(info, "reduce");
  int op = static_cast<int>(in.integer(0, 0, R_COUNT - 1));
  int64_t off = in.integer(1), outer = in.integer(2), n = in.integer(3), inner = in.integer(4);
  Arr x = in.array(0, napi_float32_array);
  in.inside(x, off, off + outer * n * inner, "x");
  bool arg = op == R_ARGMAX || op == R_ARGMIN;
  Arr out = in.array(1, arg ? napi_int32_array : napi_float32_array);
  in.inside(out, 0, outer * inner, "out");
  if (in.ok()) kernels().reduce(op, static_cast<const float*>(x.data) + off, outer, n, inner, out.data);
  return info.Env().Undefined();
}

}  // namespace

void registerElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("unaryBackward", Napi::Function::New(env, UnaryBackward, "unaryBackward"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("where", Napi::Function::New(env, Where, "where"));
  exports.Set("copy", Napi::Function::New(env, Copy, "copy"));
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
}

}  // namespace lathe
