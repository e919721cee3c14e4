// probes_panel.cpp — see probes_panel.h.
#include "probes_panel.h"

#include <algorithm>
#include <cstdio>

#include "app.h"
#include "app_state.h"
#include "imgui.h"
#include "layer_style.h"
#include "layer_view.h"

namespace app {

namespace {

std::string thousands(int n) {
  char buf[32];
  if (n >= 1000) std::snprintf(buf, sizeof(buf), "%d,%03d", n / 1000, n % 1000);
  else std::snprintf(buf, sizeof(buf), "%d", n);
  return buf;
}

}  // namespace

std::string ProbesPanel::Request(State& s, int images) {
  if (images < 10 || images > kProbePool)
    return "probes take between 10 and " + std::to_string(kProbePool) + " training images (got " +
           std::to_string(images) + ")";
  if (!s.model.loaded) return "no model is loaded: load one in the Draw view first";
  if (phase_ == Phase::Done && images == images_ && model_version_ == s.model.version) return "";
  if (Busy() && images == images_ && model_version_ == s.model.version) return "";
  if (job_) job_->Cancel();
  job_.reset();
  results_.clear();
  images_ = images;
  model_version_ = s.model.version;
  message_.clear();
  phase_ = Phase::Loading;  // Poll starts the run once the images are there
  Training& t = s.training;
  if (!pool_ && t.mnist_missing.empty() && t.data.kind != TrainingData::Loading && !t.session.HasData()) {
    t.data.kind = TrainingData::Loading;
    t.data.received = 0;
    t.want_data = true;  // the platform fetches the MNIST files after this frame
  }
  request_redraw(s);
  return "";
}

void ProbesPanel::Start(State& s, JobRunner& jobs) {
  dl::Model copy;
  const dl::Status st = dl::clone_model(s.model.model, &copy);
  if (!st.ok()) {
    phase_ = Phase::Failed;
    message_ = st.message();
    return;
  }
  copy.clear_units_off();  // the probes are of the network as trained
  job_ = std::make_shared<ProbeJob>(std::move(copy), pool_, s.layers.test.data, std::min(images_, pool_->count));
  jobs.Submit(job_);
  phase_ = Phase::Running;
}

bool ProbesPanel::Poll(State& s, JobRunner& jobs) {
  if (phase_ != Phase::Idle && model_version_ != s.model.version) {
    // Another model: the bars were the old one's.
    if (job_) job_->Cancel();
    job_.reset();
    results_.clear();
    message_.clear();
    phase_ = Phase::Idle;
    return true;
  }
  if (phase_ == Phase::Loading) {
    const Training& t = s.training;
    if (!t.mnist_missing.empty()) {
      phase_ = Phase::Failed;
      message_ = t.mnist_missing;
      return true;
    }
    if (!pool_ && (t.data.kind == TrainingData::Failed || t.data.kind == TrainingData::Missing)) {
      phase_ = Phase::Failed;
      message_ = t.data.message.empty() ? "The MNIST training images could not be loaded." : t.data.message;
      return true;
    }
    if (pool_ && s.layers.test.loaded) {
      Start(s, jobs);
      return true;
    }
    return false;
  }
  if (phase_ == Phase::Running && job_ && job_->finished()) {
    if (job_->error().empty()) {
      results_ = job_->results();
      seconds_ = job_->seconds();
      phase_ = Phase::Done;
    } else {
      message_ = job_->error();
      phase_ = Phase::Failed;
    }
    job_.reset();
    return true;
  }
  return false;
}

void ProbesPanel::Draw(State& s, LayerView& view, float width, float height) {
  const bool classroom = s.classroom;
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
  big_text("Probes: what a linear read-out finds after each step", classroom ? 1.0f : 1.1f, kText);
  if (!classroom)
    ImGui::TextColored(ImColor(kMuted).Value,
                       "For every step a softmax regression is trained on that step's values for %s training "
                       "images (the network stays as it is) and scored on the 10,000 test images. Where the bars "
                       "rise, a layer made the digit easier to read off.",
                       thousands(images_).c_str());
  if (!s.model.loaded) {
    ImGui::TextColored(ImColor(kMuted).Value, "No model loaded: load one in the Draw view.");
    ImGui::PopTextWrapPos();
    return;
  }
  const Training& t = s.training;
  switch (phase_) {
    case Phase::Idle:
    case Phase::Failed:
      if (ImGui::Button(phase_ == Phase::Failed ? "Try again" : "Compute probes",
                        ImVec2(0, ImGui::GetFrameHeight() * 1.3f)))
        Request(s, images_);
      compute_button = Rect{ImGui::GetItemRectMin().x, ImGui::GetItemRectMin().y, ImGui::GetItemRectSize().x,
                            ImGui::GetItemRectSize().y};
      if (phase_ == Phase::Failed) ImGui::TextColored(ImColor(kOff).Value, "%s", message_.c_str());
      else if (!classroom)
        ImGui::TextColored(ImColor(kMuted).Value, "%s",
                           JobRunner::Threaded() ? "It runs on its own thread; the page stays as fast as it is."
                                                 : "It runs between frames; the page stays responsive.");
      break;
    case Phase::Loading: {
      const double mb = 1.0 / 1048576.0;
      char label[96];
      if (t.data.kind == TrainingData::Loading && t.data.total > 0)
        std::snprintf(label, sizeof(label), "MNIST training images: %.1f of %.1f MB", t.data.received * mb,
                      t.data.total * mb);
      else std::snprintf(label, sizeof(label), "Waiting for the MNIST images\xe2\x80\xa6");
      ImGui::ProgressBar(t.data.total > 0 ? static_cast<float>(t.data.received / t.data.total) : 0.0f, ImVec2(width, 0),
                         label);
      break;
    }
    case Phase::Running: {
      char label[64];
      std::snprintf(label, sizeof(label), "Computing probes: %.0f%%", 100.0 * progress());
      ImGui::ProgressBar(progress(), ImVec2(width, ImGui::GetFrameHeight() * 1.2f), label);
      break;
    }
    case Phase::Done: break;
  }
  if (phase_ != Phase::Done) {
    ImGui::PopTextWrapPos();
    return;
  }
  ImGui::TextColored(ImColor(kMuted).Value, "%s training images, %.1f s. Click a bar to go to its step.",
                     thousands(images_).c_str(), seconds_);
  ImGui::Checkbox("Zoom in: 80 to 100%", &zoom_);
  ImGui::PopTextWrapPos();

  // One row per step: name, a bar, the value; in two columns when one does not fit the height.
  const int n = static_cast<int>(results_.size());
  const float min_row = ImGui::GetTextLineHeight() * 1.2f;
  const float room = std::max(min_row, height - ImGui::GetCursorPosY() - ImGui::GetTextLineHeightWithSpacing() * 1.5f);
  const int columns = n * min_row > room && width > ImGui::GetFontSize() * 24 ? 2 : 1;
  const int per_column = (n + columns - 1) / columns;
  const float row = std::clamp(room / std::max(1, per_column), min_row, ImGui::GetTextLineHeight() * 2.2f);
  const float gap = ImGui::GetFontSize() * 1.5f;
  const float col_w = (width - gap * (columns - 1)) / columns;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  for (int c = 0; c < columns; ++c) {
    const int first = c * per_column, last = std::min(n, first + per_column);
    ImGui::SetCursorScreenPos(ImVec2(origin.x + c * (col_w + gap), origin.y));
    ImGui::BeginGroup();
    DrawBars(view, first, last, col_w, row);
    ImGui::EndGroup();
  }
  ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + row * per_column + ImGui::GetTextLineHeightWithSpacing()));
  ImGui::Dummy(ImVec2(width, 1));
}

