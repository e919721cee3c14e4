// conv_direct.h — direct convolution kernels: the forward pass of a layer with one input channel (a
// network's first layer: 1 x 28 x 28 in, 3x3 or 5x5 filters, stride 1), the weight gradient of any
// stride-1 3x3 or 5x5 layer; and the plain convolution that every fast convolution kernel (these,
// winograd.h, im2col + GEMM) is tested against.
//
// Why: with one input channel, im2col + GEMM is a product with K = k*k = 9 or 25, where the im2col
// matrix and its packing cost as much as the multiplications. Here the zero-padded input plane is
// read in place, each loaded vector of input serving four filters.
//
//   conv_direct_forward      y (images, F, OH, OW) = conv(x (images, 1, H, W), w (F, 1, k, k)),
//                            with the epilogue (bias, BatchNorm, ReLU) on the way out
//   conv_direct_weight_grad  dw (F, C*k*k) += sum over images and output pixels of dy times the input
//                            under each tap, any C, k = 3 or 5, stride 1 (no im2col matrix: the GEMM's
//                            operand would be the padded planes shifted by each tap); the bias
//                            gradient is add_row_sums
#pragma once
#include <cstdint>

#include "conv_kernels.h"

namespace dl {

bool conv_direct_supports(const ConvGeometry& g);  // one input channel, stride 1

// scratch: conv_direct_forward_scratch_floats(g) floats (the padded plane and output rows), the
// caller's: Conv2D plans one per thread, so nothing is allocated on the way.
uint64_t conv_direct_forward_scratch_floats(const ConvGeometry& g);
void conv_direct_forward(const ConvGeometry& g, int F, const float* w, const float* x, int images, float* y,
                         const ConvEpilogue& ep, float* scratch);
bool conv_direct_weight_grad_supports(const ConvGeometry& g);  // stride 1, k = 3 or 5
// x (images, C, H, W), dy (images, F, OH, OW); scratch: conv_direct_weight_grad_scratch_floats(g, F)
// floats (the padded planes, two filters' dy rows and the per-lane sums (F, C, k, k, lanes)).
uint64_t conv_direct_weight_grad_scratch_floats(const ConvGeometry& g, int F);
void conv_direct_weight_grad(const ConvGeometry& g, int F, const float* x, const float* dy, int images, float* dw,
                             float* scratch);

// The plain loops, one image, any geometry: y (F, OH, OW) = bias + sum over (c, ky, kx) of
// w (F, C, k, k) times the input under the tap (0 in the padding), summed in that order.
void conv_reference(const ConvGeometry& g, int F, const float* w, const float* bias, const float* x, float* y);
// dw (F, C*k*k) += sum over output pixels of dy (F, OH, OW) times the input under each tap.
void conv_weight_grad_reference(const ConvGeometry& g, int F, const float* x, const float* dy, float* dw);

}  // namespace dl
