// layer_conv.cpp — Conv2D: im2col + GEMM per sample, the batch split across the thread pool.
//
// Per sample (C = in channels, F = filters, K = C*k*k, N = OH*OW):
//   forward   col (K, N) = im2col(x);  y (F, N) = W (F, K) * col + b
//   backward  dW (F, K) += dy (F, N) * col^T;  db += rowsum(dy)
//             dcol (K, N) = W^T * dy;  dx = col2im(dcol)
// Each worker owns a slice of the column buffer and its own dW|db partials; the partials are added
// into the model's gradient block in worker order, so a thread count always gives the same sums.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "conv_kernels.h"
#include "gemm.h"
#include "layer_types.h"

namespace dl {

Conv2D::Conv2D(std::string name, Shape in, int filters, int kernel, int stride, int pad, bool bias)
    : Layer(LayerKind::Conv, std::move(name), in, output_shape(in, filters, kernel, stride, pad)),
      k_(kernel), stride_(stride), pad_(pad), has_bias_(bias) {
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
  w_ = params; dw_ = grads;
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

void Conv2D::plan(int, int threads) {
  threads_ = threads;
  size_t K = static_cast<size_t>(in_.c) * k_ * k_, N = static_cast<size_t>(out_.h) * out_.w;
  cols_.assign(static_cast<size_t>(threads) * K * N, 0.0f);
  dgrad_.assign(static_cast<size_t>(threads) * out_.c * (K + 1), 0.0f);
}

int64_t Conv2D::macs() const {
  return static_cast<int64_t>(out_.size()) * in_.c * k_ * k_;
}

// The data movement is in conv_kernels.cpp (fast and reference versions, tested against each other).
void Conv2D::im2col(const float* img, float* col) const {
  dl::im2col(ConvGeometry{in_.c, in_.h, in_.w, k_, stride_, pad_, out_.h, out_.w}, img, col);
}

void Conv2D::col2im(const float* col, float* img) const {
  dl::col2im(ConvGeometry{in_.c, in_.h, in_.w, k_, stride_, pad_, out_.h, out_.w}, col, img);
}

void Conv2D::forward(const float* inp, float* out, int B, const ForwardContext& ctx) {
  const int F = out_.c, K = in_.c * k_ * k_, N = out_.h * out_.w;
  const bool threaded = ctx.pool && threads_ > 1 && B > 1;
  const int T = threaded ? std::min(threads_, B) : 1;
  auto work = [&](int task, int thread) {
    float* col = cols_.data() + static_cast<size_t>(thread) * K * N;
    int begin = B * task / T, end = B * (task + 1) / T;
    for (int n = begin; n < end; ++n) {
      const float* x = inp + static_cast<size_t>(n) * in_.size();
      float* y = out + static_cast<size_t>(n) * out_.size();
      im2col(x, col);
      gemm_nn(F, N, K, w_, K, col, N, y, N, false);
      if (b_) for (int f = 0; f < F; ++f) { float b = b_[f]; float* yf = y + f * N; for (int i = 0; i < N; ++i) yf[i] += b; }
    }
  };
  if (threaded) ctx.pool->run(T, work);
  else work(0, 0);
}

void Conv2D::backward(const float* inp, const float*, const float* dout, float* dinp, int B, ThreadPool* pool) {
  const int F = out_.c, K = in_.c * k_ * k_, N = out_.h * out_.w;
  const bool threaded = pool && threads_ > 1 && B > 1;
  const int T = threaded ? std::min(threads_, B) : 1;
  const size_t gsize = static_cast<size_t>(F) * (K + 1);
  auto work = [&](int task, int thread) {
    float* col = cols_.data() + static_cast<size_t>(thread) * K * N;
    // Single-threaded: accumulate straight into the model's gradients. Threaded: one partial per
    // task (not per thread: a thread may run more than one task, and the partials are summed in
    // task order below, so the result does not depend on which thread ran what).
    float* dw = threaded ? dgrad_.data() + static_cast<size_t>(task) * gsize : dw_;
    float* db = !has_bias_ ? nullptr : threaded ? dw + static_cast<size_t>(F) * K : db_;
    if (threaded) std::fill(dw, dw + gsize, 0.0f);
    int begin = B * task / T, end = B * (task + 1) / T;
    for (int n = begin; n < end; ++n) {
      const float* x = inp + static_cast<size_t>(n) * in_.size();
      const float* dy = dout + static_cast<size_t>(n) * out_.size();
      im2col(x, col);
      gemm_nt(F, K, N, dy, N, col, N, dw, K, true);
      if (db) add_row_sums(dy, F, N, db);
      if (dinp) {
        gemm_tn(K, N, F, w_, K, dy, N, col, N, false);  // col now holds dcol
        col2im(col, dinp + static_cast<size_t>(n) * in_.size());
      }
    }
  };
  if (threaded) {
    pool->run(T, work);
    for (int t = 0; t < T; ++t) {
      const float* part = dgrad_.data() + t * gsize;
      for (size_t i = 0, n = static_cast<size_t>(F) * K; i < n; ++i) dw_[i] += part[i];
      if (db_) for (int f = 0; f < F; ++f) db_[f] += part[static_cast<size_t>(F) * K + f];
    }
  } else {
    work(0, 0);
  }
}

}  // namespace dl
