// train.cpp — the training step of train.h.
#include "train.h"

#include <cmath>

namespace dl {

int argmax10(const float* v) {
  int best = 0;
  for (int k = 1; k < kClasses; ++k)
    if (v[k] > v[best]) best = k;
  return best;
}

Trainer::Trainer(Model* model, const OptimizerConfig& cfg, uint64_t seed)
    : model_(model), opt_(cfg, model->params().size(), model->param_tensors()), rng_(seed, 0xd209) {}

StepResult Trainer::step(const float* images, const uint8_t* labels, int B, float lr) {
  // One batch is one chunk of weight 1 (exact), so step and the chunked path give the same bits.
  begin_batch();
  StepResult r = accumulate(images, labels, B, 1.0f);
  if (r.finite) r.finite = finish_batch(lr);
  return r;
}

void Trainer::begin_batch() { model_->zero_grads(); }

StepResult Trainer::accumulate(const float* images, const uint8_t* labels, int B, float weight) {
  StepResult r;
  if (dlogits_.size() < static_cast<size_t>(B) * kClasses) dlogits_.assign(static_cast<size_t>(B) * kClasses, 0.0f);
  const float* logits = model_->forward(images, B, /*train=*/true, &rng_);
  r.loss = softmax_cross_entropy(logits, labels, B, nullptr, dlogits_.data());
  for (int n = 0; n < B; ++n) r.correct += argmax10(logits + n * kClasses) == labels[n];
  if (!std::isfinite(r.loss)) {
    r.finite = false;
    return r;
  }
  // dlogits is the gradient of this chunk's mean loss; weighted, the chunks add up to the batch mean.
  for (int i = 0; i < B * kClasses; ++i) dlogits_[i] *= weight;
  model_->backward(dlogits_.data(), nullptr);
  return r;
}

namespace {
bool all_finite(const std::vector<float>& v) {
  float sum = 0.0f;
  for (float x : v) sum += x * 0.0f;  // NaN/Inf propagate through x * 0
  return std::isfinite(sum);
}
}  // namespace

bool Trainer::finish_batch(float lr) {
  // A non-finite gradient would poison the parameters and the optimizer's moments for good:
  // refuse the update and let the caller decide (lower the learning rate, restore a checkpoint).
  const std::vector<float>& g = model_->grads();
  if (!all_finite(g)) return false;
  opt_.step(model_->params().data(), g.data(), lr);
  // Finite gradients can still make a parameter (or a BatchNorm statistic) overflow: an Inf step.
  // Say so, so that no snapshot or checkpoint is taken of it (issue 12, finding 9).
  return all_finite(model_->params()) && all_finite(model_->buffers());
}

}  // namespace dl
