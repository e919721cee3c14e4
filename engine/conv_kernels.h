// conv_kernels.h — the data-movement kernels around the convolution and pooling layers, one sample
// at a time, each with the plain reference it is tested against (tests/kernels_test.cpp).
//
//   im2col   col (C*k*k, OH*OW) from img (C, H, W): row (c, ky, kx) holds, for each output pixel,
//            the input under that kernel tap (0 in the padding)
//   col2im   img (C, H, W) = the sum of every col entry back at the input pixel it came from
//   maxpool  y (C, OH, OW) = max over each k x k window of x (C, H, W), stride s; argmax (C, OH, OW)
//            = index into x of that maximum (the first in row-major window order on ties)
//
// The fast versions differ from the references only in how they move data (one pass, no library
// call per short row, a 2x2 stride-2 pooling path), so their results are bit-identical.
#pragma once
#include <cstddef>
#include <cstdint>

namespace dl {

struct ConvGeometry {
  int C, H, W;  // input planes
  int k, stride, pad;
  int OH, OW;  // output size
};

// What a convolution does with each output value on its way out, in the same pass (the layers after
// it, fused; see Conv2D::forward_fused):
//   y = conv + bias[f]                      -> the convolution's own output (always written)
//   z = y * scale[f] + shift[f]             -> affine (BatchNorm at inference), when scale is set
//   max(z, 0), or max(y, 0) without scale   -> relu, when relu is set
// affine and relu are laid out like the convolution's output: a kernel given the output pointer y
// writes element y[at] and affine[at], relu[at] (so the three pointers name the same element).
struct ConvEpilogue {
  const float* bias = nullptr;   // (F) or nullptr
  const float* scale = nullptr;  // (F) or nullptr; then shift (F) too
  const float* shift = nullptr;
  float* affine = nullptr;  // like the output, when scale is set
  float* relu = nullptr;    // like the output, or nullptr
};

// Applies ep to n values of channel f: y[i] = src[i] + bias[f], and the affine and ReLU outputs at
// offset `at` from their batch's start (y is the convolution's output at that same offset). src
// may be y itself.
void conv_epilogue(const ConvEpilogue& ep, int f, const float* src, float* y, size_t at, int n);

// scratch: im2col_scratch_floats(g) floats (a zero-padded plane for stride 1; unused otherwise).
uint64_t im2col_scratch_floats(const ConvGeometry& g);
void im2col(const ConvGeometry& g, const float* img, float* col, float* scratch);
void col2im(const ConvGeometry& g, const float* col, float* img, float* scratch);
void maxpool_forward(const float* x, int C, int H, int W, int k, int stride, int OH, int OW, float* y, int32_t* argmax);

// sums[r] += the sum of the n values of row r of x (rows, n): the bias gradient of a convolution.
// Eight running sums per row (one per lane of two SIMD128 vectors), added in a fixed order at the
// end: not the reference's order, so the two agree to rounding, not bit for bit.
void add_row_sums(const float* x, int rows, int n, float* sums);
void add_row_sums_reference(const float* x, int rows, int n, float* sums);

void im2col_reference(const ConvGeometry& g, const float* img, float* col);
void col2im_reference(const ConvGeometry& g, const float* col, float* img);
void maxpool_forward_reference(const float* x, int C, int H, int W, int k, int stride, int OH, int OW, float* y,
                               int32_t* argmax);

}  // namespace dl
