// layer_run.cpp — see layer_run.h.
#include "layer_run.h"

#include <algorithm>
#include <cmath>

#include "metrics.h"
#include "ui_common.h"

namespace app {

const char* LayerStep::kind_name() const {
  switch (role) {
    case Role::Input: return "input";
    case Role::Softmax: return "softmax";
    case Role::Layer: break;
  }
  return dl::layer_kind_name(kind);
}

void LayerRun::Rebuild(const dl::Model* model) {
  steps_.clear();
  steps_.push_back(
      {"input", LayerStep::Role::Input, dl::LayerKind::Conv, dl::Shape{1, dl::kImageSide, dl::kImageSide}, -1});
  if (model) {
    for (int i = 0; i < model->num_layers(); ++i) {
      const dl::Layer& l = model->layer(i);
      steps_.push_back({l.name(), LayerStep::Role::Layer, l.kind(), l.out(), i});
    }
    steps_.push_back({"softmax", LayerStep::Role::Softmax, dl::LayerKind::Dense, dl::Shape{dl::kClasses, 1, 1}, -1});
  }
  fields_ = model ? dl::ReceptiveFields(*model) : dl::ReceptiveFields();
  acts_.resize(steps_.size());
  for (size_t i = 0; i < steps_.size(); ++i) acts_[i].assign(steps_[i].shape.size(), 0.0f);
}

void LayerRun::Run(dl::Model* model, const float* input28, bool has_ink) {
  const double t0 = now_ms();
  std::copy(input28, input28 + dl::kImageSize, input_);
  has_input_ = has_ink;
  std::copy(input_, input_ + dl::kImageSize, acts_[0].begin());
  digit_ = -1;
  std::fill(saliency_, saliency_ + dl::kImageSize, 0.0f);
  std::fill(probs_, probs_ + dl::kClasses, 0.0f);
  if (model) {
    const float* logits = model->forward(input_, 1);
    dl::softmax(logits, 1, probs_);
    for (int i = 0; i < model->num_layers(); ++i) {
      const float* a = model->activation(i);  // row 0 of the planned batch
      std::copy(a, a + model->layer(i).out().size(), acts_[i + 1].begin());
    }
    std::copy(probs_, probs_ + dl::kClasses, acts_.back().begin());
    if (has_input_) {
      digit_ = static_cast<int>(std::max_element(probs_, probs_ + dl::kClasses) - probs_);
      model->input_gradient(input_, digit_, saliency_);  // overwrites the activations: copied above
      for (float& v : saliency_) v = std::fabs(v);
    }
    // An empty pad: nothing to explain, but the maps still show what a blank input gives.
  }
  ++runs_;
  run_ms_ = now_ms() - t0;
}

}  // namespace app
