// The addon's entry point: registers the kernel bindings and the introspection functions
// (ISA level, threads, FMA peak) used by src/backend/native.
#include <napi.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "args.h"
#include "bind.h"
#include "cpu.h"
#include "memory.h"
#include "threadpool.h"

namespace lathe {
namespace {

// init(params: Float64Array of kParams): registers this JS thread's parameter block. The
// reference keeps it alive with the environment; being off the V8 heap, it never moves.
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_typedarray_type type;
  size_t length;
  void* data;
  if (info.Length() < 1 || napi_get_typedarray_info(env, info[0], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array || length < static_cast<size_t>(kParams)) {
    Napi::TypeError::New(env, "lathe native init: expected a Float64Array of " + std::to_string(kParams) + " values")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  napi_ref ref;
  napi_create_reference(env, info[0], 1, &ref);
  gParams = static_cast<double*>(data);
  return env.Undefined();
}

Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), kernels().isa); }

Napi::Value BestIsa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), bestIsa()); }

// setIsa(name): lowers (or restores) the ISA level; false when this CPU lacks it.
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  std::string name = info[0].ToString().Utf8Value();
  return Napi::Boolean::New(info.Env(), setIsa(name.c_str()));
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), numThreads()); }

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int n = info[0].ToNumber().Int32Value();
  return Napi::Number::New(info.Env(), setNumThreads(n < 1 ? 1 : n > 1024 ? 1024 : n));
}

// peakGflops(seconds, threads): FMA GFLOP/s of the active ISA level, summed over `threads`
// threads running the register-only loop at the same time.
Napi::Value PeakGflops(const Napi::CallbackInfo& info) {
  double seconds = info[0].ToNumber().DoubleValue();
  int threads = info[1].ToNumber().Int32Value();
  const Kernels& k = kernels();
  if (threads <= 1) return Napi::Number::New(info.Env(), k.peakGflops(seconds));
  int previous = numThreads();
  setNumThreads(threads);
  std::vector<double> result(threads, 0.0);
  std::atomic<int> started{0};
  struct Ctx {
    const Kernels* k;
    double seconds;
    int threads;
    std::atomic<int>* started;
    double* result;
  } ctx{&k, seconds, threads, &started, result.data()};
  parallelFor(threads, [](void* p, int64_t t) {
    Ctx& c = *static_cast<Ctx*>(p);
    // Start together, so the loops overlap (give up waiting after a second: the pool may
    // be running fewer threads than asked).
    c.started->fetch_add(1);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (c.started->load() < c.threads && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    c.result[t] = c.k->peakGflops(c.seconds);
  }, &ctx);
  setNumThreads(previous);
  double sum = 0;
  for (double r : result) sum += r;
  return Napi::Number::New(info.Env(), sum);
}

Napi::Object Register(Napi::Env env, Napi::Object exports) {
  tuneMalloc();
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("paramCount", Napi::Number::New(env, kParams));
  exports.Set("isa", Napi::Function::New(env, Isa, "isa"));
  exports.Set("bestIsa", Napi::Function::New(env, BestIsa, "bestIsa"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("numThreads", Napi::Function::New(env, NumThreads, "numThreads"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("peakGflops", Napi::Function::New(env, PeakGflops, "peakGflops"));
  registerLinalg(env, exports);
  registerElementwise(env, exports);
  registerNN(env, exports);
  registerAttention(env, exports);
  return exports;
}

}  // namespace
}  // namespace lathe

static Napi::Object RegisterLathe(Napi::Env env, Napi::Object exports) { return lathe::Register(env, exports); }

NODE_API_MODULE(lathe, RegisterLathe)
