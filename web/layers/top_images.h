// top_images.h — what a channel responds to: the 9 test images that activate it most.
//
// A scan runs over the whole test set a few batches per frame (the page stays responsive and
// shows a progress bar), on its own copy of the model, so the model on screen, its planned batch
// of 1 and its activations are never touched. Only the layers up to the chosen one run. For each
// image the channel's strongest unit (its maximum over the map) is the score, and its position is
// kept so the view can mark the strongest region (the unit's receptive field).
#pragma once
#include <cstdint>
#include <vector>

#include "model.h"
#include "test_images.h"

namespace app {

class TopImages {
 public:
  static constexpr int kTop = 9;
  static constexpr int kBatch = 32;  // images per forward pass, or fewer when the model's budget asks

  struct Hit {
    int index = -1;    // test-set image
    float value = 0;   // the channel's maximum on it
    int y = 0, x = 0;  // where the maximum is, in the layer's output map
  };

  // Starts (or restarts) a scan of layer `layer` (model layer index), channel `channel`.
  void Start(const dl::Model& model, int model_version, const TestImages& test, int layer, int channel);
  // Runs batches for about budget_ms. Returns true while more work is left.
  bool Step(const TestImages& test, double budget_ms);

  bool Running() const { return running_; }
  bool Done() const { return done_; }
  float Progress() const { return total_ ? static_cast<float>(next_) / total_ : 0.0f; }
  int Layer() const { return layer_; }
  int Channel() const { return channel_; }
  int ModelVersion() const { return model_version_; }
  const std::vector<Hit>& Hits() const { return hits_; }  // best first, up to kTop
  double Ms() const { return ms_; }

 private:
  dl::Model copy_;                        // the scan's own model (same spec, same parameters)
  std::vector<std::vector<float>> bufs_;  // two (batch_, largest layer size) ping-pong buffers
  int batch_ = kBatch;                    // the copy's planned batch
  std::vector<Hit> hits_;
  int layer_ = -1, channel_ = -1, model_version_ = -1;
  int next_ = 0, total_ = 0;
  bool running_ = false, done_ = false;
  double ms_ = 0;  // time spent so far
};

}  // namespace app
