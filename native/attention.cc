// Fused scaled-dot-product attention (flash-attention style): scores exist one block of
// kBC keys at a time, never as an [L, S] matrix. The forward pass keeps a running max and
// sum per query row (the online softmax) and saves each row's logsumexp; the backward
// pass recomputes the probabilities from it. Key blocks are packed transposed ([dim][kBC],
// zero-padded), so scores come out kBC at a time from register tiles of a few query rows;
// the products with value (and key) rows run over the head dim in registers.
#include <math.h>

#include "mathfun.h"
#include "ops.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

// One SIMD register of floats as a GCC vector (a zmm, ymm or xmm at this unit's ISA
// level): arrays of these stay in registers, which plain float arrays often do not.
#if defined(__AVX512F__)
constexpr int kW = 16;
constexpr int kR = 4;  // query rows per register tile: 4×4 score accumulators of 32 zmm
#elif defined(__AVX2__)
constexpr int kW = 8;
constexpr int kR = 2;  // 2×4 of 16 ymm
#else
constexpr int kW = 4;
constexpr int kR = 2;
#endif
typedef float vec __attribute__((vector_size(kW * 4)));
typedef int32_t ivec __attribute__((vector_size(kW * 4)));
typedef float uvec __attribute__((vector_size(kW * 4), aligned(4), may_alias));
inline vec load(const float* p) { return *reinterpret_cast<const uvec*>(p); }
inline void store(float* p, vec v) { *reinterpret_cast<uvec*>(p) = v; }
inline vec splat(float x) { return vec{} + x; }

inline float maxOf(vec v) {
  float lane[kW];
  __builtin_memcpy(lane, &v, sizeof lane);
  for (int w = kW / 2; w >= 1; w /= 2) {
    for (int j = 0; j < w; j++) lane[j] = lane[j + w] > lane[j] ? lane[j + w] : lane[j];
  }
  return lane[0];
}

inline float sumOf(vec v) {
  float lane[kW];
  __builtin_memcpy(lane, &v, sizeof lane);
  for (int w = kW / 2; w >= 1; w /= 2) {
    for (int j = 0; j < w; j++) lane[j] += lane[j + w];
  }
  return lane[0];
}

// mathfun.h's vexpInRange on a register, for x <= 0 (or NaN, which stays NaN): the
// softmax's exponentials, computed where the scores already are instead of one float at a
// time through memory. Below -104 the result is 0 or the smallest denormal.
inline vec vexpNonPositive(vec x) {
  const vec xc = x < -104.f ? splat(-104.f) : x;
  const vec fx = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  vec r = xc - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  const vec z = r * r;
  vec y = splat(1.9875691500e-4f);
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * z + r + 1.0f;
  const ivec n = __builtin_convertvector(fx, ivec);
  const ivec n1 = n >> 1, n2 = n - n1;
  return y * __builtin_bit_cast(vec, (n1 + 127) << 23) * __builtin_bit_cast(vec, (n2 + 127) << 23);
}

constexpr int kNV = 4;              // registers per block row
constexpr int64_t kBC = kNV * kW;   // keys per block
static_assert(kR <= kW, "a tile's rescaling factors share one register");
constexpr int64_t kBR = 32;         // query rows per forward task
// Below this many multiply-adds a call stays on the calling thread.
constexpr int64_t kParallelMacs = 1 << 18;

inline const float* rowOf(const AttnView& v, int64_t b, int64_t h, int64_t i) {
  return v.data + b * v.sb + h * v.sh + i * v.sl;
}
inline float* mutRowOf(const AttnView& v, int64_t b, int64_t h, int64_t i) {
  return v.data + b * v.sb + h * v.sh + i * v.sl;
}

// Keys query row i may attend to: [0, limit).
inline int64_t keyLimit(const AttentionArgs& a, int64_t i) { return a.causal ? imin(a.S, a.past + i + 1) : a.S; }

