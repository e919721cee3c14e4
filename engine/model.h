// model.h — a network: the layers built from a spec, one parameter block, one gradient block of the
// same layout, one buffer block (BatchNorm running statistics), and the activations planned for a
// batch size. After forward() every layer's output stays readable through activation(i) (the layer
// explorer reads them in place). No training logic lives here except the backward pass; see train.h.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "layers.h"
#include "resources.h"
#include "spec.h"
#include "status.h"

namespace dl {

class Model {
 public:
  Model() = default;
  // Moving keeps the blocks' heap storage, so the layers' pointers into them stay valid.
  Model(Model&&) = default;
  Model& operator=(Model&&) = default;

  // Builds the layers from a spec or preset name and initialises the parameters from seed.
  // On failure *out is left untouched. Before allocating anything, the model's memory at batch 1
  // (resources.h) is checked against budget_bytes, which then bounds every plan() of the model.
  static Status build(const std::string& spec, uint64_t seed, Model* out, uint64_t budget_bytes = kDefaultBudgetBytes);

  const std::string& spec() const { return spec_; }  // canonical spec text
  int num_layers() const { return static_cast<int>(layers_.size()); }
  const Layer& layer(int i) const { return *layers_[i]; }
  Layer& layer(int i) { return *layers_[i]; }
  Shape input_shape() const { return Shape{1, kImageSide, kImageSide}; }
  Shape output_shape() const { return layers_.back()->out(); }

  // Parameters (trained), their gradients (same layout) and buffers (not trained).
  std::vector<float>& params() { return params_; }
  const std::vector<float>& params() const { return params_; }
  std::vector<float>& grads() { return grads_; }
  std::vector<float>& buffers() { return buffers_; }
  const std::vector<float>& buffers() const { return buffers_; }
  const std::vector<TensorInfo>& param_tensors() const { return param_tensors_; }
  const std::vector<TensorInfo>& buffer_tensors() const { return buffer_tensors_; }
  int64_t num_params() const { return static_cast<int64_t>(params_.size()); }
  int64_t macs_per_image() const;  // multiply-accumulates of one forward pass

  // Re-plans activations and scratch for batch size B (a no-op when B is at most the planned size),
  // after checking with plan_resources that the model at B images on threads() threads fits its
  // budget; a batch that does not fit is refused with a sentence and the old plan stays.
  [[nodiscard]] Status plan(int batch);
  int planned_batch() const { return batch_; }
  uint64_t budget() const { return budget_; }
  const std::vector<LayerSpec>& layer_specs() const { return layer_specs_; }
  // Bytes of every buffer the model holds now (blocks, activations, the layers' scratch), which
  // tests compare with plan_resources.
  uint64_t allocated_bytes() const;

  void set_threads(int threads);  // 1 = no worker threads (default)
  int threads() const { return pool_ ? pool_->threads() : 1; }

  // Forward pass on B images (B, 784) in [0, 1]. Returns the logits (B, 10), valid until the next
  // forward. Plans for B if needed (allocation happens only then); a caller that takes B from
  // outside calls plan(B) first and handles its refusal (here a refusal is a programmer error).
  // With last_layer >= 0 only layers 0..last_layer run (the instruments that read early layers stop
  // there) and that layer's output is returned.
  const float* forward(const float* images, int B, bool train = false, Rng* rng = nullptr, int last_layer = -1);
  // Output of layer i from the last forward: (planned batch, layer(i).out().size()).
  const float* activation(int i) const { return acts_[i].data(); }
  const float* logits() const { return acts_.back().data(); }

  // Backward pass from dlogits (B, 10), after forward on the same batch. Accumulates into grads().
  // If dinput is not null it receives the gradient with respect to the input images (B, 784).
  void backward(const float* dlogits, float* dinput = nullptr);

  void zero_grads();

  // Gradient of the score (logit) of class `cls` with respect to the input image (784 values):
  // the saliency map. Uses eval mode. Overwrites the activations of the last forward.
  void input_gradient(const float* image, int cls, float* dimage);

  // Knock-outs (ablation, the Layers view's "switch this unit off"): channel `channel` of layer
  // `layer`'s output (a feature map, or one unit of a vector output) is forced to 0 after the layer
  // runs, so every layer after it sees 0. An instrument for inference: backward() does not know of
  // it and a TrainRun never sets one. A layer with knock-outs is not fused with the layers after it.
  // Indices out of range are a programmer error (asserted).
  void set_unit_off(int layer, int channel, bool off);
  bool unit_off(int layer, int channel) const;
  int units_off() const { return units_off_; }  // in all layers
  int units_off(int layer) const;
  void clear_units_off();
  // The whole set, to copy it to a clone of the model (the page scores knock-outs on a copy).
  const std::vector<std::vector<uint8_t>>& knockouts() const { return off_; }
  void set_knockouts(const std::vector<std::vector<uint8_t>>& off);

 private:
  bool knocked_out(size_t layer) const;  // the layer has a unit off
  void apply_knockouts(int layer, int B);
  void bind_all();

  std::string spec_;
  std::vector<LayerSpec> layer_specs_;     // the parsed spec, for plan_resources
  uint64_t budget_ = kDefaultBudgetBytes;  // bytes the model may hold at any plan
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<float> params_, grads_, buffers_;
  std::vector<TensorInfo> param_tensors_, buffer_tensors_;
  std::vector<std::vector<float>> acts_;   // acts_[i] = output of layer i, (batch_, out.size())
  std::vector<std::vector<float>> dacts_;  // gradients of the same layout
  const float* input_ = nullptr;           // the input of the last forward (caller's buffer)
  int batch_ = 0;
  int last_B_ = 0;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<float> dlogits_scratch_;
  std::vector<std::vector<uint8_t>> off_;  // off_[layer][channel] != 0: forced to 0; empty: none
  int units_off_ = 0;
};

// A copy of `src` (spec, parameters, buffers, knock-outs; one thread) in *out, for work that must
// not touch the original (a background job while the page keeps answering with it).
Status clone_model(const Model& src, Model* out);

// Softmax + cross-entropy, averaged over the batch. Writes probs (B, 10) and dlogits (B, 10)
// (either may be nullptr), returns the mean loss. Labels are 0..9.
float softmax_cross_entropy(const float* logits, const uint8_t* labels, int B, float* probs, float* dlogits);
void softmax(const float* logits, int B, float* probs);

}  // namespace dl
