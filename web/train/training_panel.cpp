// training_panel.cpp — see training_panel.h.
#include "training_panel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "plot.h"
#include "spec.h"
#include "ui_items.h"

namespace app {

namespace {

const ImVec4 kWarn(1.0f, 0.62f, 0.35f, 1.0f);

WRect item_rect() {
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  return WRect{a.x, a.y, b.x - a.x, b.y - a.y};
}

// "1 min 05 s", "12.3 s"
void format_seconds(double s, char* buf, size_t n) {
  if (s < 0) std::snprintf(buf, n, "\xe2\x80\x94");
  else if (s < 60) std::snprintf(buf, n, "%.1f s", s);
  else std::snprintf(buf, n, "%d min %02d s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
}

// The presets that are slow to train in a browser (tens of MFLOPs per image).
bool slow_preset(const char* name) { return std::strcmp(name, "R2") == 0 || std::strcmp(name, "digitlab") == 0; }

const char* kOptimizers[] = {"SGD (momentum 0.9)", "Adam", "RMSprop"};

}  // namespace

void TrainingPanel::SyncSpecText() {
  std::snprintf(spec_, sizeof(spec_), "%s", edit.spec.c_str());
  preset_ = -1;
  const auto& ps = dl::presets();
  for (size_t i = 0; i < ps.size(); ++i)
    if (edit.spec == ps[i].name) preset_ = static_cast<int>(i);
  synced_ = true;
}

void TrainingPanel::DrawControls(const TrainingSession& s, bool use_trained, float width, TrainCommands* cmd,
                                 TrainLayout* L) {
  if (!synced_) SyncSpecText();
  const auto& ps = dl::presets();
  const float label_w = width * 0.42f;
  const bool running = s.status() == TrainingSession::Status::Running;
  ImGui::PushItemWidth(width - label_w);

  ImGui::TextColored(kTitleText, "Network");
  char preview[96];
  if (preset_ >= 0) {
    std::snprintf(preview, sizeof(preview), "%s (%d hidden)%s", ps[preset_].name, ps[preset_].hidden_layers,
                  slow_preset(ps[preset_].name) ? " \xe2\x80\x94 slow" : "");
  } else {
    std::snprintf(preview, sizeof(preview), "custom spec");
  }
  ImGui::SetNextItemWidth(width);
  if (ImGui::BeginCombo("##preset", preview)) {
    for (size_t i = 0; i < ps.size(); ++i) {
      char label[160];
      if (ps[i].hidden_layers >= 0) {
        std::snprintf(label, sizeof(label), "%s \xe2\x80\x94 %d hidden: %s%s", ps[i].name, ps[i].hidden_layers,
                      ps[i].description, slow_preset(ps[i].name) ? " (slow in a browser)" : "");
      } else {
        std::snprintf(label, sizeof(label), "%s \xe2\x80\x94 %s%s", ps[i].name, ps[i].description,
                      slow_preset(ps[i].name) ? " (slow in a browser)" : "");
      }
      if (ImGui::Selectable(label, preset_ == static_cast<int>(i))) {
        edit.spec = ps[i].name;
        SyncSpecText();
      }
    }
    ImGui::EndCombo();
  }
  L->preset = item_rect();
  ImGui::SetNextItemWidth(width);
  if (ImGui::InputText("##spec", spec_, sizeof(spec_))) {
    edit.spec = spec_;
    preset_ = -1;
    for (size_t i = 0; i < ps.size(); ++i)
      if (edit.spec == ps[i].name) preset_ = static_cast<int>(i);
  }
  if (preset_ >= 0) ImGui::TextColored(kMutedText, "%s", ps[preset_].spec);

  ImGui::TextColored(kTitleText, "Recipe");
  int opt = static_cast<int>(edit.optimizer);
  if (ImGui::Combo("optimizer", &opt, kOptimizers, 3)) edit.optimizer = static_cast<dl::OptimizerConfig::Kind>(opt);
  ImGui::InputFloat("learning rate", &edit.lr, 0, 0, "%g");
  L->lr = item_rect();
  ImGui::Checkbox("cosine schedule", &edit.cosine);
  ImGui::InputInt("batch", &edit.batch, 0);
  edit.batch = std::clamp(edit.batch, 1, 1024);
  ImGui::InputFloat("epochs", &edit.epochs, 0, 0, "%g");
  ImGui::InputInt("images (0 = all)", &edit.subset, 0);
  edit.subset = std::max(0, edit.subset);
  ImGui::Checkbox("augmentation (rotate, zoom, shift)", &edit.augment);
  int seed = static_cast<int>(edit.seed);
  if (ImGui::InputInt("seed", &seed, 0)) edit.seed = static_cast<uint64_t>(std::max(0, seed));
  ImGui::PopItemWidth();

  ImGui::Spacing();
  if (ImGui::Button(running ? "Restart" : "Start")) {
    cmd->start = true;
    cmd->options = edit;
  }
  L->start = item_rect();
  ImGui::SameLine();
  if (running) {
    if (ImGui::Button("Pause")) cmd->pause = true;
    L->pause = item_rect();
    L->resume = WRect{};
  } else {
    ImGui::BeginDisabled(s.status() != TrainingSession::Status::Paused);
    if (ImGui::Button("Resume")) cmd->resume = true;
    ImGui::EndDisabled();
    L->resume = item_rect();
    L->pause = WRect{};
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(!s.HasModel() || s.status() == TrainingSession::Status::Finished);
  if (ImGui::Button("Step")) cmd->step = true;
  ImGui::EndDisabled();
  L->step = item_rect();
  ImGui::SameLine();
  ImGui::BeginDisabled(!s.HasModel());
  if (ImGui::Button("Reset")) cmd->reset = true;
  ImGui::EndDisabled();
  L->reset = item_rect();
  if (ImGui::Button("Compare hidden layers")) {
    cmd->compare = true;
    cmd->options = edit;
  }
  L->compare = item_rect();
  ImGui::SameLine();
  ImGui::Checkbox("with R2 (slow)", &compare_slow);

  if (s.HasModel()) {
    ImGui::Spacing();
    bool use = use_trained;
    if (ImGui::Checkbox("Use this model on the drawing pad", &use)) cmd->toggle_use_trained = true;
    L->use_trained = item_rect();
    if (ImGui::Button("Evaluate on the test set")) cmd->evaluate = true;
    L->evaluate = item_rect();
    ImGui::SameLine();
    if (ImGui::Button("Download model")) cmd->download = true;
    L->download = item_rect();
  } else {
    L->use_trained = L->evaluate = L->download = WRect{};
  }
}

void TrainingPanel::DrawReadout(const TrainingSession& s, const TrainingData& data, float width) {
  // The data.
  if (data.kind == TrainingData::Loading) {
    char over[64];
    std::snprintf(over, sizeof(over), "MNIST %.1f / %.1f MB", data.received / 1048576.0, data.total / 1048576.0);
    ImGui::ProgressBar(data.total > 0 ? static_cast<float>(data.received / data.total) : 0.0f, ImVec2(width, 0), over);
  } else if (data.kind == TrainingData::Missing || data.kind == TrainingData::Failed) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
    ImGui::TextColored(kWarn, "%s", data.message.c_str());
    ImGui::PopTextWrapPos();
  } else if (data.kind == TrainingData::NotLoaded) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
    ImGui::TextColored(kMutedText, "The MNIST images download when training starts.");
    ImGui::PopTextWrapPos();
  }
  if (!s.message().empty()) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
    ImGui::TextColored(s.diverged() ? kWarn : kMutedText, "%s", s.message().c_str());
    ImGui::PopTextWrapPos();
  }

