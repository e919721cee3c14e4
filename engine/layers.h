// layers.h — the layers of a DigitLab network, each a forward/backward pair.
//
// Conventions (shared by every layer):
//   * forward(inp, out, B, ctx): inp is (B, in.size()), out is (B, out.size()), NCHW row-major.
//   * backward(inp, out, dout, dinp, B): given the forward's input and output and the gradient of
//     the loss with respect to out, ADD the parameter gradients into the layer's d-pointers and
//     WRITE dinp (dinp may be nullptr for the first layer when no input gradient is wanted).
//     Parameter gradients accumulate (+=); the training step zeroes them once.
//   * Parameters, their gradients and non-trained buffers (BatchNorm running statistics) live in
//     blocks owned by the Model; a layer only holds pointers into them (see bind()).
//   * Per-batch scratch (im2col columns, pooling argmax, dropout masks, batch statistics) is sized
//     by plan(B) and reused until the next plan with another batch size.
// The layers know nothing about files, specs or screens.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "parallel.h"
#include "rng.h"
#include "shape.h"

namespace dl {

enum class LayerKind { Conv, MaxPool, ReLU, Dense, Flatten, Dropout, BatchNorm };
const char* layer_kind_name(LayerKind k);  // "conv", "maxpool", ...

// One named tensor of a layer inside the model's parameter (or buffer) block.
struct TensorInfo {
  std::string name;        // e.g. "conv1.weight"
  std::vector<int> shape;  // e.g. {32, 1, 5, 5}
  size_t offset = 0;       // in floats, into Model::params (or Model::buffers)
  size_t count = 0;        // product of shape
  bool decay = false;      // weight decay applies (weights yes; biases and BatchNorm no)
};

struct ForwardContext {
  bool train = false;          // dropout active, BatchNorm uses batch statistics and updates running ones
  Rng* rng = nullptr;          // dropout masks (train only)
  ThreadPool* pool = nullptr;  // may be nullptr: single thread
};

class Layer {
 public:
  virtual ~Layer() = default;
  LayerKind kind() const { return kind_; }
  const std::string& name() const { return name_; }  // "conv1", "relu1", "pool1", "fc1", ...
  Shape in() const { return in_; }
  Shape out() const { return out_; }

  // Parameter tensors (weights/biases) and buffer tensors (running statistics), in order.
  virtual std::vector<TensorInfo> param_tensors() const { return {}; }
  virtual std::vector<TensorInfo> buffer_tensors() const { return {}; }
  // Point the layer at its slices of the model's blocks (offsets as in the tensor infos).
  virtual void bind(float* /*params*/, float* /*grads*/, float* /*buffers*/) {}
  // Fill parameters with their initial values (He/Glorot), buffers with their defaults.
  virtual void init(Rng& /*rng*/) {}
  // Size per-batch scratch for batch size B (the only place a layer allocates).
  virtual void plan(int /*B*/, int /*threads*/) {}
  // Multiply-accumulates of one forward pass for one sample (for `digitlab info` and tables).
  virtual int64_t macs() const { return 0; }
  // Bytes of the per-batch scratch plan() allocated (tests compare it with plan_resources).
  virtual uint64_t scratch_bytes() const { return 0; }

  virtual void forward(const float* inp, float* out, int B, const ForwardContext& ctx) = 0;
  // forward(), and also the forward passes of the layers right after this one when this layer can
  // compute them on the way out (a convolution's bias, BatchNorm at inference and ReLU): next[j]
  // is the layer j + 1 places on and next_out[j] its output buffer (n_next of them). Returns how
  // many of them it computed (their outputs, and their state for backward, are then as if their
  // own forward had run). The default computes none.
  virtual int forward_fused(const float* inp, float* out, Layer* const* next, float* const* next_out, int n_next, int B,
                            const ForwardContext& ctx) {
    (void)next;
    (void)next_out;
    (void)n_next;
    forward(inp, out, B, ctx);
    return 0;
  }
  virtual void backward(const float* inp, const float* out, const float* dout, float* dinp, int B,
                        ThreadPool* pool) = 0;

 protected:
  Layer(LayerKind k, std::string name, Shape in, Shape out) : kind_(k), name_(std::move(name)), in_(in), out_(out) {}
  LayerKind kind_;
  std::string name_;
  Shape in_, out_;
};

}  // namespace dl
