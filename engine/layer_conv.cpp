// layer_conv.cpp — Conv2D: the batch split across the thread pool, each slice through one of three
// kernels, chosen in plan() by plan_conv (conv_plan.h, which also sizes every buffer below and which
// resources.cpp counts) for the layer's geometry and the images per slice:
//   direct     one input channel (conv_direct.h): forward and weight gradient on the padded plane
//   Winograd   3x3 / 5x5 stride 1 where choose_winograd's cost model prefers it (winograd.h); the
//              input gradient too (a stride-1 convolution of dy), chosen separately
//   im2col     everything else, per sample (C = in channels, F = filters, K = C*k*k, N = OH*OW):
//                forward   col (K, N) = im2col(x);  y (F, N) = W (F, K) * col + b
//                backward  dW (F, K) += dy (F, N) * col^T;  db += rowsum(dy)
//                          dcol (K, N) = W^T * dy;  dx = col2im(dcol)
// The weight gradient: the direct kernel for stride-1 3x3 and 5x5 layers with few input channels
// (no im2col matrix), else im2col + gemm_nt. The bias, a following
// BatchNorm at inference and a following ReLU are applied as the output is written
// (forward_fused, ConvEpilogue). Each worker owns a slice of the column buffer and its own dW|db
// partials; the partials are added into the model's gradient block in worker order, so a thread
// count always gives the same sums.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "conv_direct.h"
#include "conv_im2row.h"
#include "conv_kernels.h"
#include "gemm.h"
#include "layer_types.h"

