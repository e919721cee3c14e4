// conv_im2row.h — a convolution's weight gradient as GEMMs whose right operand is built straight in
// the layout the GEMM kernel reads (the "fused im2col packing" of issue 15):
//
//   dw (F, C*k*k) += sum over blocks of P output pixels of  dy[:, block] (F, P) * rows (P, C*k*k)
//
// where row p of `rows` holds the input under every tap of pixel p (im2row: im2col transposed).
// A row is C*k runs of k neighbouring floats of the zero-padded input planes, each written with
// one vector store, so a block is built in one pass and read in place by the product (the packed
// SIMD128 kernel in WebAssembly, the AVX-512 one natively; gemm_nn_prepared with dy's block as the
// prepared operand). Before: im2col wrote the whole (C*k*k, OH*OW) matrix per image (2.5 MB for R2's
// conv2) and the GEMM packed it once more, transposing.
//
// conv_weight_grad_reference (conv_direct.h) is what it is tested against.
#pragma once
#include <cstdint>

#include "conv_kernels.h"

namespace dl {

// x (images, C, H, W), dy (images, F, OH, OW); any kernel size, stride and padding. scratch:
// conv_weight_grad_im2row_scratch_floats(g, F) floats (the padded planes, one block of im2row rows,
// dy's block), the caller's: Conv2D plans one per thread, so nothing is allocated on the way.
uint64_t conv_weight_grad_im2row_scratch_floats(const ConvGeometry& g, int F);
void conv_weight_grad_im2row(const ConvGeometry& g, int F, const float* x, const float* dy, int images, float* dw,
                             float* scratch);

}  // namespace dl
