// Argument handling shared by the N-API bindings. Typed arrays arrive as JS arguments and
// are used in place (their data pointer, already adjusted for the view's byte offset);
// every number arrives through a Float64Array parameter block that the TypeScript side
// fills before each call, which is far cheaper than converting JS numbers one N-API call
// at a time. Each binding checks that everything it will touch lies inside the arrays:
// a wrong call becomes a JS RangeError/TypeError, never a write out of bounds.
#pragma once
#include <napi.h>

#include <cstdint>

#include "kernels.h"

namespace lathe {

// The parameter block registered by init(); kParams doubles long.
constexpr int kParams = 512;
extern thread_local double* gParams;  // per JS thread (worker_threads load the addon again)

struct Arr {
  void* data = nullptr;
  int64_t length = 0;  // in elements
  int elemSize = 0;    // 0 for null
  napi_typedarray_type type = napi_float32_array;
};

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* kernel);

  // Argument i as a typed array of `type`; `nullable` also accepts null (data nullptr).
  Arr array(size_t i, napi_typedarray_type type, bool nullable = false);
  // Argument i as a float32, int32 or uint8 array (kernels generic over element size).
  Arr anyArray(size_t i);

  float* f32(size_t i, int64_t need, bool nullable = false) { return static_cast<float*>(sized(i, napi_float32_array, need, nullable)); }
  int32_t* i32(size_t i, int64_t need) { return static_cast<int32_t*>(sized(i, napi_int32_array, need, false)); }

  // Parameter j of the block as an integer (checked: finite, whole, within [lo, hi]).
  int64_t integer(int j, int64_t lo = 0, int64_t hi = INT64_C(1) << 52);
  double number(int j) { return params_[j]; }
  bool flag(int j) { return params_[j] != 0; }

  // Reads a strided view of `nd` dims from parameters [j, j + 1 + nd): offset, then strides.
  // Checks that every element it reaches lies in `arr`.
  bool view(int j, const Arr& arr, const int64_t* shape, int nd, View& v);
  // Checks that elements [begin, end) lie inside arr.
  bool inside(const Arr& arr, int64_t begin, int64_t end, const char* what);
  // Checks that count indices lie in [0, n).
  bool indices(const int32_t* index, int64_t count, int64_t n);
  // Checks a batch of `batch` blocks of `size` elements at offset + b*stride.
  bool batched(const Arr& arr, int64_t offset, int64_t stride, int64_t batch, int64_t size, const char* what);

  bool ok() const { return ok_; }
  // Throws a RangeError naming the kernel (only the first failure is reported).
  bool fail(const char* message);
  bool failType(const char* message);

  Napi::Env env() const { return info_.Env(); }

 private:
  void* sized(size_t i, napi_typedarray_type type, int64_t need, bool nullable);

  const Napi::CallbackInfo& info_;
  const char* kernel_;
  const double* params_;
  bool ok_ = true;
};

}  // namespace lathe