  // The read-out.
  if (s.HasModel()) {
    const bool running = s.status() == TrainingSession::Status::Running;
    ImGui::Spacing();
    ImGui::TextColored(kTitleText, "%s",
                       running                                           ? "Training"
                       : s.status() == TrainingSession::Status::Finished ? "Finished"
                                                                         : "Paused");
    const float total_epochs = s.steps_per_epoch() ? static_cast<float>(s.total_steps()) / s.steps_per_epoch() : 0;
    ImGui::Text("step %d / %d, epoch %.2f / %.2g", s.step(), s.total_steps(), s.epoch(), total_epochs);
    ImGui::ProgressBar(s.total_steps() ? static_cast<float>(s.step()) / s.total_steps() : 0.0f, ImVec2(width, 0), "");
    ImGui::Text("loss %.4f   train %.2f%%", s.last_loss(), 100.0f * s.last_train_accuracy());
    if (s.last_val_accuracy() >= 0) {
      ImGui::SameLine();
      ImGui::Text("  validation %.2f%%", 100.0f * s.last_val_accuracy());
    }
    char el[32], eta[32];
    format_seconds(s.elapsed(), el, sizeof(el));
    format_seconds(running ? s.eta() : -1, eta, sizeof(eta));
    ImGui::Text("%.0f images/s   %s elapsed   ETA %s", s.images_per_second(), el, eta);
    ImGui::TextColored(kMutedText, "%s, %lld parameters, learning rate now %.3g", s.model().spec().c_str(),
                       static_cast<long long>(s.model().num_params()), static_cast<double>(s.lr_now()));
    // Threads: a WebAssembly page gets them only when it is cross-origin isolated (loader.js then
    // starts the threaded build); say so, since it halves the speed on a two-core machine.
    if (const char* note = TrainingSession::ThreadsNote()) {
      ImGui::PushStyleColor(ImGuiCol_Text, kMutedText);
      ImGui::TextWrapped("%s", note);
      ImGui::PopStyleColor();
    } else {
      ImGui::TextColored(kMutedText, "%d thread%s", s.threads(), s.threads() == 1 ? "" : "s");
    }
  }
}

