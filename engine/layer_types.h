// layer_types.h — the concrete layers. Each class is one forward/backward pair; see layers.h for the
// conventions they all follow. Constructed by Model::build from a parsed spec.
#pragma once
#include <cstdint>
#include <vector>

#include "layers.h"
#include "conv_plan.h"
#include "winograd.h"

namespace dl {

// 2-D convolution, any kernel size, stride and zero padding. Kernels (layer_conv.cpp): a direct
// one for a single input channel, Winograd for 3x3 and 5x5 stride 1 where its cost model says so,
// im2col + GEMM per sample otherwise.
class Conv2D final : public Layer {
 public:
  using Algo = ConvAlgo;  // conv_plan.h: Auto, or one kernel forced (benchmarks and tests)
  Conv2D(std::string name, Shape in, int filters, int kernel, int stride, int pad, bool bias);
  static Shape output_shape(Shape in, int filters, int kernel, int stride, int pad);
  int filters() const { return out_.c; }
  int kernel() const { return k_; }
  int stride() const { return stride_; }
  int pad() const { return pad_; }
  const float* weight() const { return w_; }  // (filters, in.c*k*k)
  std::vector<TensorInfo> param_tensors() const override;
  void bind(float* params, float* grads, float* buffers) override;
  void init(Rng& rng) override;
  void plan(int B, int threads) override;
  int64_t macs() const override;
  // Everything plan_conv() sized: resources.cpp counts the same plan (tests/resources_test.cpp).
  uint64_t scratch_bytes() const override;
  void forward(const float* inp, float* out, int B, const ForwardContext& ctx) override;
  int forward_fused(const float* inp, float* out, Layer* const* next, float* const* next_out, int n_next, int B,
                    const ForwardContext& ctx) override;
  void backward(const float* inp, const float* out, const float* dout, float* dinp, int B, ThreadPool* pool) override;
  void set_algorithm(Algo a) {
    algo_ = a;
    planned_B_ = 0;
  }                                    // takes effect at the next plan()
  const char* forward_kernel() const;  // "im2col", "direct", "F(4x4,3x3)", ...

 private:
  void run_forward(const float* inp, float* out, int B, const ForwardContext& ctx, const ConvEpilogue& ep);
  // scratch: the worker's work(thread) (im2col_scratch_floats of the geometry)
  void im2col(const float* img, float* col, float* scratch) const;  // img (C, H, W) -> col (C*k*k, OH*OW)
  void col2im(const float* col, float* img, float* scratch) const;  // adds col back into img (C, H, W)
  int k_, stride_, pad_;
  bool has_bias_;
  float* w_ = nullptr;   // (filters, in.c*k*k)
  float* b_ = nullptr;   // (filters) or nullptr
  float* dw_ = nullptr;  // like w_
  float* db_ = nullptr;  // like b_
  int threads_ = 1;
  // The buffers plan_conv() sizes for the planned batch and threads, allocated in plan():
  std::vector<float> cols_;   // (threads, in.c*k*k, OH*OW): im2col per worker, or empty when
                              // no pass uses im2col
  std::vector<float> work_;   // (threads, plan_.work_per_thread): the kernels' padded planes and
                              // blocks per worker
  std::vector<float> dgrad_;  // (threads, filters*(in.c*k*k + 1)): per-worker dw|db partials
  Algo algo_ = Algo::Auto;
  int planned_B_ = 0;
  ConvPlan plan_;  // the kernels chosen (direct, direct_dw, Winograd) and the sizes
  float* cols_at(int thread) { return cols_.data() + static_cast<size_t>(thread) * plan_.cols_per_thread; }
  float* work_at(int thread) { return work_.data() + static_cast<size_t>(thread) * plan_.work_per_thread; }
  WinogradConv wino_fwd_;                   // the forward pass, when planned
  WinogradConv wino_bwd_;                   // the input gradient, when planned
  std::vector<float> bn_scale_, bn_shift_;  // (filters): a fused BatchNorm's inference affine
};

// Max pooling with a KxK window and stride S (no padding; partial windows at the border dropped).
class MaxPool2D final : public Layer {
 public:
  MaxPool2D(std::string name, Shape in, int kernel, int stride);
  static Shape output_shape(Shape in, int kernel, int stride);
  int kernel() const { return k_; }
  int stride() const { return stride_; }
  void plan(int B, int threads) override;
  int64_t macs() const override;
  uint64_t scratch_bytes() const override { return 4 * uint64_t{argmax_.size()}; }
  void forward(const float* inp, float* out, int B, const ForwardContext& ctx) override;
  void backward(const float* inp, const float* out, const float* dout, float* dinp, int B, ThreadPool* pool) override;