void ProbesPanel::DrawBars(LayerView& view, int first, int last, float width, float row) {
  const int current = view.Current();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  float name_w = 0;
  for (const dl::ProbeResult& r : results_) name_w = std::max(name_w, ImGui::CalcTextSize(r.name.c_str()).x);
  name_w += ImGui::GetFontSize() * 0.6f;
  const float value_w = ImGui::CalcTextSize("100.0%").x + ImGui::GetFontSize() * 0.6f;
  const float bar_w = std::max(20.0f, width - name_w - value_w);
  const float lo = zoom_ ? 0.8f : 0.0f;
  const auto length = [&](float acc) { return bar_w * std::clamp((acc - lo) / (1.0f - lo), 0.0f, 1.0f); };
  // The axis: lines at each quarter behind the bars, labelled below.
  const ImVec2 top = ImGui::GetCursorScreenPos();
  const int rows = last - first;
  for (int k = 0; k <= 4; ++k) {
    const float x = top.x + name_w + bar_w * k / 4.0f;
    draw->AddLine(ImVec2(x, top.y), ImVec2(x, top.y + row * rows), IM_COL32(60, 66, 80, 255));
  }
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(ImGui::GetStyle().ItemSpacing.x, 0));  // rows touch
  for (int i = first; i < last; ++i) {
    const dl::ProbeResult& r = results_[i];
    const ImVec2 a = ImGui::GetCursorScreenPos();
    ImGui::PushID(i);
    if (ImGui::InvisibleButton("bar", ImVec2(width, row))) view.Select(r.step);
    const bool hovered = ImGui::IsItemHovered();
    ImGui::PopID();
    const bool cur = r.step == current;
    const ImU32 col = cur ? kAccent : r.step < current ? kBarDone : kBarAfter;
    const float h = row * 0.78f;
    const float ty = a.y + (h - ImGui::GetTextLineHeight()) * 0.5f;
    draw->AddText(ImVec2(a.x, ty), cur ? kAccent : kText, r.name.c_str());
    draw->AddRectFilled(ImVec2(a.x + name_w, a.y), ImVec2(a.x + name_w + length(r.accuracy), a.y + h), col,
                        ImGui::GetFontSize() * 0.15f);
    if (hovered) draw->AddRect(ImVec2(a.x + name_w, a.y), ImVec2(a.x + name_w + bar_w, a.y + h), kMuted);
    char v[16];
    std::snprintf(v, sizeof(v), "%.1f%%", 100.0 * r.accuracy);
    draw->AddText(ImVec2(a.x + name_w + bar_w + ImGui::GetFontSize() * 0.4f, ty), cur ? kAccent : kText, v);
    if (hovered)
      ImGui::SetTooltip("%s (%s): %d values read; test %.2f%%, training %.2f%%", r.name.c_str(), r.kind.c_str(),
                        r.features, 100.0 * r.accuracy, 100.0 * r.train_accuracy);
  }
  ImGui::PopStyleVar();
  const ImVec2 end = ImGui::GetCursorScreenPos();
  for (int k = 0; k <= 4; k += 2) {
    char t[8];
    std::snprintf(t, sizeof(t), "%.0f%%", 100.0 * (lo + (1.0f - lo) * k / 4.0f));
    const float tw = ImGui::CalcTextSize(t).x;
    draw->AddText(ImVec2(top.x + name_w + bar_w * k / 4.0f -
                             tw * (k == 0   ? 0.0f
                                   : k == 4 ? 1.0f
                                            : 0.5f),
                         end.y),
                  kMuted, t);
  }
}

}  // namespace app
