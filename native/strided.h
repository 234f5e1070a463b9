// Walking strided views in row-major order, as the js kernels' forEachRow: trailing dims
// that are contiguous in every view merge into one long row, and the outer dims advance
// an index counter instead of recomputing offsets per element.
#pragma once
#include "isa.h"

namespace lathe {
namespace LATHE_ISA {

// Calls row(offsets, outIndex, n, strides) for each run of up to n elements that lies in
// the row-major positions [begin, end): offsets[v] is view v's element offset at the
// run's start, strides[v] its step within the run, outIndex the run's first position.
template <int V, class Row>
void forEachRow(const int64_t* shape, int nd, const View* const (&views)[V], int64_t begin, int64_t end, Row&& row) {
  if (begin >= end) return;
  int64_t base[V], step[V], off[V];
  for (int v = 0; v < V; v++) step[v] = nd ? views[v]->strides[nd - 1] : 0;
  int64_t run = nd ? shape[nd - 1] : 1;
  int first = nd ? nd - 1 : 0;
  for (; first > 0; first--) {
    bool merge = true;
    for (int v = 0; v < V; v++) merge = merge && views[v]->strides[first - 1] == views[v]->strides[first] * shape[first];
    if (!merge) break;
    run *= shape[first - 1];
  }
  // Unravel `begin` into the outer index counter and a position within its run.
  int64_t idx[kMaxDims] = {};
  int64_t rest = begin / run, within = begin % run;
  for (int v = 0; v < V; v++) base[v] = views[v]->offset;
  for (int d = first - 1; d >= 0; d--) {
    idx[d] = rest % shape[d];
    rest /= shape[d];
    for (int v = 0; v < V; v++) base[v] += idx[d] * views[v]->strides[d];
  }
  for (int64_t o = begin; o < end;) {
    int64_t n = imin(run - within, end - o);
    for (int v = 0; v < V; v++) off[v] = base[v] + within * step[v];
    row(off, o, n, step);
    o += n;
    within = 0;
    for (int d = first - 1; d >= 0; d--) {
      idx[d]++;
      for (int v = 0; v < V; v++) base[v] += views[v]->strides[d];
      if (idx[d] < shape[d]) break;
      for (int v = 0; v < V; v++) base[v] -= views[v]->strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

// The number of elements of `shape`.
inline int64_t numel(const int64_t* shape, int nd) {
  int64_t total = 1;
  for (int d = 0; d < nd; d++) total *= shape[d];
  return total;
}

}  // namespace LATHE_ISA
}  // namespace lathe