// t[e*kBC + c] = rows j0 + c of x (c < n), zero for c >= n.
void packTransposed(const AttnView& x, int64_t b, int64_t h, int64_t j0, int64_t n, int64_t dim, float* t) {
  for (int64_t c = 0; c < n; c++) {
    const float* r = rowOf(x, b, h, j0 + c);
    for (int64_t e = 0; e < dim; e++) t[e * kBC + c] = r[e];
  }
  if (n < kBC) {
    for (int64_t e = 0; e < dim; e++) {
      for (int64_t c = n; c < kBC; c++) t[e * kBC + c] = 0.f;
    }
  }
}

// acc[r][·] = sum_e x_r[e] * t[e*kBC + ·] for R rows x_r at x + r*xs: R query rows
// against a packed block, R×kNV accumulators.
template <int R>
inline void blockDotsInto(const float* x, int64_t xs, const float* t, int64_t dim, vec (&acc)[R][kNV]) {
  for (int r = 0; r < R; r++) {
    for (int j = 0; j < kNV; j++) acc[r][j] = vec{};
  }
  for (int64_t e = 0; e < dim; e++) {
    vec tv[kNV];
#pragma GCC unroll 4
    for (int j = 0; j < kNV; j++) tv[j] = load(t + e * kBC + j * kW);
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
      const float xe = x[r * xs + e];
#pragma GCC unroll 4
      for (int j = 0; j < kNV; j++) acc[r][j] += xe * tv[j];
    }
  }
}

// y_r[e] += sum_{c<m} w[r*kBC + c] * x[c*xs + e] for R rows y_r at y + r*ys, e < n: the
// probabilities times a block of value (or key) rows, R rows × 2 registers at a time.
template <int R>
inline void accumulateRows(const float* w, int64_t m, const float* x, int64_t xs, float* y, int64_t ys, int64_t n) {
  int64_t e0 = 0;
  for (; e0 + 2 * kW <= n; e0 += 2 * kW) {
    vec acc[R][2];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
      acc[r][0] = load(y + r * ys + e0);
      acc[r][1] = load(y + r * ys + e0 + kW);
    }
    for (int64_t c = 0; c < m; c++) {
      const vec x0 = load(x + c * xs + e0), x1 = load(x + c * xs + e0 + kW);
#pragma GCC unroll 4
      for (int r = 0; r < R; r++) {
        const float wr = w[r * kBC + c];
        acc[r][0] += wr * x0;
        acc[r][1] += wr * x1;
      }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
      store(y + r * ys + e0, acc[r][0]);
      store(y + r * ys + e0 + kW, acc[r][1]);
    }
  }
  for (; e0 < n; e0++) {
    for (int r = 0; r < R; r++) {
      float t = y[r * ys + e0];
      for (int64_t c = 0; c < m; c++) t += w[r * kBC + c] * x[c * xs + e0];
      y[r * ys + e0] = t;
    }
  }
}

// y[c*ys + e] = sum_{r<rows} w[r*kBC + c] * x[r*xs + e] for c < m, e < n: the products
// that give a key block's gradients (dsᵀ·q and pᵀ·gO) over all query rows at once, kCT keys
// × two registers of dims accumulating in registers and stored once. w has kBC columns.
constexpr int kCT = 2 * kR;
static_assert(kBC % kCT == 0, "key groups tile a block");
void productT(const float* w, int64_t rows, int64_t m, const float* x, int64_t xs, float* y, int64_t ys, int64_t n) {
  for (int64_t c0 = 0; c0 < m; c0 += kCT) {
    const int cn = static_cast<int>(imin(kCT, m - c0));
    int64_t e0 = 0;
    for (; e0 + 2 * kW <= n; e0 += 2 * kW) {
      vec acc[kCT][2] = {};
      for (int64_t r = 0; r < rows; r++) {
        const vec x0 = load(x + r * xs + e0), x1 = load(x + r * xs + e0 + kW);
        const float* wr = w + r * kBC + c0;
#pragma GCC unroll 8
        for (int c = 0; c < kCT; c++) {
          acc[c][0] += wr[c] * x0;
          acc[c][1] += wr[c] * x1;
        }
      }
      for (int c = 0; c < cn; c++) {
        store(y + (c0 + c) * ys + e0, acc[c][0]);
        store(y + (c0 + c) * ys + e0 + kW, acc[c][1]);
      }
    }
    for (; e0 < n; e0++) {
      for (int c = 0; c < cn; c++) {
        float t = 0.f;
        for (int64_t r = 0; r < rows; r++) t += w[r * kBC + c0 + c] * x[r * xs + e0];
        y[(c0 + c) * ys + e0] = t;
      }
    }
  }
}

