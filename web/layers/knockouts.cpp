// knockouts.cpp — see knockouts.h.
#include "knockouts.h"

#include <algorithm>
#include <cstdio>

#include "app.h"
#include "app_state.h"
#include "imgui.h"
#include "layer_style.h"
#include "ui_items.h"

namespace app {

namespace {


// "" when `step` is a layer of the loaded model, else why not.
std::string check_step(const State& s, int step) {
  if (!s.model.loaded) return "no model is loaded";
  const int layers = s.model.model.num_layers();
  if (step < 1 || step > layers) {
    char buf[200];
    std::snprintf(buf, sizeof(buf),
                  "step %d has no units to switch off: the steps with units are 1 to %d (step 0 is the input, "
                  "step %d the softmax)",
                  step, layers, layers + 1);
    return buf;
  }
  return "";
}

}  // namespace

std::string Knockouts::Set(State& s, int step, int channel, bool off) {
  std::string why = check_step(s, step);
  if (!why.empty()) return why;
  const int channels = s.model.model.layer(step - 1).out().c;
  if (channel < 0 || channel >= channels) {
    char buf[160];
    std::snprintf(buf, sizeof(buf), "step %d (%s) has channels 0 to %d, not %d", step,
                  s.model.model.layer(step - 1).name().c_str(), channels - 1, channel);
    return buf;
  }
  if (s.model.model.unit_off(step - 1, channel) == off) return "";
  s.model.model.set_unit_off(step - 1, channel, off);
  ++s.model.knockouts;
  request_redraw(s);
  return "";
}

std::string Knockouts::SetStep(State& s, int step, bool off) {
  std::string why = check_step(s, step);
  if (!why.empty()) return why;
  dl::Model& m = s.model.model;
  const int channels = m.layer(step - 1).out().c;
  bool changed = false;
  for (int c = 0; c < channels; ++c) {
    if (m.unit_off(step - 1, c) == off) continue;
    m.set_unit_off(step - 1, c, off);
    changed = true;
  }
  if (changed) {
    ++s.model.knockouts;
    request_redraw(s);
  }
  return "";
}

void Knockouts::Reset(State& s) {
  if (!s.model.loaded || s.model.model.units_off() == 0) return;
  s.model.model.clear_units_off();
  ++s.model.knockouts;
  request_redraw(s);
}

int Knockouts::Count(const State& s) const { return s.model.loaded ? s.model.model.units_off() : 0; }

void Knockouts::Invalidate() {
  if (job_) job_->Cancel();
  if (baseline_job_) baseline_job_->Cancel();
  job_.reset();
  baseline_job_.reset();
  job_knockouts_ = result_knockouts_ = -1;
  baseline_ready_ = false;
  wanted_ = false;
  error_.clear();
}

bool Knockouts::Poll(State& s, JobRunner& jobs) {
  bool changed = false;
  if (model_version_ != s.model.version) {
    // Another model (a file, a trained one, the pad's own again): it starts with every unit on.
    model_version_ = s.model.version;
    if (s.model.loaded && s.model.model.units_off() > 0) {
      s.model.model.clear_units_off();
      ++s.model.knockouts;
    }
    Invalidate();
    changed = true;
  }
  if (baseline_job_ && baseline_job_->finished()) {
    if (baseline_job_->error().empty()) {
      baseline_ = baseline_job_->accuracy();
      baseline_per_class_ = baseline_job_->per_class();
      baseline_ready_ = true;
    } else {
      error_ = baseline_job_->error();
    }
    baseline_job_.reset();
    changed = true;
  }
  if (job_ && job_->finished()) {
    if (job_->error().empty()) {
      accuracy_ = job_->accuracy();
      per_class_ = job_->per_class();
      seconds_ = job_->seconds();
      result_knockouts_ = job_knockouts_;
    } else {
      error_ = job_->error();
    }
    job_.reset();
    changed = true;
  }
  const bool any = Count(s) > 0;
  if (!any && job_) {  // all back on: the figure is the baseline's
    job_->Cancel();
    job_.reset();
    job_knockouts_ = -1;
  }
  if (!s.model.loaded || !s.layers.test.loaded || !error_.empty() || !(any || wanted_)) return changed;
  // What the figure needs now: the accuracy with all units on (once per model), and with the units
  // off as they are now (a change cancels the job for the previous set).
  const auto clone = [&](std::shared_ptr<AccuracyJob>* job, bool with_knockouts) {
    dl::Model copy;
    const dl::Status st = dl::clone_model(s.model.model, &copy);
    if (!st.ok()) {
      error_ = st.message();
      return;
    }
    if (!with_knockouts) copy.clear_units_off();
    *job = std::make_shared<AccuracyJob>(std::move(copy), s.layers.test.data);
    jobs.Submit(*job);
  };
  if (!baseline_ready_ && !baseline_job_) {
    clone(&baseline_job_, false);
    changed = true;
  }
  if (any && result_knockouts_ != s.model.knockouts && job_knockouts_ != s.model.knockouts) {
    if (job_) job_->Cancel();
    job_.reset();
    job_knockouts_ = s.model.knockouts;
    clone(&job_, true);
    changed = true;
  }
  return changed;
}

Knockouts::Phase Knockouts::phase(const State& s) const {
  if (!error_.empty()) return Phase::Failed;
  if (Count(s) == 0) return baseline_ready_ ? Phase::Ready : baseline_job_ ? Phase::Computing : Phase::Idle;
  if (result_knockouts_ == s.model.knockouts && baseline_ready_) return Phase::Ready;
  return job_ || baseline_job_ ? Phase::Computing : Phase::Idle;
}

float Knockouts::progress() const {
  if (job_ && baseline_job_) return 0.5f * (job_->progress() + baseline_job_->progress());
  if (job_) return job_->progress();
  if (baseline_job_) return baseline_job_->progress();
  return 1.0f;
}

void Knockouts::Draw(State& s, int step, float width) {
  const bool classroom = s.classroom;
  const dl::Model& m = s.model.model;
  const int layers = s.model.loaded ? m.num_layers() : 0;
  const bool has_units = step >= 1 && step <= layers;
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
  if (!has_units) {
    ImGui::TextColored(ImColor(kMuted).Value, "%s",
                       step == 0 ? "The input has nothing to switch off: step to a layer."
                                 : "The softmax has nothing to switch off: its inputs are the step before it.");
  } else {
    const int channels = m.layer(step - 1).out().c;
    const bool spatial = m.layer(step - 1).out().h > 1 || m.layer(step - 1).out().w > 1;
    if (!classroom)
      ImGui::TextColored(ImColor(kMuted).Value,
                         spatial ? "Click a map to switch it off: its output becomes 0 for every later layer. "
                                   "Click it again to switch it on."
                                 : "Click a unit to switch it off: its output becomes 0 for every later layer. "
                                   "Click it again to switch it on.");
    // The buttons in a row, wrapped when the column is narrow (classroom mode, a phone).
    const float x0 = ImGui::GetCursorScreenPos().x;
    const auto next = [&](const char* label) {
      const float w = ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2;
      ImGui::SameLine();
      if (ImGui::GetCursorScreenPos().x + w > x0 + width) ImGui::NewLine();
    };
    if (ImGui::Button("All off")) SetStep(s, step, true);
    all_off_button = last_item_rect();
    next("All on");
    if (ImGui::Button("All on")) SetStep(s, step, false);
    all_on_button = last_item_rect();
    next("Reset all");
    ImGui::BeginDisabled(Count(s) == 0);
    if (ImGui::Button("Reset all")) Reset(s);
    ImGui::EndDisabled();
    reset_button = last_item_rect();
    ImGui::Text("%d of %d %s off here, %d in all", m.units_off(step - 1), channels, spatial ? "maps" : "units",
                Count(s));
  }
  if (!classroom)
    ImGui::TextColored(ImColor(kMuted).Value,
                       "Knock-outs change the model on the Draw view too; loading or training another model "
                       "clears them.");

  // What this costs: the test accuracy with the units off against all on.
  ImGui::Spacing();
  ImGui::Text("What this costs");
  if (!s.layers.test.loaded) {
    ImGui::TextColored(ImColor(kMuted).Value, "%s",
                       "Needs the MNIST test images on the server (build with MNIST_DIR set).");
    ImGui::PopTextWrapPos();
    return;
  }
  if (!error_.empty()) {
    ImGui::TextColored(ImColor(kOff).Value, "%s", error_.c_str());
    ImGui::PopTextWrapPos();
    return;
  }
  const Phase ph = phase(s);
  if (Count(s) == 0) {
    if (baseline_ready_)
      ImGui::TextColored(ImColor(kMuted).Value, "Test accuracy with every unit on: %.2f%%", 100.0 * baseline_);
    else ImGui::TextColored(ImColor(kMuted).Value, "Switch a unit off to see the test accuracy it costs.");
    ImGui::PopTextWrapPos();
    return;
  }
  if (ph != Phase::Ready) {
    char label[64];
    std::snprintf(label, sizeof(label), "%.0f%% of 10,000 test images", 100.0 * progress());
    ImGui::ProgressBar(progress(), ImVec2(width, 0), label);
    ImGui::PopTextWrapPos();
    return;
  }
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%.1f%% \xe2\x86\x92 %.1f%%", 100.0 * baseline_, 100.0 * accuracy_);
  big_text(buf, classroom ? 1.4f : 1.6f, accuracy_ < baseline_ - 0.0005f ? kOff : kText);
  ImGui::TextColored(ImColor(kMuted).Value, "test accuracy, all on \xe2\x86\x92 with %d off (%+.1f points)", Count(s),
                     100.0 * (accuracy_ - baseline_));
  // Per digit: the accuracy with all on (grey) and with the units off (coloured), and the change.
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeightWithSpacing() * 1.1f;
  const float label_w = ImGui::CalcTextSize("0 ").x;
  const float delta_w = ImGui::CalcTextSize("-100.0").x;
  const float bar_w = std::max(10.0f, width - label_w - delta_w - ImGui::GetFontSize() * 0.5f);
  for (int d = 0; d < dl::kClasses; ++d) {
    const ImVec2 a = ImGui::GetCursorScreenPos();
    char t[24];
    std::snprintf(t, sizeof(t), "%d", d);
    draw->AddText(a, kText, t);
    const float x0 = a.x + label_w, h = line * 0.8f;
    draw->AddRectFilled(ImVec2(x0, a.y + 1), ImVec2(x0 + bar_w, a.y + h), IM_COL32(38, 42, 52, 255));
    draw->AddRectFilled(ImVec2(x0, a.y + 1), ImVec2(x0 + bar_w * baseline_per_class_[d], a.y + h * 0.45f),
                        IM_COL32(120, 126, 140, 255));
    const float drop = per_class_[d] - baseline_per_class_[d];
    draw->AddRectFilled(ImVec2(x0, a.y + h * 0.5f), ImVec2(x0 + bar_w * per_class_[d], a.y + h),
                        drop < -0.02f ? kOff : digit_colour(d));
    std::snprintf(t, sizeof(t), "%+.1f", 100.0 * drop);
    draw->AddText(ImVec2(x0 + bar_w + ImGui::GetFontSize() * 0.4f, a.y), drop < -0.02f ? kOff : kMuted, t);
    ImGui::Dummy(ImVec2(width, line));
  }
  if (!classroom)
    ImGui::TextColored(ImColor(kMuted).Value, "per digit: grey all on, colour with the units off; points lost");
  ImGui::PopTextWrapPos();
}

}  // namespace app
