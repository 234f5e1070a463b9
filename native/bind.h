// Registration of the kernel bindings, one function per group (bind_*.cc).
#pragma once
#include <napi.h>

namespace lathe {

void registerLinalg(Napi::Env env, Napi::Object exports);
void registerElementwise(Napi::Env env, Napi::Object exports);
void registerNN(Napi::Env env, Napi::Object exports);
void registerAttention(Napi::Env env, Napi::Object exports);

}  // namespace lathe