 private:
  int k_, stride_;
  std::vector<int32_t> argmax_;  // (B, out.size()): index into the sample's input of each maximum
};

class ReLU final : public Layer {
 public:
  ReLU(std::string name, Shape in) : Layer(LayerKind::ReLU, std::move(name), in, in) {}
  void forward(const float* inp, float* out, int B, const ForwardContext& ctx) override;
  void backward(const float* inp, const float* out, const float* dout, float* dinp, int B, ThreadPool* pool) override;
};

// (C, H, W) -> (C*H*W): a copy, kept as a layer so the explorer shows where the map becomes a vector.
class Flatten final : public Layer {
 public:
  Flatten(std::string name, Shape in) : Layer(LayerKind::Flatten, std::move(name), in, Shape{in.size(), 1, 1}) {}
  void forward(const float* inp, float* out, int B, const ForwardContext& ctx) override;
  void backward(const float* inp, const float* out, const float* dout, float* dinp, int B, ThreadPool* pool) override;
};

// Inverted dropout: in training, zero each value with probability rate and scale the rest by
// 1/(1-rate); in evaluation, the identity.
class Dropout final : public Layer {
 public:
  Dropout(std::string name, Shape in, float rate) : Layer(LayerKind::Dropout, std::move(name), in, in), rate_(rate) {}
  float rate() const { return rate_; }
  void plan(int B, int threads) override;
  uint64_t scratch_bytes() const override { return 4 * uint64_t{mask_.size()}; }
  void forward(const float* inp, float* out, int B, const ForwardContext& ctx) override;
  void backward(const float* inp, const float* out, const float* dout, float* dinp, int B, ThreadPool* pool) override;

 private:
  float rate_;
  bool last_train_ = false;
  std::vector<float> mask_;  // (B, size): 0 or 1/(1-rate), from the last training forward
};

// Fully connected: out (B, units) = inp (B, in) * W^T + b.
class Dense final : public Layer {
 public:
  Dense(std::string name, Shape in, int units, bool bias, bool relu_follows);
  const float* weight() const { return w_; }  // (units, in)
  std::vector<TensorInfo> param_tensors() const override;
  void bind(float* params, float* grads, float* buffers) override;
  void init(Rng& rng) override;
  int64_t macs() const override;
  void forward(const float* inp, float* out, int B, const ForwardContext& ctx) override;
  void backward(const float* inp, const float* out, const float* dout, float* dinp, int B, ThreadPool* pool) override;

 private:
  bool has_bias_, relu_follows_;
  float* w_ = nullptr;  // (units, in)
  float* b_ = nullptr;  // (units) or nullptr
  float* dw_ = nullptr;
  float* db_ = nullptr;
};

// Batch normalisation per channel (over batch, height and width), with a learned scale and shift.
// Training uses the batch's statistics and updates the running ones (momentum 0.9, unbiased
// variance, as PyTorch); evaluation uses the running statistics.
class BatchNorm final : public Layer {
 public:
  BatchNorm(std::string name, Shape in) : Layer(LayerKind::BatchNorm, std::move(name), in, in) {}
  static constexpr float kEps = 1e-5f;
  static constexpr float kMomentum = 0.9f;  // running = m * running + (1 - m) * batch
  std::vector<TensorInfo> param_tensors() const override;
  std::vector<TensorInfo> buffer_tensors() const override;
  void bind(float* params, float* grads, float* buffers) override;
  void init(Rng& rng) override;
  void plan(int B, int threads) override;
  uint64_t scratch_bytes() const override { return 4 * (uint64_t{mean_.size()} + invstd_.size()); }
  void forward(const float* inp, float* out, int B, const ForwardContext& ctx) override;
  void backward(const float* inp, const float* out, const float* dout, float* dinp, int B, ThreadPool* pool) override;
  // The evaluation-mode forward as y = x * scale + shift per channel (scale, shift: (C)), with the
  // state an evaluation forward leaves for backward: what a layer that computes this one's
  // output on its own way out (Conv2D::forward_fused) calls instead of forward().
  void inference_affine(float* scale, float* shift);

 private:
  float* gamma_ = nullptr;
  float* beta_ = nullptr;  // (C)
  float* dgamma_ = nullptr;
  float* dbeta_ = nullptr;  // (C)
  float* running_mean_ = nullptr;
  float* running_var_ = nullptr;  // (C)
  bool last_train_ = false;
  std::vector<float> mean_, invstd_;  // (C): statistics used by the last forward
};

}  // namespace dl
