// Register blocks of the forward convolution with output channels in the vector lanes
// (AVX2 and up; conv.cc's convLanes drives them).
#pragma once
#include "conv_simd.h"

namespace lathe {
namespace LATHE_ISA {
namespace {

#if defined(__AVX512F__) || defined(__AVX2__)
// The forward pass with output channels in the vector lanes, for layers whose outputs are
// too narrow for the wide grid: LeNet's second layer computes 10 of every 14 positions
// there, but fills all 16 lanes with its 16 channels. A block of R rows × C positions
// holds V vectors of channels each; every patch row costs V weight loads and R·C
// broadcasts of the input (folded into the multiply-adds).
constexpr int kLaneVectors = 2;  // channels up to 2·kLanes
constexpr int kLaneAccumulators = kLanes == 16 ? 24 : 12;

// out[r·ldo + c·V + v] = sum_p x[offs[p] + r·wp + c] · wt[p·ldw + v·kLanes + lane].
template <int R, int C, int V>
void laneBlock(int64_t k, const float* wt, int64_t ldw, const float* xp, int64_t wp, const int64_t* offs, Vec* out,
               int64_t ldo) {
  Vec acc[R][C][V];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 16
    for (int c = 0; c < C; c++) {
#pragma GCC unroll 4
      for (int v = 0; v < V; v++) acc[r][c][v] = Vec{};
    }
  }
  for (int64_t p = 0; p < k; p++) {
    const float* xr = xp + offs[p];
    Vec wv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; v++) wv[v] = loadv(wt + p * ldw + v * kLanes);
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      const float* row = xr + r * wp;  // a base register per row, constant offsets along it
#pragma GCC unroll 16
      for (int c = 0; c < C; c++) {
        float xs = row[c];
#pragma GCC unroll 4
        for (int v = 0; v < V; v++) acc[r][c][v] += xs * wv[v];
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
#pragma GCC unroll 16
    for (int c = 0; c < C; c++) {
#pragma GCC unroll 4
      for (int v = 0; v < V; v++) out[r * ldo + c * V + v] = acc[r][c][v];
    }
  }
}

// Blocks of `cols` <= C positions.
template <int R, int C, int V>
void laneCols(int64_t cols, int64_t k, const float* wt, int64_t ldw, const float* xp, int64_t wp, const int64_t* offs,
              Vec* out, int64_t ldo) {
  if constexpr (C > 1) {
    if (cols < C) return laneCols<R, C - 1, V>(cols, k, wt, ldw, xp, wp, offs, out, ldo);
  }
  laneBlock<R, C, V>(k, wt, ldw, xp, wp, offs, out, ldo);
}

// The widest block of R rows and V channel vectors.
template <int R, int V>
constexpr int laneWidth() {
  return kLaneAccumulators / (R * V);
}
template <int R, int V>
void laneRun(int64_t cols, int64_t k, const float* wt, int64_t ldw, const float* xp, int64_t wp, const int64_t* offs,
             Vec* out, int64_t ldo) {
  constexpr int C = laneWidth<R, V>();
  for (int64_t c0 = 0; c0 < cols; c0 += C) {
    laneCols<R, C, V>(cols - c0, k, wt, ldw, xp + c0, wp, offs, out + c0 * V, ldo);
  }
}

using LaneFn = void (*)(int64_t, int64_t, const float*, int64_t, const float*, int64_t, const int64_t*, Vec*, int64_t);
constexpr LaneFn kLaneRuns[2][kLaneVectors] = {{laneRun<1, 1>, laneRun<1, 2>}, {laneRun<2, 1>, laneRun<2, 2>}};
#endif

}  // namespace
}  // namespace LATHE_ISA
}  // namespace lathe
