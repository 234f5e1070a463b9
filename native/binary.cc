// Broadcasting binary ops, where() and strided copies. Broadcast views arrive with
// stride 0 on stretched dims; each run of the walk picks a loop for its stride pattern
// (both contiguous, one side a scalar, general), so the common cases vectorise.
#include <math.h>

#include <algorithm>

#include "ops.h"
#include "strided.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

inline bool truthy(float x) { return x == x && x != 0.f; }

// Python-style remainder (sign of the divisor) in double, as the js kernel computes it.
// Not contracted into an FMA: the js kernel rounds the product before subtracting.
__attribute__((optimize("fp-contract=off"))) float remainder(float x, float y) {
  double xd = x, yd = y;
  return static_cast<float>(xd - ::floor(xd / yd) * yd);
}

template <class T, class F>
void row(const float* a, int64_t sa, const float* b, int64_t sb, T* out, int64_t so, int64_t n, F f) {
  if (so != 1) {
    // A strided output window (a gradient's piece of a split, say).
    for (int64_t i = 0; i < n; i++) out[i * so] = static_cast<T>(f(a[i * sa], b[i * sb]));
  } else if (sa == 1 && sb == 1) {
    // ivdep: out may be the very same array as a or b (in-place gradient accumulation).
#pragma GCC ivdep
    for (int64_t i = 0; i < n; i++) out[i] = static_cast<T>(f(a[i], b[i]));
  } else if (sa == 1 && sb == 0) {
    float bv = *b;
#pragma GCC ivdep
    for (int64_t i = 0; i < n; i++) out[i] = static_cast<T>(f(a[i], bv));
  } else if (sa == 0 && sb == 1) {
    float av = *a;
#pragma GCC ivdep
    for (int64_t i = 0; i < n; i++) out[i] = static_cast<T>(f(av, b[i]));
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = static_cast<T>(f(a[i * sa], b[i * sb]));
  }
}

// out is a view too (contiguous strides for a plain output), so runs merge across the dims
// that are contiguous in all three.
template <class T, class F>
void walk(const View& a, const View& b, const int64_t* shape, int nd, const View& out, F f) {
  const View* views[3] = {&a, &b, &out};
  const float* ad = static_cast<const float*>(a.data);
  const float* bd = static_cast<const float*>(b.data);
  T* od = static_cast<T*>(out.data);
  parallelRange(numel(shape, nd), kParallelElems, [&](int64_t begin, int64_t end) {
    forEachRow(shape, nd, views, begin, end, [&](const int64_t* off, int64_t, int64_t n, const int64_t* step) {
      row(ad + off[0], step[0], bd + off[1], step[1], od + off[2], step[2], n, f);
    });
  });
}

template <class T>
void comparison(int op, const View& a, const View& b, const int64_t* shape, int nd, const View& out) {
  switch (op) {
    case B_EQ: walk<T>(a, b, shape, nd, out, [](float x, float y) { return x == y; }); break;
    case B_NE: walk<T>(a, b, shape, nd, out, [](float x, float y) { return x != y; }); break;
    case B_LT: walk<T>(a, b, shape, nd, out, [](float x, float y) { return x < y; }); break;
    case B_LE: walk<T>(a, b, shape, nd, out, [](float x, float y) { return x <= y; }); break;
    case B_GT: walk<T>(a, b, shape, nd, out, [](float x, float y) { return x > y; }); break;
    case B_GE: walk<T>(a, b, shape, nd, out, [](float x, float y) { return x >= y; }); break;
    case B_LOGICAL_AND: walk<T>(a, b, shape, nd, out, [](float x, float y) { return truthy(x) && truthy(y); }); break;
    case B_LOGICAL_OR: walk<T>(a, b, shape, nd, out, [](float x, float y) { return truthy(x) || truthy(y); }); break;
    case B_LOGICAL_XOR: walk<T>(a, b, shape, nd, out, [](float x, float y) { return truthy(x) != truthy(y); }); break;
  }
}

void arithmetic(int op, const View& a, const View& b, const int64_t* shape, int nd, const View& out) {
  switch (op) {
    // Single float ops round exactly as the js kernels' double op rounded to float.
    case B_ADD: walk<float>(a, b, shape, nd, out, [](float x, float y) { return x + y; }); break;
    case B_SUB: walk<float>(a, b, shape, nd, out, [](float x, float y) { return x - y; }); break;
    case B_MUL: walk<float>(a, b, shape, nd, out, [](float x, float y) { return x * y; }); break;
    case B_DIV: walk<float>(a, b, shape, nd, out, [](float x, float y) { return x / y; }); break;
    case B_POW: walk<float>(a, b, shape, nd, out, [](float x, float y) { return static_cast<float>(::pow(x, y)); }); break;
    // maximum/minimum propagate NaN, as PyTorch.
    case B_MAXIMUM: walk<float>(a, b, shape, nd, out, [](float x, float y) { return x > y || x != x ? x : y; }); break;
    case B_MINIMUM: walk<float>(a, b, shape, nd, out, [](float x, float y) { return x < y || x != x ? x : y; }); break;
    case B_REMAINDER: walk<float>(a, b, shape, nd, out, [](float x, float y) { return remainder(x, y); }); break;
    case B_ATAN2: walk<float>(a, b, shape, nd, out, [](float x, float y) { return static_cast<float>(::atan2(x, y)); }); break;
    default: comparison<float>(op, a, b, shape, nd, out); break;
  }
}

