// conv_plan.cpp — see conv_plan.h. The kernel choice was fitted layer by layer (one Conv2D with each
// kernel forced, natively and in WebAssembly, batch 1 and 64); the buffer sizes are the kernels' own
// *_scratch_floats functions, so a kernel and its count live in one file.
#include "conv_plan.h"

#include <algorithm>

#include "conv_direct.h"
#include "conv_im2row.h"

namespace dl {

namespace {

uint64_t mul(uint64_t a, uint64_t b, bool* overflow) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) {
    *overflow = true;
    return UINT64_MAX;
  }
  return r;
}

}  // namespace

ConvPlan plan_conv(const ConvGeometry& g, int F, int batch, int threads, ConvAlgo algo) {
  ConvPlan p;
  const int T = std::max(1, threads);
  const int64_t B = std::max(1, batch);
  p.images_per_thread = static_cast<int>((B + T - 1) / T);
  const int C = g.C, k = g.k, stride = g.stride, pad = g.pad;
  auto forced = [&](ConvAlgo a) -> Winograd {
    const Winograd v = a == ConvAlgo::F2x3 ? Winograd::F2x3 : a == ConvAlgo::F4x3 ? Winograd::F4x3 : Winograd::F2x5;
    return stride == 1 && winograd_kernel(v) == k && pad <= k - 1 ? v : Winograd::None;
  };
  // The direct kernels win where both sides of the GEMM they replace are short: few filters (F <= 16)
  // and, for the weight gradient, C*k*k <= 200 (R1's two layers). With 32 filters and more (R2, the
  // shipped model) im2col + GEMM is as fast or faster, natively and in WebAssembly (measured layer by
  // layer, one Conv2D with each kernel forced).
  const bool few_filters = F <= 16;
  p.direct = conv_direct_supports(g) && (algo == ConvAlgo::Direct || (algo == ConvAlgo::Auto && few_filters));
  p.direct_dw = conv_direct_weight_grad_supports(g) && algo != ConvAlgo::Im2col && C * k * k <= 200 &&
                (algo == ConvAlgo::Direct || few_filters);
  if (algo == ConvAlgo::Auto) {
    if (!p.direct && C > 1) p.fwd = choose_winograd(C, g.H, g.W, F, k, stride, pad, p.images_per_thread);
    p.bwd = choose_winograd(F, g.OH, g.OW, C, k, stride, k - 1 - pad, p.images_per_thread);
  } else if (algo != ConvAlgo::Im2col && algo != ConvAlgo::Direct) {
    p.fwd = forced(algo);
    if (k - 1 - pad >= 0) p.bwd = forced(algo);
  }

  // im2col columns: the forward pass without a faster kernel, the input gradient without Winograd
  // (dcol = W^T dy, then col2im), the weight gradient when im2col is forced.
  const bool im2col = algo == ConvAlgo::Im2col || (!p.direct && p.fwd == Winograd::None) || p.bwd == Winograd::None;
  const uint64_t K = uint64_t(C) * k * k, N = uint64_t(g.OH) * g.OW;
  if (im2col) p.cols_per_thread = K * N;
  // One scratch per thread for the kernels, which never run at the same time on a thread.
  uint64_t work = im2col ? im2col_scratch_floats(g) : 0;
  if (p.direct) work = std::max(work, conv_direct_forward_scratch_floats(g));
  if (p.direct_dw) work = std::max(work, conv_direct_weight_grad_scratch_floats(g, F));
  else if (algo != ConvAlgo::Im2col) work = std::max(work, conv_weight_grad_im2row_scratch_floats(g, F));
  p.work_per_thread = work;
  p.cols = mul(T, p.cols_per_thread, &p.overflow);
  p.work = mul(T, p.work_per_thread, &p.overflow);
  p.dgrad = mul(T, uint64_t(F) * (K + 1), &p.overflow);
  p.affine = 2 * uint64_t(F);
  p.wino_fwd = WinogradConv::planned_floats(p.fwd, C, g.H, g.W, F, pad, p.images_per_thread, T);
  p.wino_bwd = WinogradConv::planned_floats(p.bwd, F, g.OH, g.OW, C, k - 1 - pad, p.images_per_thread, T);
  return p;
}

}  // namespace dl
