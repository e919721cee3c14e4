// conv_plan.h — which kernels a convolution layer runs and every buffer they use, from the layer's
// geometry, the batch size and the thread count alone (no layer, no allocation).
//
// Conv2D::plan() allocates exactly what plan_conv() returns and resources.cpp (plan_resources)
// counts exactly that before any layer exists, so the layer and the count cannot drift apart;
// tests/resources_test.cpp compares them for layers on every kernel. All sizes are 64-bit float
// counts (size_t is 32 bits in WebAssembly); a product that overflows sets `overflow`.
//
// The kernels (layer_conv.cpp has the passes; conv_direct.h, winograd.h, conv_im2row.h the loops):
//   forward         direct (one input channel, few filters), Winograd (3x3 / 5x5 stride 1, when
//                   choose_winograd's cost model prefers it) or im2col + GEMM
//   weight gradient direct (stride-1 3x3 / 5x5, few filters, C*k*k <= 200) or im2row blocks
//                   (conv_weight_grad_im2row); im2col + GEMM when forced (ConvAlgo::Im2col)
//   input gradient  Winograd of dy (a stride-1 convolution, chosen separately) or GEMM + col2im
#pragma once
#include <cstdint>

#include "conv_kernels.h"
#include "winograd.h"

namespace dl {

// Which kernel runs the forward pass and the input gradient. Auto chooses per geometry and batch;
// the others force one where it applies (else im2col) — for benchmarks and tests.
enum class ConvAlgo { Auto, Im2col, Direct, F2x3, F4x3, F2x5 };

struct ConvPlan {
  bool direct = false;            // forward by conv_direct_forward
  bool direct_dw = false;         // weight gradient by conv_direct_weight_grad (else im2row)
  Winograd fwd = Winograd::None;  // forward by Winograd
  Winograd bwd = Winograd::None;  // input gradient by Winograd
  int images_per_thread = 0;      // the most images one worker takes at a time
  // Buffers (floats). Per thread: threads x the per-thread size, one allocation each.
  uint64_t cols_per_thread = 0;  // (C*k*k, OH*OW) im2col columns; 0 when no pass uses im2col
  uint64_t work_per_thread = 0;  // the kernels' own scratch: padded planes, im2row blocks (the
                                 // largest of those the chosen kernels need; they run one at a time)
  uint64_t cols = 0, work = 0;   // the two above times threads
  uint64_t dgrad = 0;            // (threads, F*(C*k*k + 1)): weight-gradient partials
  uint64_t affine = 0;           // (2, F): a fused BatchNorm's inference scale and shift
  uint64_t wino_fwd = 0;         // WinogradConv::planned_floats of the forward pass
  uint64_t wino_bwd = 0;         // and of the input gradient
  bool overflow = false;         // a size above did not fit 64 bits
};

ConvPlan plan_conv(const ConvGeometry& g, int filters, int batch, int threads, ConvAlgo algo);

}  // namespace dl