namespace dl {

Conv2D::Conv2D(std::string name, Shape in, int filters, int kernel, int stride, int pad, bool bias)
    : Layer(LayerKind::Conv, std::move(name), in, output_shape(in, filters, kernel, stride, pad)),
      k_(kernel),
      stride_(stride),
      pad_(pad),
      has_bias_(bias) {
  assert(out_.h > 0 && out_.w > 0 && "Conv2D: the spec parser must reject kernels larger than the input");
}

Shape Conv2D::output_shape(Shape in, int filters, int kernel, int stride, int pad) {
  return Shape{filters, (in.h + 2 * pad - kernel) / stride + 1, (in.w + 2 * pad - kernel) / stride + 1};
}

std::vector<TensorInfo> Conv2D::param_tensors() const {
  std::vector<TensorInfo> t;
  size_t wc = static_cast<size_t>(out_.c) * in_.c * k_ * k_;
  t.push_back({name_ + ".weight", {out_.c, in_.c, k_, k_}, 0, wc, true});
  if (has_bias_) t.push_back({name_ + ".bias", {out_.c}, wc, static_cast<size_t>(out_.c), false});
  return t;
}

void Conv2D::bind(float* params, float* grads, float*) {
  size_t wc = static_cast<size_t>(out_.c) * in_.c * k_ * k_;
  w_ = params;
  dw_ = grads;
  b_ = has_bias_ ? params + wc : nullptr;
  db_ = has_bias_ ? grads + wc : nullptr;
}

void Conv2D::init(Rng& rng) {
  // He-uniform (every convolution is followed by a ReLU, possibly after BatchNorm).
  int K = in_.c * k_ * k_;
  float limit = std::sqrt(6.0f / static_cast<float>(K));
  for (int i = 0; i < out_.c * K; ++i) w_[i] = rng.uniform(-limit, limit);
  if (b_) std::fill(b_, b_ + out_.c, 0.0f);
}

void Conv2D::plan(int B, int threads) {
  threads_ = threads;
  // The kernels and every buffer they use, from plan_conv (conv_plan.h), which resources.cpp counts
  // too. The sizes were accepted by plan_resources (Model::plan) before this runs: each buffer is at
  // most kMaxBufferBytes, so the size_t casts below are exact even where size_t has 32 bits.
  const ConvGeometry g{in_.c, in_.h, in_.w, k_, stride_, pad_, out_.h, out_.w};
  plan_ = plan_conv(g, out_.c, B, threads, algo_);
  assert(!plan_.overflow && "Conv2D::plan: plan_resources must refuse this batch and thread count first");
  cols_.assign(static_cast<size_t>(plan_.cols), 0.0f);
  work_.assign(static_cast<size_t>(plan_.work), 0.0f);
  dgrad_.assign(static_cast<size_t>(plan_.dgrad), 0.0f);
  bn_scale_.assign(static_cast<size_t>(plan_.affine / 2), 1.0f);
  bn_shift_.assign(static_cast<size_t>(plan_.affine / 2), 0.0f);
  wino_fwd_.plan(plan_.fwd, in_.c, in_.h, in_.w, out_.c, pad_, plan_.images_per_thread, threads);
  wino_bwd_.plan(plan_.bwd, out_.c, out_.h, out_.w, in_.c, k_ - 1 - pad_, plan_.images_per_thread, threads);
  planned_B_ = B;
}

uint64_t Conv2D::scratch_bytes() const {
  return 4 * (uint64_t{cols_.size()} + work_.size() + dgrad_.size() + bn_scale_.size() + bn_shift_.size() +
              wino_fwd_.allocated_floats() + wino_bwd_.allocated_floats());
}

const char* Conv2D::forward_kernel() const {
  return plan_.direct ? "direct" : wino_fwd_.planned() ? winograd_name(wino_fwd_.variant()) : "im2col";
}

int64_t Conv2D::macs() const { return static_cast<int64_t>(out_.size()) * in_.c * k_ * k_; }

// The data movement is in conv_kernels.cpp (fast and reference versions, tested against each other).
void Conv2D::im2col(const float* img, float* col, float* scratch) const {
  dl::im2col(ConvGeometry{in_.c, in_.h, in_.w, k_, stride_, pad_, out_.h, out_.w}, img, col, scratch);
}

void Conv2D::col2im(const float* col, float* img, float* scratch) const {
  dl::col2im(ConvGeometry{in_.c, in_.h, in_.w, k_, stride_, pad_, out_.h, out_.w}, col, img, scratch);
}

void Conv2D::forward(const float* inp, float* out, int B, const ForwardContext& ctx) {
  ConvEpilogue ep;
  ep.bias = b_;
  run_forward(inp, out, B, ctx, ep);
}

int Conv2D::forward_fused(const float* inp, float* out, Layer* const* next, float* const* next_out, int n_next, int B,
                          const ForwardContext& ctx) {
  ConvEpilogue ep;
  ep.bias = b_;
  int used = 0;
  // BatchNorm only at inference (in training it needs the whole batch's statistics first).
  if (used < n_next && !ctx.train && next[used]->kind() == LayerKind::BatchNorm) {
    static_cast<BatchNorm*>(next[used])->inference_affine(bn_scale_.data(), bn_shift_.data());
    ep.scale = bn_scale_.data();
    ep.shift = bn_shift_.data();
    ep.affine = next_out[used++];
  }
  if (used < n_next && next[used]->kind() == LayerKind::ReLU) ep.relu = next_out[used++];
  run_forward(inp, out, B, ctx, ep);
  return used;
}

void Conv2D::run_forward(const float* inp, float* out, int B, const ForwardContext& ctx, const ConvEpilogue& ep) {
  if (planned_B_ == 0) plan(B, threads_);  // set_algorithm() since the last plan
  const int F = out_.c, K = in_.c * k_ * k_, N = out_.h * out_.w;
  const bool threaded = ctx.pool && threads_ > 1 && B > 1;
  const int T = threaded ? std::min(threads_, B) : 1;
  const ConvGeometry g{in_.c, in_.h, in_.w, k_, stride_, pad_, out_.h, out_.w};
  // Inference keeps the transformed weights while the weights stay the same; training changes them
  // every step.
  if (wino_fwd_.planned()) wino_fwd_.set_weights(w_, false, /*cache=*/!ctx.train);
  auto work = [&](int task, int thread) {
    const int begin = B * task / T, end = B * (task + 1) / T;
    if (begin == end) return;
    const size_t at = static_cast<size_t>(begin) * out_.size();
    ConvEpilogue e = ep;  // the fused outputs, from this slice's first image on
    if (e.affine) e.affine += at;
    if (e.relu) e.relu += at;
    const float* x = inp + static_cast<size_t>(begin) * in_.size();
    if (plan_.direct) {
      conv_direct_forward(g, F, w_, x, end - begin, out + at, e, work_at(thread));
    } else if (wino_fwd_.planned()) {
      wino_fwd_.run(x, end - begin, out + at, e, thread);
    } else {
      float* col = cols_at(thread);
      for (int n = begin; n < end; ++n) {
        const size_t o = static_cast<size_t>(n - begin) * out_.size();
        float* y = out + at + o;
        im2col(x + static_cast<size_t>(n - begin) * in_.size(), col, work_at(thread));
        gemm_nn(F, N, K, w_, K, col, N, y, N, false);
        for (int f = 0; f < F; ++f)
          conv_epilogue(e, f, y + static_cast<size_t>(f) * N, y + static_cast<size_t>(f) * N,
                        o + static_cast<size_t>(f) * N, N);
      }
    }
  };
  if (threaded) ctx.pool->run(T, work);
  else work(0, 0);
}

void Conv2D::backward(const float* inp, const float*, const float* dout, float* dinp, int B, ThreadPool* pool) {
  if (planned_B_ == 0) plan(B, threads_);
  const int F = out_.c, K = in_.c * k_ * k_, N = out_.h * out_.w;
  const bool threaded = pool && threads_ > 1 && B > 1;
  const int T = threaded ? std::min(threads_, B) : 1;
  const size_t gsize = static_cast<size_t>(F) * (K + 1);
  const ConvGeometry g{in_.c, in_.h, in_.w, k_, stride_, pad_, out_.h, out_.w};
  const bool wino_dx = dinp && wino_bwd_.planned();
  if (wino_dx) wino_bwd_.set_weights(w_, /*transpose_flip=*/true, /*cache=*/false);
  auto work = [&](int task, int thread) {
    float* col = cols_.empty() ? nullptr : cols_at(thread);  // (K, N), when a pass here uses im2col
    float* scratch = work_.empty() ? nullptr : work_at(thread);
    // Single-threaded: accumulate straight into the model's gradients. Threaded: one partial per
    // task (not per thread: a thread may run more than one task, and the partials are summed in
    // task order below, so the result does not depend on which thread ran what).
    float* dw = threaded ? dgrad_.data() + static_cast<size_t>(task) * gsize : dw_;
    float* db = !has_bias_ ? nullptr : threaded ? dw + static_cast<size_t>(F) * K : db_;
    if (threaded) std::fill(dw, dw + gsize, 0.0f);
    int begin = B * task / T, end = B * (task + 1) / T;
    if (begin < end && algo_ != Algo::Im2col) {
      const float* x = inp + static_cast<size_t>(begin) * in_.size();
      const float* dy = dout + static_cast<size_t>(begin) * out_.size();
      if (plan_.direct_dw) conv_direct_weight_grad(g, F, x, dy, end - begin, dw, scratch);
      else conv_weight_grad_im2row(g, F, x, dy, end - begin, dw, scratch);
    }
    for (int n = begin; n < end; ++n) {
      const float* x = inp + static_cast<size_t>(n) * in_.size();
      const float* dy = dout + static_cast<size_t>(n) * out_.size();
      if (algo_ == Algo::Im2col) {  // the original path, kept for comparisons (digitlab_bench --conv im2col)
        im2col(x, col, scratch);
        gemm_nt(F, K, N, dy, N, col, N, dw, K, true);
      }
      if (db) add_row_sums(dy, F, N, db);
      if (dinp && !wino_dx) {
        gemm_tn(K, N, F, w_, K, dy, N, col, N, false);  // col now holds dcol
        col2im(col, dinp + static_cast<size_t>(n) * in_.size(), scratch);
      }
    }
    if (wino_dx && begin < end) {
      wino_bwd_.run(dout + static_cast<size_t>(begin) * out_.size(), end - begin,
                    dinp + static_cast<size_t>(begin) * in_.size(), ConvEpilogue{}, thread);
    }
  };
  if (threaded) {
    pool->run(T, work);
    for (int t = 0; t < T; ++t) {
      const float* part = dgrad_.data() + t * gsize;
      for (size_t i = 0, n = static_cast<size_t>(F) * K; i < n; ++i) dw_[i] += part[i];
      if (db_)
        for (int f = 0; f < F; ++f) db_[f] += part[static_cast<size_t>(F) * K + f];
    }
  } else {
    work(0, 0);
  }
}

}  // namespace dl
