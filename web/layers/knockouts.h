// knockouts.h — the Layers view's knock-outs (ablation): feature maps or dense units switched off in
// the model on the Draw view (dl::Model::set_unit_off: the unit's output is 0 for every later layer),
// so the answer on both views changes at once, and "what this costs": the test accuracy with the
// units off against all on, overall and per digit, computed in the background (analysis_jobs.h) on a
// copy of the model. The accuracy with all units on is computed once per model.
//
// Knock-outs belong to one model: a model loaded or trained (any new ModelSlot::version) starts with
// none, and the panel says so. Steps are the view's: 1..num_layers is model layer step - 1; the input
// and the softmax have nothing to switch off.
#pragma once
#include <array>
#include <memory>
#include <string>

#include "analysis_jobs.h"
#include "shape.h"
#include "ui_common.h"

namespace app {

struct State;

class Knockouts {
 public:
  // Switches `channel` of `step` off or on; "" or the sentence why not (a bad step or channel).
  std::string Set(State& s, int step, int channel, bool off);
  // Every channel of the step off or on.
  std::string SetStep(State& s, int step, bool off);
  void Reset(State& s);
  int Count(const State& s) const;

  // Every main-loop iteration: forgets the knock-outs and figures of a model that was replaced,
  // collects finished jobs and starts the ones the current knock-outs need (when there are some, or
  // when Want() asked). True when something changed on screen.
  bool Poll(State& s, JobRunner& jobs);
  void Want() { wanted_ = true; }  // the automation API waits for the figure even with none off

  // The buttons for `step` (1..num_layers) and the figure, `width` wide.
  void Draw(State& s, int step, float width);

  enum class Phase { Idle, Computing, Ready, Failed };
  // The figure for the knock-outs as they are now (all on: the baseline itself).
  Phase phase(const State& s) const;
  float progress() const;
  bool Busy() const { return job_ || baseline_job_; }
  float accuracy() const { return accuracy_; }  // valid when phase() == Ready
  const std::array<float, dl::kClasses>& per_class() const { return per_class_; }
  float baseline() const { return baseline_; }
  const std::array<float, dl::kClasses>& baseline_per_class() const { return baseline_per_class_; }
  bool baseline_ready() const { return baseline_ready_; }
  double seconds() const { return seconds_; }
  const std::string& error() const { return error_; }

  // Where the buttons were drawn (for the automation API).
  Rect all_off_button, all_on_button, reset_button;

 private:
  void Invalidate();

  int model_version_ = -1;
  bool wanted_ = false;
  std::shared_ptr<AccuracyJob> baseline_job_, job_;
  int job_knockouts_ = -1;  // ModelSlot::knockouts the running job scores
  bool baseline_ready_ = false;
  float baseline_ = 0;
  std::array<float, dl::kClasses> baseline_per_class_{};
  int result_knockouts_ = -1;  // ModelSlot::knockouts of accuracy_ (-1: none)
  float accuracy_ = 0;
  std::array<float, dl::kClasses> per_class_{};
  double seconds_ = 0;
  std::string error_;
};

}  // namespace app