// Query rows [i0, i0 + R) of head (b, h) against key block [j0, j0 + n) (packed in kt),
// updating their running max m, sum l and unnormalised output acc (rows of Ev). Scores,
// mask, max, exponentials and sum stay in the R×kNV registers of the product; only the
// probabilities go to s, for the product with the value rows.
template <int R>
void forwardTile(const AttentionArgs& a, int64_t b, int64_t h, int64_t i0, int64_t j0, int64_t n, const float* kt,
                 float* s, float* m, float* l, float* acc) {
  const float scale = a.scale;  // a local: stores to float arrays could otherwise alias it
  const int64_t Ev = a.Ev;
  vec sc[R][kNV];
  blockDotsInto<R>(rowOf(a.q, b, h, i0), a.q.sl, kt, a.E, sc);
  vec lane;  // 0, 1, …, kW - 1
  for (int c = 0; c < kW; c++) lane[c] = static_cast<float>(c);
  // The rows' new running maxima first, so that their rescaling factors come from one
  // vector exp rather than R scalar ones (latency-bound, they were a fifth of the tile).
  int64_t nr[R];
  float mNew[R];
  vec diff = {};
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
    nr[r] = imax(0, imin(n, keyLimit(a, i0 + r) - j0));
    // Keys at or past nr (masked, or beyond the block) get no weight.
    const vec limit = splat(static_cast<float>(nr[r]));
    vec mx = splat(-kInf);
#pragma GCC unroll 4
    for (int j = 0; j < kNV; j++) {
      sc[r][j] = lane + static_cast<float>(j * kW) < limit ? sc[r][j] * scale : splat(-kInf);
      mx = sc[r][j] > mx ? sc[r][j] : mx;  // NaN ignored, as maxLanes
    }
    const float bm = maxOf(mx);
    mNew[r] = m[r] > bm ? m[r] : bm;
    // A row of -inf scores (from -inf inputs) would make mNew - mNew NaN; 0 keeps PyTorch's result.
    if (mNew[r] == -kInf) mNew[r] = 0.f;
    if (nr[r] == 0) mNew[r] = m[r];
    diff[r] = m[r] - mNew[r];
  }
  const vec corr = vexpNonPositive(diff);
  int64_t most = 0;
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
    most = imax(most, nr[r]);
    const vec limit = splat(static_cast<float>(nr[r]));
    vec sum = {};
#pragma GCC unroll 4
    for (int j = 0; j < kNV; j++) {
      const vec p = lane + static_cast<float>(j * kW) < limit ? vexpNonPositive(sc[r][j] - mNew[r]) : vec{};
      store(s + r * kBC + j * kW, p);
      sum += p;
    }
    if (nr[r] == 0) continue;
    // Until a row's first keys (m = -inf) its sum and output are still 0.
    if (m[r] != mNew[r] && m[r] != -kInf) {
      float* ar = acc + r * Ev;
      for (int64_t e = 0; e < Ev; e++) ar[e] *= corr[r];
      l[r] *= corr[r];
    }
    l[r] += sumOf(sum);
    m[r] = mNew[r];
  }
  accumulateRows<R>(s, most, rowOf(a.v, b, h, j0), a.v.sl, acc, Ev, Ev);
}

