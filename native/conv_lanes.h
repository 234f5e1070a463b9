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

// The weight gradient with output channels in the lanes (one vector of them), for outputs
// narrow against their padded rows: only the outH × outW valid positions are summed, where
// the wide grid would sum wp − outW dropped columns too (LeNet's second layer: 10 of 14).
// A block of RK kernel rows × KW kernel columns of one input channel (RK·KW accumulators
// of channel vectors) runs over the positions: per position one gradient vector (the
// channels at it, gt) and RK·KW broadcasts of the input, s[r][j] += x[rows[r] + oy·wp +
// ox + j] · gt[oy·outW + ox], each sum in position order.
constexpr int kLaneWeightAccumulators = kLanes == 16 ? 25 : 12;
constexpr int kLaneWeightMaxKw = 5;

template <int RK, int KW>
void laneWeightBlock(const float* const* rows, int64_t wp, int64_t outH, int64_t outW, const Vec* gt, Vec* acc) {
  Vec s[RK][KW];
#pragma GCC unroll 32
  for (int r = 0; r < RK; r++) {
#pragma GCC unroll 8
    for (int j = 0; j < KW; j++) s[r][j] = acc[r * KW + j];
  }
  for (int64_t oy = 0; oy < outH; oy++) {
    const float* xr[RK];
#pragma GCC unroll 32
    for (int r = 0; r < RK; r++) xr[r] = rows[r] + oy * wp;
    const Vec* gr = gt + oy * outW;
    for (int64_t ox = 0; ox < outW; ox++) {
      Vec gv = gr[ox];
#pragma GCC unroll 32
      for (int r = 0; r < RK; r++) {
#pragma GCC unroll 8
        for (int j = 0; j < KW; j++) s[r][j] += xr[r][ox + j] * gv;
      }
    }
  }
#pragma GCC unroll 32
  for (int r = 0; r < RK; r++) {
#pragma GCC unroll 8
    for (int j = 0; j < KW; j++) acc[r * KW + j] = s[r][j];
  }
}

// Blocks of `n` <= RK kernel rows.
template <int RK, int KW>
void laneWeightRows(int64_t n, const float* const* rows, int64_t wp, int64_t outH, int64_t outW, const Vec* gt,
                    Vec* acc) {
  if constexpr (RK > 1) {
    if (n < RK) return laneWeightRows<RK - 1, KW>(n, rows, wp, outH, outW, gt, acc);
  }
  laneWeightBlock<RK, KW>(rows, wp, outH, outW, gt, acc);
}

// All kh kernel rows (row r at rows[r]) of one input channel, in blocks; acc[ki·KW + kj].
template <int KW>
void laneWeightChannel(int64_t kh, const float* const* rows, int64_t wp, int64_t outH, int64_t outW, const Vec* gt,
                       Vec* acc) {
  constexpr int RK = kLaneWeightAccumulators / KW;
  for (int64_t k0 = 0; k0 < kh; k0 += RK) {
    laneWeightRows<RK, KW>(kh - k0, rows + k0, wp, outH, outW, gt, acc + k0 * KW);
  }
}

using LaneWeightFn = void (*)(int64_t, const float* const*, int64_t, int64_t, int64_t, const Vec*, Vec*);
constexpr LaneWeightFn kLaneWeight[kLaneWeightMaxKw] = {laneWeightChannel<1>, laneWeightChannel<2>,
                                                        laneWeightChannel<3>, laneWeightChannel<4>,
                                                        laneWeightChannel<5>};
#endif

}  // namespace
}  // namespace LATHE_ISA
}  // namespace lathe
