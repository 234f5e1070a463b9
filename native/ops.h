// The kernels of one ISA level, as collected into its table by table.cc. Signatures
// match the fields of Kernels in kernels.h.
#pragma once
#include "isa.h"

namespace lathe {
namespace LATHE_ISA {

void gemm(const GemmArgs& g);
void conv2d(const float* x, const float* w, const float* bias, float* out, const ConvGeometry& geo,
            const ConvEpilogue& ep);
void conv2dBackwardInput(const float* gOut, const float* w, float* gx, const ConvGeometry& geo);
void conv2dBackwardWeight(const float* gOut, const float* x, float* gw, const ConvGeometry& geo);

void unary(int op, const float* x, float* out, int64_t n, float p0, float p1);
void unaryBackward(int op, const float* x, const float* y, const float* g, float* out, int64_t n, float p0, float p1);
void binary(int op, const View& a, const View& b, const int64_t* shape, int nd, const View& out, int outElemSize);
void where(const View& cond, const View& a, const View& b, const int64_t* shape, int nd, void* out, int elemSize);
void copy(const View& src, const View& dst, const int64_t* shape, int nd, int elemSize);

void reduce(int op, const float* x, int64_t outer, int64_t n, int64_t inner, void* out);

void softmax(const float* x, float* out, int64_t rows, int64_t cols, bool log);
void softmaxBackward(const float* y, const float* g, float* out, int64_t rows, int64_t cols, bool log);
void layerNorm(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd, int64_t rows,
               int64_t cols, double eps);
void layerNormBackward(const float* g, const float* x, const float* w, const float* mean, const float* rstd, float* gx,
                       float* gw, float* gb, int64_t rows, int64_t cols);

void attention(const AttentionArgs& a);
void attentionBackward(const AttentionArgs& a);

void maxPool2d(const float* x, float* out, int32_t* indices, const PoolGeometry& geo);
void maxPool2dBackward(const float* gOut, const int32_t* indices, float* gx, const PoolGeometry& geo);
void avgPool2d(const float* x, float* out, const PoolGeometry& geo, bool countIncludePad);
void avgPool2dBackward(const float* gOut, float* gx, const PoolGeometry& geo, bool countIncludePad);

void indexSelect(const void* x, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, void* out,
                 int elemSize);
void indexAdd(const float* g, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, float* gx);
void gather(const void* x, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, void* out,
            int elemSize);
void scatterAdd(const float* g, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, float* gx);
void scatter(const void* src, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, void* out,
             int elemSize);

void sgdStep(const SgdArgs& a);
void adamStep(const AdamArgs& a);

double peakGflops(double seconds);

}  // namespace LATHE_ISA
}  // namespace lathe