// Query rows [i0, i1) of head (b, h).
void forwardRows(const AttentionArgs& a, int64_t b, int64_t h, int64_t i0, int64_t i1) {
  const int64_t E = a.E, Ev = a.Ev, rows = i1 - i0;
  float* kt = scratch(0, E * kBC);
  float* st = scratch(1, rows * Ev + 2 * rows + kR * kBC);
  float* acc = st;
  float* m = acc + rows * Ev;
  float* l = m + rows;
  float* s = l + rows;
  for (int64_t r = 0; r < rows; r++) {
    m[r] = -kInf;
    l[r] = 0.f;
  }
  for (int64_t j = 0; j < rows * Ev; j++) acc[j] = 0.f;
  const int64_t blockLimit = keyLimit(a, i1 - 1);
  for (int64_t j0 = 0; j0 < blockLimit; j0 += kBC) {
    const int64_t n = imin(kBC, blockLimit - j0);
    packTransposed(a.k, b, h, j0, n, E, kt);
    int64_t r = 0;
    for (; r + kR <= rows; r += kR) forwardTile<kR>(a, b, h, i0 + r, j0, n, kt, s, m + r, l + r, acc + r * Ev);
    for (; r < rows; r++) forwardTile<1>(a, b, h, i0 + r, j0, n, kt, s, m + r, l + r, acc + r * Ev);
  }
  for (int64_t r = 0; r < rows; r++) {
    float* o = mutRowOf(a.o, b, h, i0 + r);
    const float inv = 1.f / l[r];
    for (int64_t e = 0; e < Ev; e++) o[e] = acc[r * Ev + e] * inv;
    a.lse[(b * a.heads + h) * a.L + i0 + r] = static_cast<float>(m[r] + ::log(static_cast<double>(l[r])));
  }
}

// Query rows [i, i + R) of head (b, h) against key block [j0, j0 + n): recomputes the
// probabilities p from lse, writes them and ds (kBC columns, zero past each row's keys) for
// the block's key and value gradients, and accumulates dq (rows of E).
template <int R>
void backwardTile(const AttentionArgs& a, int64_t b, int64_t h, int64_t i, int64_t j0, int64_t n, const float* kt,
                  const float* vt, const float* lse, const float* D, float* p, float* ds, float* dq) {
  const float scale = a.scale;
  const int64_t E = a.E;
  vec lane;  // 0, 1, …, kW - 1
  for (int c = 0; c < kW; c++) lane[c] = static_cast<float>(c);
  int64_t nr[R];
  int64_t most = 0;
  for (int r = 0; r < R; r++) {
    nr[r] = imax(0, imin(n, keyLimit(a, i + r) - j0));
    most = imax(most, nr[r]);
  }
  // p = exp(scale·q·k - lse) and ds = scale·p·(gO·v - D), in registers, zero past each row's keys.
  vec acc[R][kNV];
  blockDotsInto<R>(rowOf(a.q, b, h, i), a.q.sl, kt, E, acc);
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
    const vec limit = splat(static_cast<float>(nr[r]));
#pragma GCC unroll 4
    for (int j = 0; j < kNV; j++) {
      const vec pv = lane + static_cast<float>(j * kW) < limit ? vexpNonPositive(acc[r][j] * scale - lse[i + r]) : vec{};
      store(p + r * kBC + j * kW, pv);
    }
  }
  blockDotsInto<R>(rowOf(a.gO, b, h, i), a.gO.sl, vt, a.Ev, acc);
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 4
    for (int j = 0; j < kNV; j++) store(ds + r * kBC + j * kW, scale * load(p + r * kBC + j * kW) * (acc[r][j] - D[i + r]));
  }
  accumulateRows<R>(ds, most, rowOf(a.k, b, h, j0), a.k.sl, dq + i * E, E, E);
}