template <class T>
void whereT(const View& cond, const View& a, const View& b, const int64_t* shape, int nd, T* out) {
  const View* views[3] = {&cond, &a, &b};
  const uint8_t* cd = static_cast<const uint8_t*>(cond.data);
  const T* ad = static_cast<const T*>(a.data);
  const T* bd = static_cast<const T*>(b.data);
  parallelRange(numel(shape, nd), kParallelElems, [&](int64_t begin, int64_t end) {
    forEachRow(shape, nd, views, begin, end, [&](const int64_t* off, int64_t o, int64_t n, const int64_t* s) {
      const uint8_t* c = cd + off[0];
      const T* x = ad + off[1];
      const T* y = bd + off[2];
      T* r = out + o;
      // The masks of attention: a contiguous side against a scalar fill.
      if (s[0] == 1 && s[1] == 1 && s[2] == 1) {
#pragma GCC ivdep
        for (int64_t i = 0; i < n; i++) r[i] = c[i] ? x[i] : y[i];
      } else if (s[0] == 1 && s[1] == 1 && s[2] == 0) {
        T yv = *y;
#pragma GCC ivdep
        for (int64_t i = 0; i < n; i++) r[i] = c[i] ? x[i] : yv;
      } else if (s[0] == 1 && s[1] == 0 && s[2] == 1) {
        T xv = *x;
#pragma GCC ivdep
        for (int64_t i = 0; i < n; i++) r[i] = c[i] ? xv : y[i];
      } else {
        for (int64_t i = 0; i < n; i++) r[i] = c[i * s[0]] ? x[i * s[1]] : y[i * s[2]];
      }
    });
  });
}

// Side of the square tiles a transposing copy moves through L1.
constexpr int64_t kTile = 16;

// A copy in which dim a is contiguous in src and dim b (another) in dst: a row-by-row walk
// would read or write one element per cache line, so the (a, b) planes are copied in
// kTile × kTile tiles, reading src along a and writing dst along b. Tasks are strips of
// kTile indices of a over a whole plane.
template <class T>
void transposeCopy(const View& src, const View& dst, const int64_t* shape, int nd, int a, int b) {
  const T* sd = static_cast<const T*>(src.data);
  T* dd = static_cast<T*>(dst.data);
  int64_t na = shape[a], nb = shape[b], ss = src.strides[b], ds = dst.strides[a];
  int64_t strips = (na + kTile - 1) / kTile;
  parallelRange(numel(shape, nd) / na / nb * strips, imax(1, kParallelElems / (kTile * nb)), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      // Unravel the plane index over the dims other than a and b.
      int64_t plane = t / strips, i0 = (t % strips) * kTile;
      const T* s = sd + src.offset;
      T* d = dd + dst.offset;
      for (int dim = nd - 1; dim >= 0; dim--) {
        if (dim == a || dim == b) continue;
        int64_t idx = plane % shape[dim];
        plane /= shape[dim];
        s += idx * src.strides[dim];
        d += idx * dst.strides[dim];
      }
      int64_t i1 = imin(i0 + kTile, na);
      for (int64_t j0 = 0; j0 < nb; j0 += kTile) {
        int64_t j1 = imin(j0 + kTile, nb);
        for (int64_t i = i0; i < i1; i++) {
          for (int64_t j = j0; j < j1; j++) d[i * ds + j] = s[i + j * ss];
        }
      }
    }
  });
}

template <class T>
void copyT(const View& src, const View& dst, const int64_t* shape, int nd) {
  // A transposition: the dims that are contiguous in src and in dst differ, and both are
  // long enough for tiles to pay.
  int a = -1, b = -1;
  for (int d = 0; d < nd; d++) {
    if (shape[d] < 8) continue;
    if (src.strides[d] == 1 && a < 0) a = d;
    if (dst.strides[d] == 1 && b < 0) b = d;
  }
  if (a >= 0 && b >= 0 && a != b && (nd == 0 || dst.strides[nd - 1] != 1 || src.strides[nd - 1] != 1)) {
    transposeCopy<T>(src, dst, shape, nd, a, b);
    return;
  }
  const View* views[2] = {&src, &dst};
  const T* sd = static_cast<const T*>(src.data);
  T* dd = static_cast<T*>(dst.data);
  parallelRange(numel(shape, nd), kParallelElems, [&](int64_t begin, int64_t end) {
    forEachRow(shape, nd, views, begin, end, [&](const int64_t* off, int64_t, int64_t n, const int64_t* s) {
      const T* x = sd + off[0];
      T* y = dd + off[1];
      if (s[0] == 1 && s[1] == 1) {
        std::memmove(y, x, static_cast<size_t>(n) * sizeof(T));
      } else if (s[0] == 0 && s[1] == 1) {
        std::fill(y, y + n, *x);  // a fill from a broadcast scalar (a gradient's zeroed margins)
      } else {
        for (int64_t i = 0; i < n; i++) y[i * s[1]] = x[i * s[0]];
      }
    });
  });
}

}  // namespace

void binary(int op, const View& a, const View& b, const int64_t* shape, int nd, const View& out, int outElemSize) {
  if (outElemSize == 1) {
    comparison<uint8_t>(op, a, b, shape, nd, out);
  } else {
    arithmetic(op, a, b, shape, nd, out);
  }
}

void where(const View& cond, const View& a, const View& b, const int64_t* shape, int nd, void* out, int elemSize) {
  if (elemSize == 1) {
    whereT(cond, a, b, shape, nd, static_cast<uint8_t*>(out));
  } else {
    whereT(cond, a, b, shape, nd, static_cast<uint32_t*>(out));
  }
}

void copy(const View& src, const View& dst, const int64_t* shape, int nd, int elemSize) {
  if (elemSize == 1) {
    copyT<uint8_t>(src, dst, shape, nd);
  } else {
    copyT<uint32_t>(src, dst, shape, nd);
  }
}

}  // namespace LATHE_ISA
}  // namespace lathe
