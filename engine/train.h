// train.h — one training step as an API: forward, loss, zero grads, backward, update.
// After the first call for a batch size it allocates nothing. Epoch loops, shuffling and
// augmentation live outside (the CLI, the web app, the tests), built on this step.
#pragma once
#include <cstdint>

#include "model.h"
#include "optimizer.h"

namespace dl {

struct StepResult {
  float loss = 0.0f;   // mean cross-entropy over the batch
  int correct = 0;     // argmax(logits) == label, counted on the batch (train mode)
  bool finite = true;  // false if the loss or any gradient was NaN/Inf (the update was NOT applied),
                       // or the update made a parameter non-finite (restore a snapshot: see finish_batch)
};

class Trainer {
 public:
  Trainer(Model* model, const OptimizerConfig& cfg, uint64_t seed);
  // One step on B images (B, 784) with labels (B). lr is the learning rate for this step.
  StepResult step(const float* images, const uint8_t* labels, int B, float lr);

  // The same step with the batch split into chunks, for callers that must return between chunks
  // (the browser trains inside its frame loop, and one batch of a big network takes longer than a
  // frame). begin_batch(); accumulate() on each chunk with weight = chunk size / batch size; then
  // finish_batch(lr). The result equals step() on the whole batch, except that BatchNorm takes its
  // statistics per chunk. accumulate() returns finite=false when the chunk's loss is NaN/Inf
  // (abandon the batch: nothing was applied); finish_batch() returns false, and applies nothing,
  // when an accumulated gradient is not finite, and returns false too when the update it applied
  // made a parameter or a BatchNorm statistic non-finite: then the parameters and the optimizer's
  // moments are unusable until the caller restores its last good snapshot or checkpoint.
  void begin_batch();
  StepResult accumulate(const float* images, const uint8_t* labels, int B, float weight);
  bool finish_batch(float lr);
  Optimizer& optimizer() { return opt_; }
  Rng& rng() { return rng_; }

 private:
  Model* model_;
  Optimizer opt_;
  Rng rng_;
  std::vector<float> dlogits_;  // (B, 10)
};

int argmax10(const float* v);

}  // namespace dl
