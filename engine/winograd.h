// winograd.h — stride-1 convolutions by Winograd's minimal filtering (Lavin & Gray 2016, "Fast
// Algorithms for Convolutional Neural Networks"): F(m x m, r x r) computes an m x m block of
// outputs of an r x r filter from an n x n input tile (n = m + r - 1) with n*n multiplications per
// (input channel, output channel) instead of m*m*r*r. Per block of tiles:
//
//   U[xi] (F, C) = G g G^T            the filters, transformed once per set of weights
//   V[xi] (C, T) = B^T d B            each input tile, per channel
//   M[xi] (F, T) = U[xi] * V[xi]      n*n independent GEMMs (gemm_nn: Eigen natively, the packed
//                                     SIMD128 kernel in WebAssembly)
//   y  = A^T M A                      each output tile, then the epilogue (bias, BatchNorm, ReLU)
//
// where xi runs over the n*n points of a tile and T over the tiles. Variants:
//   F2x3  F(2x2, 3x3): 16 multiplies for 36, the most accurate (the input gradient in training)
//   F4x3  F(4x4, 3x3): 36 for 144
//   F2x5  F(2x2, 5x5): 36 for 100
// Rounding: the transforms add and scale values, so results differ from the direct convolution
// by a few units in the last place of the largest terms (F4x3 and F2x5 more than F2x3; measured in
// tests/winograd_test.cpp and README). Results depend only on the sizes and the block layout,
// so a given model, batch and thread count always gives the same bits.
//
// Layouts: x (images, C, H, W) -> y (images, F, OH, OW), OH = H + 2 pad - r + 1. The weights are
// the forward layer's w (F, C, r, r); with transpose_flip, the same array serves the convolution
// that computes the input gradient (dx = conv(dy, w flipped and transposed, pad r - 1 - pad)).
// conv_reference (conv_direct.h) is the plain convolution these are tested against.
#pragma once
#include <cstdint>
#include <vector>

#include "conv_kernels.h"

namespace dl {

enum class Winograd { None, F2x3, F4x3, F2x5 };
const char* winograd_name(Winograd v);  // "F(2x2,3x3)", ...
int winograd_tile(Winograd v);          // m
int winograd_kernel(Winograd v);        // r

// The variant a cost model picks for a stride-1 convolution (multiplications with the tiles
// rounded up, plus the transforms), or None when im2col + GEMM is estimated cheaper or the
// geometry has no variant (stride != 1, kernel other than 3 or 5, padding past r - 1).
// `images` is how many images one call transforms together.
Winograd choose_winograd(int C, int H, int W, int F, int k, int stride, int pad, int images);

class WinogradConv {
 public:
  // Sizes the scratch (per thread) for up to max_images images per run(). block_cols caps the
  // tiles transformed at once (0: a default that keeps V and M within about 512 KiB); tests give
  // small values to cross block boundaries.
  void plan(Winograd v, int C, int H, int W, int F, int pad, int max_images, int threads, int block_cols = 0);
  // The floats plan() allocates for the same arguments, counted in 64 bits without allocating
  // (resources.cpp, before a layer exists), and what this object holds now.
  static uint64_t planned_floats(Winograd v, int C, int H, int W, int F, int pad, int max_images, int threads,
                                 int block_cols = 0);
  uint64_t allocated_floats() const;
  Winograd variant() const { return v_; }
  bool planned() const { return v_ != Winograd::None; }

  // U from w: w (F, C, r, r) for this convolution, or, with transpose_flip, the forward layer's
  // weights (C, F, r, r) of which this convolution computes the input gradient. With cache, an
  // unchanged w (same bits as the last call with cache and the same transpose_flip) reuses U:
  // inference calls this per forward pass, and checking is cheaper than transforming.
  void set_weights(const float* w, bool transpose_flip, bool cache);

  // y for `images` images of x (at most max_images), with ep applied on the way out; `thread`
  // picks the scratch (0 .. threads-1). set_weights must have been called.
  void run(const float* x, int images, float* y, const ConvEpilogue& ep, int thread);

 private:
  struct Scratch {
    std::vector<float> v;      // (n*n, C, ld): transformed input tiles of one block
    std::vector<float> m;      // (n*n, F, ld): their products with U
    std::vector<float> kp;     // (n, n, kp_ld): [k][j][tile] = row transform j of tile's input row k
    std::vector<float> xrow;   // (m * u_len + 2 lanes): one zero-padded input row
    std::vector<float> split;  // (2, m / 2 * u_len): the even/odd halves on the way to m = 4 phases
    std::vector<float> phase;  // (m, u_len): the padded row split by x mod m
    std::vector<float> out;    // (m, m * kp_ld): [a][m*tile + b] = output (a, b) of each tile
  };
  // The block layout and buffer sizes (floats) plan() uses, from the arguments alone.
  struct Layout {
    int m = 0, r = 0, n = 0, OH = 0, OW = 0, th = 0, tw = 0, lanes = 4, tw_pad = 0;
    int block_rows = 0, ld = 0, kp_ld = 0, u_len = 0, xw = 0;
    uint64_t v = 0, mm = 0, kp = 0, split = 0, out = 0;    // per thread (phase is split's size)
    uint64_t u_plain = 0, u_block = 0, u = 0, w_seen = 0;  // shared
  };
  static Layout layout(Winograd v, int C, int H, int W, int F, int pad, int max_images, int block_cols);
  template <int M, int R>
  void run_lanes(const float* x, int images, float* y, const ConvEpilogue& ep, Scratch& s);
  template <int M, int R, int L>
  void run_t(const float* x, int images, float* y, const ConvEpilogue& ep, Scratch& s);
  template <int M, int R, int L>
  void input_transform_t(const float* x, int g0, int g1, Scratch& s);
  template <int M, int R, int L>
  void output_transform_t(float* y, int g0, int g1, const ConvEpilogue& ep, Scratch& s);
  template <int M, int R>
  void transform_weights_t(const float* w, bool transpose_flip);

  Winograd v_ = Winograd::None;
  int m_ = 0, r_ = 0, n_ = 0;
  int C_ = 0, H_ = 0, W_ = 0, F_ = 0, pad_ = 0, OH_ = 0, OW_ = 0;
  int lanes_ = 4;                     // vector width of the transforms (4, 8 or 16 floats)
  int th_ = 0, tw_ = 0, tw_pad_ = 0;  // tiles down, across, across rounded up to the vector width
  int block_rows_ = 0;                // tile rows (over all images) per block
  int ld_ = 0;                        // row stride of V and M
  int kp_ld_ = 0, u_len_ = 0;
  std::vector<float> u_plain_;  // (n*n, F, C)
  std::vector<float> u_;        // n*n blocks of gemm_prepared_a_size(F, C): U ready for gemm_nn_prepared
  size_t u_block_ = 0;
  std::vector<float> w_seen_;  // the weights u_ was made from (cache check)
  bool u_cached_ = false, u_flip_ = false;
  std::vector<Scratch> scratch_;
};

}  // namespace dl
