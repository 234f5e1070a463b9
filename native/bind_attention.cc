// Bindings of the fused attention kernels. Parameter block (mirrored in
// src/backend/native/backend.ts): [batch, heads, L, S, E, Ev, scale, causal, past], then
// from index 9 one 5-number view per operand: [offset, batch stride, head stride,
// row stride, 1] in the order of the array arguments (the last stride must be 1).
#include "args.h"
#include "bind.h"
#include "cpu.h"

namespace lathe {
namespace {

constexpr int kViews = 9;

// The geometry and scalars of the parameter block, into a (whose operands are filled after).
bool readGeometry(Args& in, AttentionArgs& a) {
  a.batch = in.integer(0);
  a.heads = in.integer(1);
  a.L = in.integer(2);
  a.S = in.integer(3);
  a.E = in.integer(4);
  a.Ev = in.integer(5);
  a.scale = static_cast<float>(in.number(6));
  a.causal = in.flag(7);
  a.past = in.integer(8);
  if (in.ok() && a.L > 0 && a.S == 0) return in.fail("needs at least one key");
  return in.ok();
}

// Argument i as an operand of [batch, heads, len, dim], read from view slot `slot`.
bool operand(Args& in, size_t i, int slot, int64_t len, int64_t dim, const AttentionArgs& g, AttnView& out) {
  Arr arr = in.array(i, napi_float32_array);
  if (!in.ok()) return false;
  const int64_t shape[4] = {g.batch, g.heads, len, dim};
  View v;
  if (!in.view(kViews + 5 * slot, arr, shape, 4, v)) return false;
  if (v.strides[3] != 1 && dim > 1) return in.fail("operands need unit stride on the last dim");
  out.data = static_cast<float*>(arr.data) + v.offset;
  out.sb = v.strides[0];
  out.sh = v.strides[1];
  out.sl = v.strides[2];
  return true;
}

// (q, k, v, out, lse)
Napi::Value Attention(const Napi::CallbackInfo& info) {
  Args in(info, "attention");
  AttentionArgs a{};
  if (!readGeometry(in, a)) return info.Env().Undefined();
  bool ok = operand(in, 0, 0, a.L, a.E, a, a.q) && operand(in, 1, 1, a.S, a.E, a, a.k) &&
            operand(in, 2, 2, a.S, a.Ev, a, a.v) && operand(in, 3, 3, a.L, a.Ev, a, a.o);
  if (ok) a.lse = in.f32(4, a.batch * a.heads * a.L);
  if (ok && in.ok()) kernels().attention(a);
  return info.Env().Undefined();
}

// (q, k, v, out, gOut, lse, gq, gk, gv)
Napi::Value AttentionBackward(const Napi::CallbackInfo& info) {
  Args in(info, "attentionBackward");
  AttentionArgs a{};
  if (!readGeometry(in, a)) return info.Env().Undefined();
  bool ok = operand(in, 0, 0, a.L, a.E, a, a.q) && operand(in, 1, 1, a.S, a.E, a, a.k) &&
            operand(in, 2, 2, a.S, a.Ev, a, a.v) && operand(in, 3, 3, a.L, a.Ev, a, a.o) &&
            operand(in, 4, 4, a.L, a.Ev, a, a.gO);
  if (ok) a.lse = in.f32(5, a.batch * a.heads * a.L);
  ok = ok && in.ok() && operand(in, 6, 5, a.L, a.E, a, a.gq) && operand(in, 7, 6, a.S, a.E, a, a.gk) &&
       operand(in, 8, 7, a.S, a.Ev, a, a.gv);
  if (ok) kernels().attentionBackward(a);
  return info.Env().Undefined();
}

}  // namespace

void registerAttention(Napi::Env env, Napi::Object exports) {
  exports.Set("attention", Napi::Function::New(env, Attention, "attention"));
  exports.Set("attentionBackward", Napi::Function::New(env, AttentionBackward, "attentionBackward"));
}

}  // namespace lathe
