// layer_run.h — the Layers view's data: the steps of the model on the pad (the input, each layer,
// the softmax), every step's output for one input, the answer and its saliency, computed once per
// change of model or input; and the model's receptive-field table. No ImGui and no GL: the view's
// panels (layer_view.h) only read it.
#pragma once
#include <string>
#include <vector>

#include "layers.h"
#include "model.h"
#include "receptive_field.h"
#include "shape.h"

namespace app {

struct LayerStep {
  enum class Role { Input, Layer, Softmax };
  std::string name;  // "input", "conv1", ..., "softmax"
  Role role = Role::Input;
  dl::LayerKind kind = dl::LayerKind::Conv;  // for Role::Layer
  dl::Shape shape;                           // of the step's output
  int model_layer = -1;                      // Model::layer index, -1 for the input and softmax steps
  bool is(dl::LayerKind k) const { return role == Role::Layer && kind == k; }
  // "input", "softmax", or the layer's kind ("conv", "batchnorm", "relu", "maxpool", ...).
  const char* kind_name() const;
};

class LayerRun {
 public:
  // The steps of `model` (only the input when it is null), zeroed outputs, and its windows.
  void Rebuild(const dl::Model* model);
  // Runs `model` (the one Rebuild saw, or null) on a 28x28 input: every step's output, the
  // probabilities, and with ink the answer and the saliency |d score(answer) / d pixel|.
  void Run(dl::Model* model, const float* input28, bool has_ink);

  const std::vector<LayerStep>& steps() const { return steps_; }
  const std::vector<float>& activations(int step) const { return acts_[step]; }
  const dl::ReceptiveFields& fields() const { return fields_; }
  const float* input() const { return input_; }
  const float* saliency() const { return saliency_; }
  const float* probs() const { return probs_; }
  int digit() const { return digit_; }  // -1 without ink or model
  bool has_input() const { return has_input_; }
  int runs() const { return runs_; }         // bumps on every Run
  double run_ms() const { return run_ms_; }  // the last forward pass + saliency + copies

 private:
  std::vector<LayerStep> steps_;
  std::vector<std::vector<float>> acts_;  // acts_[step] = the step's output (shape.size())
  dl::ReceptiveFields fields_;
  float input_[dl::kImageSize] = {};
  float saliency_[dl::kImageSize] = {};
  float probs_[dl::kClasses] = {};
  int digit_ = -1;
  bool has_input_ = false;
  int runs_ = 0;
  double run_ms_ = 0;
};

}  // namespace app
