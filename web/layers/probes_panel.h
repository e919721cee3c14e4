// probes_panel.h — the Layers view's Probes panel: for the model on the Draw view, a linear probe per
// step (dl::ProbeRun, see engine/probe.h: a softmax regression on the step's features of N training
// images, scored on the 10,000 test images), computed in the background (analysis_jobs.h) with a
// progress bar, then one bar per step from the input to the logits, coloured like the strip, the
// current step highlighted: how much of the digit a linear read-out finds after each layer.
//
// The training images come with the MNIST files the Train view uses: the panel asks for them when
// they are not there yet (the page downloads them once) and says so when the server has none.
// A new model (ModelSlot::version) cancels a run and forgets the bars.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "analysis_jobs.h"
#include "dataset.h"
#include "probe.h"
#include "ui_common.h"

namespace app {

struct State;
class LayerView;

class ProbesPanel {
 public:
  static constexpr int kDefaultImages = 5000;

  // Computes the probes with `images` training images (10..kProbePool) for the model on the Draw
  // view, unless they are there already; "" or the sentence why not.
  std::string Request(State& s, int images);
  // The training images, from the MNIST training set when it arrives (training_set_data).
  void SetPool(std::shared_ptr<const dl::Dataset> pool) { pool_ = std::move(pool); }
  // The same images for Teach it's MNIST mix (my_digits_app.h); null until they arrive.
  const std::shared_ptr<const dl::Dataset>& pool() const { return pool_; }

  // Every main-loop iteration: starts a run whose data has arrived, collects a finished one,
  // forgets a replaced model's. True when something changed on screen.
  bool Poll(State& s, JobRunner& jobs);
  void Draw(State& s, LayerView& view, float width, float height);

  enum class Phase { Idle, Loading, Running, Done, Failed };
  Phase phase() const { return phase_; }
  float progress() const { return job_ ? job_->progress() : phase_ == Phase::Done ? 1.0f : 0.0f; }
  double seconds() const { return seconds_; }
  int images() const { return images_; }
  const std::string& message() const { return message_; }
  const std::vector<dl::ProbeResult>& results() const { return results_; }  // when Done
  bool Busy() const { return phase_ == Phase::Loading || phase_ == Phase::Running; }

  Rect compute_button;  // where "Compute probes" was drawn (for the automation API)

 private:
  void Start(State& s, JobRunner& jobs);
  void DrawBars(LayerView& view, int first, int last, float width, float row);  // results_[first, last)

  std::shared_ptr<const dl::Dataset> pool_;
  std::shared_ptr<ProbeJob> job_;
  Phase phase_ = Phase::Idle;
  int model_version_ = -1;
  int images_ = kDefaultImages;
  double seconds_ = 0;
  std::string message_;
  std::vector<dl::ProbeResult> results_;
  bool zoom_ = false;  // the bars from 80% instead of 0 (the differences between deep steps are small)
};

}  // namespace app