void TrainingPanel::DrawCurves(const TrainingSession& s, float width, float height) {
  const auto& c = s.curve();
  const auto& v = s.validation();
  const float x_max =
      s.steps_per_epoch() ? std::max(0.01f, static_cast<float>(s.total_steps()) / s.steps_per_epoch()) : 1.0f;
  const bool side = width > height * 2.2f;
  const ImVec2 size = side ? ImVec2((width - ImGui::GetStyle().ItemSpacing.x) * 0.5f, height)
                           : ImVec2(width, (height - ImGui::GetStyle().ItemSpacing.y) * 0.5f);
  float loss_max = 0.5f;
  for (const CurvePoint& p : c) loss_max = std::max(loss_max, std::isfinite(p.loss) ? p.loss : 0.0f);
  PlotAxes la;
  la.x_max = x_max;
  la.y_min = 0;
  la.y_max = std::min(loss_max, 3.0f);
  la.x_label = "epochs";
  la.y_format = "%.2f";
  PlotSeries loss;
  if (!c.empty()) {
    loss.x = &c[0].epoch;
    loss.y = &c[0].loss;
    loss.count = static_cast<int>(c.size());
    loss.stride = sizeof(CurvePoint);
  }
  loss.color = IM_COL32(250, 170, 90, 255);
  loss.label = "training loss";
  LinePlot("Loss", size, la, &loss, 1);
  if (side) ImGui::SameLine();

  // Accuracy from the lowest value seen (at least 80% when all are above it) to 100%.
  float lo = 0.8f;
  for (const CurvePoint& p : c) lo = std::min(lo, p.accuracy);
  for (const ValPoint& p : v) lo = std::min(lo, p.accuracy);
  PlotAxes aa;
  aa.x_max = x_max;
  aa.y_min = std::floor(lo * 10.0f) / 10.0f;
  aa.y_max = 1.0f;
  aa.x_label = "epochs";
  aa.y_format = "%.1f";
  PlotSeries acc[2];
  if (!c.empty()) {
    acc[0].x = &c[0].epoch;
    acc[0].y = &c[0].accuracy;
    acc[0].count = static_cast<int>(c.size());
    acc[0].stride = sizeof(CurvePoint);
  }
  acc[0].color = IM_COL32(110, 160, 240, 255);
  acc[0].label = "training";
  if (!v.empty()) {
    acc[1].x = &v[0].epoch;
    acc[1].y = &v[0].accuracy;
    acc[1].count = static_cast<int>(v.size());
    acc[1].stride = sizeof(ValPoint);
  }
  acc[1].color = IM_COL32(110, 220, 140, 255);
  acc[1].label = "validation";
  LinePlot("Accuracy", size, aa, acc, 2);
}

}  // namespace app