// All of head (b, h): one task owns its gk and gv, so nothing is shared between threads.
void backwardHead(const AttentionArgs& a, int64_t b, int64_t h) {
  const int64_t L = a.L, E = a.E, Ev = a.Ev;
  float* kt = scratch(0, E * kBC);
  float* vt = scratch(1, Ev * kBC);
  float* dq = scratch(2, L * E);
  float* P = scratch(3, L * kBC);
  float* dS = scratch(4, L * kBC);
  float* D = scratch(5, L);
  const float* lse = a.lse + (b * a.heads + h) * L;
  // D_i = gO_i · O_i = sum_j P_ij gP_ij: the softmax backward's row term.
  for (int64_t i = 0; i < L; i++) D[i] = static_cast<float>(dotLanes(rowOf(a.gO, b, h, i), rowOf(a.o, b, h, i), Ev));
  for (int64_t j = 0; j < L * E; j++) dq[j] = 0.f;
  const int64_t blockLimit = L ? keyLimit(a, L - 1) : 0;
  for (int64_t j0 = 0; j0 < blockLimit; j0 += kBC) {
    const int64_t n = imin(kBC, blockLimit - j0);
    packTransposed(a.k, b, h, j0, n, E, kt);
    packTransposed(a.v, b, h, j0, n, Ev, vt);
    // Causal: rows before j0 - past see none of this block.
    const int64_t first = a.causal ? imin(L, imax(0, j0 - a.past)) : 0;
    int64_t i = first;
    for (; i + kR <= L; i += kR) backwardTile<kR>(a, b, h, i, j0, n, kt, vt, lse, D, P + (i - first) * kBC, dS + (i - first) * kBC, dq);
    for (; i < L; i++) backwardTile<1>(a, b, h, i, j0, n, kt, vt, lse, D, P + (i - first) * kBC, dS + (i - first) * kBC, dq);
    // gk = scale·dSᵀ·q and gv = Pᵀ·gO over the rows that see the block (dS holds the scale).
    const int64_t rows = L - first;
    productT(dS, rows, n, rowOf(a.q, b, h, first), a.q.sl, mutRowOf(a.gk, b, h, j0), a.gk.sl, E);
    productT(P, rows, n, rowOf(a.gO, b, h, first), a.gO.sl, mutRowOf(a.gv, b, h, j0), a.gv.sl, Ev);
  }
  // Keys after every query's causal limit get no gradient.
  for (int64_t j = blockLimit; j < a.S; j++) {
    float* gk = mutRowOf(a.gk, b, h, j);
    for (int64_t e = 0; e < E; e++) gk[e] = 0.f;
    float* gv = mutRowOf(a.gv, b, h, j);
    for (int64_t e = 0; e < Ev; e++) gv[e] = 0.f;
  }
  for (int64_t i = 0; i < L; i++) {
    float* gq = mutRowOf(a.gq, b, h, i);
    for (int64_t e = 0; e < E; e++) gq[e] = dq[i * E + e];
  }
}

// Runs f(t) for t < tasks, in parallel when the call does enough multiply-adds.
template <class F>
void run(int64_t tasks, int64_t macs, F&& f) {
  if (macs < kParallelMacs || tasks < 2) {
    for (int64_t t = 0; t < tasks; t++) f(t);
  } else {
    parallel(tasks, f);
  }
}

}  // namespace

void attention(const AttentionArgs& a) {
  const int64_t qBlocks = (a.L + kBR - 1) / kBR;
  const int64_t heads = a.batch * a.heads;
  run(heads * qBlocks, heads * a.L * a.S * (a.E + a.Ev), [&](int64_t t) {
    const int64_t bh = t / qBlocks, i0 = (t % qBlocks) * kBR;
    forwardRows(a, bh / a.heads, bh % a.heads, i0, imin(a.L, i0 + kBR));
  });
}

void attentionBackward(const AttentionArgs& a) {
  run(a.batch * a.heads, a.batch * a.heads * a.L * a.S * (2 * a.E + 2 * a.Ev), [&](int64_t t) {
    backwardHead(a, t / a.heads, t % a.heads);
  });
}

}  // namespace LATHE_ISA
}  // namespace lathe
