#include "args.h"

#include <cmath>
#include <string>

namespace lathe {

thread_local double* gParams = nullptr;

namespace {

// Read instead of the block before init() registered one, so a missing init() gives an
// error rather than a crash.
double gNoParams[kParams] = {};

int elemSize(napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array:
    case napi_int32_array:
    case napi_uint32_array:
      return 4;
    case napi_uint8_array:
    case napi_int8_array:
    case napi_uint8_clamped_array:
      return 1;
    default:
      return 0;
  }
}

const char* typeName(napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return "Float32Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint8_array: return "Uint8Array";
    default: return "a typed array";
  }
}

}  // namespace

Args::Args(const Napi::CallbackInfo& info, const char* kernel)
    : info_(info), kernel_(kernel), params_(gParams ? gParams : gNoParams) {
  if (!gParams) fail("init() must register the parameter block first");
}

bool Args::fail(const char* message) {
  if (ok_) Napi::RangeError::New(env(), std::string("lathe native ") + kernel_ + ": " + message).ThrowAsJavaScriptException();
  ok_ = false;
  return false;
}

bool Args::failType(const char* message) {
  if (ok_) Napi::TypeError::New(env(), std::string("lathe native ") + kernel_ + ": " + message).ThrowAsJavaScriptException();
  ok_ = false;
  return false;
}

Arr Args::array(size_t i, napi_typedarray_type type, bool nullable) {
  Arr a = anyArray(i);
  if (!ok_) return a;
  if (a.elemSize == 0) {
    if (!nullable) failType((std::string("argument ") + std::to_string(i) + " must not be null").c_str());
  } else if (a.type != type) {
    failType((std::string("argument ") + std::to_string(i) + " must be a " + typeName(type)).c_str());
  }
  return a;
}

Arr Args::anyArray(size_t i) {
  Arr a;
  if (!ok_) return a;
  napi_value v = info_[i];
  size_t length;
  bool typed = napi_get_typedarray_info(info_.Env(), v, &a.type, &length, &a.data, nullptr, nullptr) == napi_ok;
  if (!typed) {
    // null stands for an optional array left out (the caller decides whether it may be).
    napi_valuetype vt;
    napi_typeof(info_.Env(), v, &vt);
    if (vt == napi_null || vt == napi_undefined) return a;
  }
  if (!typed || elemSize(a.type) == 0) {
    failType((std::string("argument ") + std::to_string(i) + " must be a Float32Array, Int32Array or Uint8Array").c_str());
    return a;
  }
  a.length = static_cast<int64_t>(length);
  a.elemSize = elemSize(a.type);
  return a;
}

void* Args::sized(size_t i, napi_typedarray_type type, int64_t need, bool nullable) {
  Arr a = array(i, type, nullable);
  if (!ok_ || a.elemSize == 0) return nullptr;
  if (!inside(a, 0, need, ("argument " + std::to_string(i)).c_str())) return nullptr;
  return a.data;
}

int64_t Args::integer(int j, int64_t lo, int64_t hi) {
  double v = params_[j];
  if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi)) || std::floor(v) != v) {
    fail((std::string("parameter ") + std::to_string(j) + " = " + std::to_string(v) + " is out of range").c_str());
    return lo;
  }
  return static_cast<int64_t>(v);
}

bool Args::inside(const Arr& arr, int64_t begin, int64_t end, const char* what) {
  if (!ok_) return false;
  if (begin < 0 || end > arr.length) {
    return fail((std::string(what) + " reaches elements [" + std::to_string(begin) + ", " + std::to_string(end) +
                 ") of an array of length " + std::to_string(arr.length))
                    .c_str());
  }
  return true;
}

bool Args::batched(const Arr& arr, int64_t offset, int64_t stride, int64_t batch, int64_t size, const char* what) {
  if (batch == 0 || size == 0) return ok_;
  int64_t last = offset + (batch - 1) * stride;
  int64_t lo = offset < last ? offset : last, hi = offset < last ? last : offset;
  return inside(arr, lo, hi + size, what);
}

bool Args::view(int j, const Arr& arr, const int64_t* shape, int nd, View& v) {
  v.data = arr.data;
  v.offset = integer(j, -(INT64_C(1) << 52));
  int64_t lo = v.offset, hi = v.offset, total = 1;
  for (int d = 0; d < nd; d++) {
    v.strides[d] = integer(j + 1 + d, -(INT64_C(1) << 52));
    int64_t span = (shape[d] - 1) * v.strides[d];
    if (span < 0) lo += span; else hi += span;
    total *= shape[d];
  }
  if (!ok_ || total == 0) return ok_;
  return inside(arr, lo, hi + 1, "strided view");
}

bool Args::indices(const int32_t* index, int64_t count, int64_t n) {
  if (!ok_) return false;
  for (int64_t i = 0; i < count; i++) {
    if (index[i] < 0 || index[i] >= n) {
      return fail((std::string("index ") + std::to_string(index[i]) + " is out of range for a dimension of size " +
                   std::to_string(n))
                      .c_str());
    }
  }
  return true;
}

}  // namespace lathe
