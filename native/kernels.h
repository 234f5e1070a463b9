// The native kernel table. Each ISA level (avx512, avx2, scalar) compiles the same kernel
// sources with its own -m flags into its own namespace and fills one of these tables;
// cpu.cc picks the table at load time. Everything here is plain data and function
// pointers, so no template or inline code is shared between ISA translation units.
#pragma once
#include <cstddef>
#include <cstdint>

namespace lathe {

// Element codes shared with src/backend/native/ops.ts (keep in the same order).
enum UnaryOp {
  U_NEG, U_ABS, U_SIGN, U_EXP, U_LOG, U_LOG1P, U_EXPM1, U_SQRT, U_RSQRT, U_SQUARE, U_RECIPROCAL,
  U_SIN, U_COS, U_TANH, U_SIGMOID, U_RELU, U_LEAKY_RELU, U_ELU, U_GELU, U_GELU_TANH, U_SILU,
  U_SOFTPLUS, U_ERF, U_FLOOR, U_CEIL, U_ROUND, U_LOGICAL_NOT, U_COUNT
};
enum BinaryOp {
  B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_REMAINDER, B_ATAN2,
  B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, B_LOGICAL_AND, B_LOGICAL_OR, B_LOGICAL_XOR, B_COUNT
};
enum ReduceOp { R_SUM, R_PROD, R_MAX, R_MIN, R_ARGMAX, R_ARGMIN, R_COUNT };

constexpr int kMaxDims = 16;

// A strided view of elements of `elemSize` bytes; offsets and strides count elements.
struct View {
  void* data;
  int64_t offset;
  int64_t strides[kMaxDims];
};

struct GemmArgs {
  int64_t batch, m, n, k;
  const float* a; int64_t aBatchStride; bool transA;
  const float* b; int64_t bBatchStride; bool transB;
  float* c; int64_t cBatchStride; bool accumulate;
  const float* bias = nullptr;  // n values added to every row of every C (once), or none
};

struct ConvGeometry {
  int64_t n, cIn, h, w, cOut, kh, kw, outH, outW;
  int64_t strideH, strideW, padH, padW, dilationH, dilationW, groups;
};

// What conv2d applies to its output before writing it: pool(relu(conv + bias)), where
// pool is the maximum over windows of pool × pool with stride pool (1: none).
struct ConvEpilogue {
  bool relu;
  int64_t pool;
  // With relu and pool > 1, or null: receives each pooled output's position within its
  // outH × outW plane, maxPool2d's index (the first maximum of relu(conv + bias) in window
  // order), so a recorded pooled op needs no full-size output.
  int32_t* indices = nullptr;
};

struct PoolGeometry {
  int64_t planes, h, w, kh, kw, outH, outW;
  int64_t strideH, strideW, padH, padW, dilationH, dilationW;
};

struct SgdArgs {
  float* p; const float* g; float* buf; int64_t n;
  double lr, momentum, dampening, weightDecay; bool nesterov, firstStep;
};

struct AdamArgs {
  float* p; const float* g; float* m; float* v; float* vMax; int64_t n;
  double lr, beta1, beta2, eps, weightDecay; bool decoupled; double step;
};

// One [batch, heads, len, dim] operand of attention: element [b, h, i, e] at
// data[b*sb + h*sh + i*sl + e] (data already at the view's offset; unit stride on dim).
struct AttnView {
  float* data;
  int64_t sb, sh, sl;
};

// Fused attention; query i attends to keys j < S, or j <= past + i when causal (past >= 0).
// lse holds [batch*heads*L] row logsumexps of the scaled scores. The gradient views are
// only used by attentionBackward.
struct AttentionArgs {
  int64_t batch, heads, L, S, E, Ev, past;
  float scale;
  bool causal;
  AttnView q, k, v, o, gO, gq, gk, gv;
  float* lse;
};

struct Kernels {
  const char* isa;
  void (*gemm)(const GemmArgs&);
  void (*conv2d)(const float* x, const float* w, const float* bias, float* out, const ConvGeometry&,
                 const ConvEpilogue&);
  void (*conv2dBackwardInput)(const float* gOut, const float* w, float* gx, const ConvGeometry&);
  void (*conv2dBackwardWeight)(const float* gOut, const float* x, float* gw, const ConvGeometry&);

  void (*unary)(int op, const float* x, float* out, int64_t n, float p0, float p1);
  void (*unaryBackward)(int op, const float* x, const float* y, const float* g, float* out, int64_t n, float p0, float p1);
  // Float32 a and b; out is float32 (outElemSize 4), or uint8 (1) for comparisons and logical ops.
  void (*binary)(int op, const View& a, const View& b, const int64_t* shape, int nd, const View& out, int outElemSize);
  // uint8 cond; a, b and out hold elements of elemSize bytes (1 or 4).
  void (*where)(const View& cond, const View& a, const View& b, const int64_t* shape, int nd, void* out, int elemSize);
  void (*copy)(const View& src, const View& dst, const int64_t* shape, int nd, int elemSize);

  // Float32 in; float32 out, or int32 for argmax/argmin.
  void (*reduce)(int op, const float* x, int64_t outer, int64_t n, int64_t inner, void* out);

  void (*softmax)(const float* x, float* out, int64_t rows, int64_t cols, bool log);
  void (*softmaxBackward)(const float* y, const float* g, float* out, int64_t rows, int64_t cols, bool log);
  void (*layerNorm)(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd,
                    int64_t rows, int64_t cols, double eps);
  void (*layerNormBackward)(const float* g, const float* x, const float* w, const float* mean, const float* rstd,
                            float* gx, float* gw, float* gb, int64_t rows, int64_t cols);

  void (*attention)(const AttentionArgs&);
  void (*attentionBackward)(const AttentionArgs&);

  void (*maxPool2d)(const float* x, float* out, int32_t* indices, const PoolGeometry&);
  void (*maxPool2dBackward)(const float* gOut, const int32_t* indices, float* gx, const PoolGeometry&);
  void (*avgPool2d)(const float* x, float* out, const PoolGeometry&, bool countIncludePad);
  void (*avgPool2dBackward)(const float* gOut, float* gx, const PoolGeometry&, bool countIncludePad);

  // Indices are validated by the caller. elemSize is 1 or 4 for the select/gather copies.
  void (*indexSelect)(const void* x, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, void* out, int elemSize);
  void (*indexAdd)(const float* g, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, float* gx);
  void (*gather)(const void* x, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, void* out, int elemSize);
  void (*scatterAdd)(const float* g, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, float* gx);
  void (*scatter)(const void* src, int64_t outer, int64_t n, int64_t inner, const int32_t* index, int64_t m, void* out, int elemSize);

  void (*sgdStep)(const SgdArgs&);
  void (*adamStep)(const AdamArgs&);

  // GFLOP/s of a register-only FMA loop on the calling thread, run for about `seconds`.
  double (*peakGflops)(double seconds);
};

namespace scalar { const Kernels& table(); }
#if defined(LATHE_X86)
namespace avx2 { const Kernels& table(); }
namespace avx512 { const Kernels& table(); }
#endif

}  // namespace lathe
