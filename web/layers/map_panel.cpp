// map_panel.cpp — see map_panel.h.
#include "map_panel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app.h"
#include "app_state.h"
#include "imgui.h"
#include "layer_style.h"
#include "layer_view.h"
#include "step_features.h"
#include "ui_items.h"

namespace app {

namespace {


}  // namespace

std::string MapPanel::Request(State& s, int step, dl::EmbeddingMethod method) {
  if (!s.model.loaded) return "no model is loaded: load one in the Draw view first";
  const int last = s.model.model.num_layers();
  if (step < 0 || step > last) {
    char buf[200];
    std::snprintf(buf, sizeof(buf),
                  "there is no map of step %d: the steps with a map are 0 (the input) to %d (the logits; step %d, "
                  "the softmax, is the same answer as probabilities)",
                  step, last, last + 1);
    return buf;
  }
  if (!s.layers.test.loaded)
    return s.layers.test.problem.empty() ? "the map needs the MNIST test images, which this page has not loaded"
                                         : "the map needs the MNIST test images: " + s.layers.test.problem;
  const bool same = step == step_ && method == method_ && model_version_ == s.model.version;
  if (same && (phase_ == Phase::Done || phase_ == Phase::Running || pending_)) return "";
  if (job_) job_->Cancel();
  job_.reset();
  step_ = step;
  method_ = method;
  model_version_ = s.model.version;
  message_.clear();
  pending_ = true;
  phase_ = Phase::Running;
  request_redraw(s);
  return "";
}

void MapPanel::Start(State& s, JobRunner& jobs) {
  pending_ = false;
  dl::Model copy;
  const dl::Status st = dl::clone_model(s.model.model, &copy);
  if (!st.ok()) {
    phase_ = Phase::Failed;
    message_ = st.message();
    return;
  }
  copy.clear_units_off();  // the map is of the network as trained
  job_ = std::make_shared<MapJob>(std::move(copy), s.layers.test.data, step_, method_);
  jobs.Submit(job_);
}

bool MapPanel::Poll(State& s, JobRunner& jobs) {
  if (phase_ != Phase::Idle && model_version_ != s.model.version) {
    if (job_) job_->Cancel();
    job_.reset();
    shown_.reset();
    pending_ = false;
    phase_ = Phase::Idle;
    message_.clear();
    return true;
  }
  if (pending_) {
    Start(s, jobs);
    return true;
  }
  if (job_ && job_->finished()) {
    if (job_->error().empty()) {
      shown_ = std::move(job_);
      seconds_ = shown_->seconds();
      phase_ = Phase::Done;
      // Bounds with one scale on both axes (distances on the map are distances), 4% margin.
      const std::vector<float>& p = shown_->run().points();
      float x0 = 1e30f, x1 = -1e30f, y0 = 1e30f, y1 = -1e30f;
      for (size_t i = 0; i + 1 < p.size(); i += 2) {
        x0 = std::min(x0, p[i]);
        x1 = std::max(x1, p[i]);
        y0 = std::min(y0, p[i + 1]);
        y1 = std::max(y1, p[i + 1]);
      }
      const float half = 0.54f * std::max({x1 - x0, y1 - y0, 1e-6f});
      const float cx = 0.5f * (x0 + x1), cy = 0.5f * (y0 + y1);
      bounds[0] = cx - half;
      bounds[1] = cx + half;
      bounds[2] = cy - half;
      bounds[3] = cy + half;
    } else {
      message_ = job_->error();
      phase_ = Phase::Failed;
    }
    job_.reset();
    marker_map_ = nullptr;
    return true;
  }
  return false;
}

bool MapPanel::Marker(const LayerView& view, float* xy) const {
  const dl::EmbeddingRun* m = map();
  if (!m || !view.HasInput() || m->step() >= static_cast<int>(view.Steps().size())) return false;
  if (marker_runs_ != view.Runs() || marker_map_ != m) {
    const dl::FeatureLayout& layout = m->layout();
    const std::vector<float>& act = view.Activations(m->step());
    marker_valid_ = static_cast<int>(act.size()) == layout.shape.size();
    if (marker_valid_) {
      features_.resize(layout.features());
      dl::pool_features(layout, act.data(), features_.data());
      m->place(features_.data(), marker_);
    }
    marker_runs_ = view.Runs();
    marker_map_ = m;
  }
  if (marker_valid_) {
    xy[0] = marker_[0];
    xy[1] = marker_[1];
  }
  return marker_valid_;
}

void MapPanel::Draw(State& s, LayerView& view, float width, float height) {
  if (!s.model.loaded) {
    ImGui::TextColored(ImColor(kMuted).Value, "No model loaded: load one in the Draw view.");
    return;
  }
  // The map follows the view's step (the softmax's is the logits': the same answer before softmax).
  const int want = std::min(view.Current(), s.model.model.num_layers());
  // Wide: the plot on the left as large as the height allows, the rest in a column beside it.
  // Narrow (a phone, a tablet upright): the rest above the plot.
  const float font = ImGui::GetFontSize();
  const float info_w = std::min(width * 0.42f, font * 15);
  const bool side_by_side = width - info_w - font >= std::min(height, font * 12);
  if (side_by_side) {
    const float side = std::max(font * 8, std::min(width - info_w - font, height - ImGui::GetStyle().ItemSpacing.y));
    const ImVec2 top = ImGui::GetCursorScreenPos();
    ImGui::SetCursorScreenPos(ImVec2(top.x + side + font, top.y));
    ImGui::BeginGroup();
    const bool ready = DrawInfo(s, view, want, width - side - font);
    ImGui::EndGroup();
    ImGui::SetCursorScreenPos(top);
    if (ready) {
      DrawPlot(s, view, side);
    } else {  // the plot's place, empty while the map computes
      plot = Rect{};
      ImGui::GetWindowDrawList()->AddRect(top, ImVec2(top.x + side, top.y + side), IM_COL32(60, 66, 80, 255));
      ImGui::Dummy(ImVec2(side, side));
    }
  } else {
    const bool ready = DrawInfo(s, view, want, width);
    const float room_h = height - ImGui::GetCursorPosY() - ImGui::GetStyle().ItemSpacing.y;
    if (ready) DrawPlot(s, view, std::max(font * 8, std::min(width, room_h)));
    else plot = Rect{};
  }
}

bool MapPanel::DrawInfo(State& s, LayerView& view, int want, float width) {
  const bool classroom = s.classroom, narrow = width < ImGui::GetFontSize() * 20;
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
  char title[160];
  std::snprintf(title, sizeof(title), "Map of %s", view.Steps()[want].name.c_str());
  big_text(title, classroom ? 1.0f : 1.1f, kText);
  if (!classroom) ImGui::TextColored(ImColor(kMuted).Value, "2,000 test images, one point each");
  int m = method_ == dl::EmbeddingMethod::Pca ? 0 : 1;
  ImGui::RadioButton("PCA", &m, 0);
  pca_button = last_item_rect();
  ImGui::SameLine();
  ImGui::RadioButton("t-SNE", &m, 1);
  tsne_button = last_item_rect();
  const dl::EmbeddingMethod method = m == 0 ? dl::EmbeddingMethod::Pca : dl::EmbeddingMethod::Tsne;
  if (!s.layers.test.loaded) {
    ImGui::TextColored(ImColor(kMuted).Value, "%s",
                       s.layers.test.problem.empty()
                           ? "Needs the MNIST test images on the server (build with MNIST_DIR set)."
                           : s.layers.test.problem.c_str());
    ImGui::PopTextWrapPos();
    return false;
  }
  if (want != step_ || method != method_ || model_version_ != s.model.version || phase_ == Phase::Idle)
    Request(s, want, method);
  // Legend: one swatch per digit, five to a row when the column is narrow.
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float sw = ImGui::GetFontSize() * 0.75f;
  const float cell = sw + ImGui::CalcTextSize("0").x + ImGui::GetFontSize() * 0.7f;
  const int per_row = width >= cell * 10 ? 10 : 5;
  for (int d = 0; d < dl::kClasses; ++d) {
    if (d % per_row) ImGui::SameLine(0, 0);
    const ImVec2 a = ImGui::GetCursorScreenPos();
    const float ty = (ImGui::GetTextLineHeight() - sw) * 0.5f;
    draw->AddCircleFilled(ImVec2(a.x + sw * 0.5f, a.y + ty + sw * 0.5f), sw * 0.5f, digit_colour(d), 12);
    char t[4];
    std::snprintf(t, sizeof(t), "%d", d);
    draw->AddText(ImVec2(a.x + sw + 3, a.y), kText, t);
    ImGui::Dummy(ImVec2(cell, ImGui::GetTextLineHeight()));
  }
  if (phase_ == Phase::Failed) {
    ImGui::TextColored(ImColor(kOff).Value, "%s", message_.c_str());
    ImGui::PopTextWrapPos();
    return false;
  }
  if (phase_ != Phase::Done) {
    char label[96];
    std::snprintf(label, sizeof(label), "%s: %.0f%%", method_ == dl::EmbeddingMethod::Pca ? "PCA" : "t-SNE",
                  100.0 * progress());
    ImGui::ProgressBar(progress(), ImVec2(width, ImGui::GetFrameHeight() * 1.2f), label);
    if (method_ == dl::EmbeddingMethod::Tsne && !classroom)
      ImGui::TextColored(ImColor(kMuted).Value,
                         "t-SNE compares every pair of the 2,000 images, 500 times over: it takes a few seconds.");
    ImGui::PopTextWrapPos();
    return false;
  }
  if (!classroom && !(narrow && s.layout.phone)) {
    const dl::EmbeddingRun& run = shown_->run();
    if (method_ == dl::EmbeddingMethod::Pca)
      ImGui::TextColored(ImColor(kMuted).Value,
                         "PCA (%.2f s): the two directions in which the %d values of this step vary most.", seconds_,
                         run.layout().features());
    else
      ImGui::TextColored(ImColor(kMuted).Value,
                         "t-SNE (%.1f s): nearby points are images this step finds alike. The input is put at the "
                         "mean of its 10 nearest test images (t-SNE has no exact place for a new one).",
                         seconds_);
    ImGui::TextColored(ImColor(kMuted).Value, "The ring is the input; click a point to use that test image.");
  }
  ImGui::PopTextWrapPos();
  return true;
}

void MapPanel::DrawPlot(State& s, LayerView& view, float side) {
  const bool classroom = s.classroom;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const dl::EmbeddingRun& run = shown_->run();
  const ImVec2 a = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("plot", ImVec2(side, side));
  const bool hovered = ImGui::IsItemHovered();
  plot = Rect{a.x, a.y, side, side};
  draw->AddRectFilled(a, ImVec2(a.x + side, a.y + side), IM_COL32(22, 26, 34, 255));
  draw->AddRect(a, ImVec2(a.x + side, a.y + side), IM_COL32(60, 66, 80, 255));
  const float sx = side / (bounds[1] - bounds[0]), sy = side / (bounds[3] - bounds[2]);
  const auto to_screen = [&](float x, float y) {
    return ImVec2(a.x + (x - bounds[0]) * sx, a.y + (bounds[3] - y) * sy);
  };
  // Points grow with the plot and the font (classroom mode), within limits.
  const float r = classroom ? std::clamp(side / 110.0f, 2.5f, ImGui::GetFontSize() * 0.22f)
                            : std::clamp(side / 190.0f, 1.5f, ImGui::GetFontSize() * 0.16f);
  const std::vector<float>& pts = run.points();
  const uint8_t* labels = run.labels();
  const int n = run.count();
  draw->PushClipRect(a, ImVec2(a.x + side, a.y + side), true);
  for (int i = 0; i < n; ++i)
    draw->AddCircleFilled(to_screen(pts[2 * i], pts[2 * i + 1]), r, digit_colour(labels[i], 210), 6);
  // The nearest point under the pointer: its image on hover, the input on a click.
  const ImGuiIO& io = ImGui::GetIO();
  int near = -1;
  if (hovered) {
    float best = std::max(r * 2.5f, ImGui::GetFontSize() * 0.5f);
    best *= best;
    for (int i = 0; i < n; ++i) {
      const ImVec2 p = to_screen(pts[2 * i], pts[2 * i + 1]);
      const float d = (p.x - io.MousePos.x) * (p.x - io.MousePos.x) + (p.y - io.MousePos.y) * (p.y - io.MousePos.y);
      if (d < best) {
        best = d;
        near = i;
      }
    }
  }
  if (near >= 0) {
    const ImVec2 p = to_screen(pts[2 * near], pts[2 * near + 1]);
    draw->AddCircle(p, r * 2.2f, IM_COL32(255, 255, 255, 255), 12, 2.0f);
    ImGui::SetTooltip("test image #%d, a %d: click to use it", near, labels[near]);
    // Picked on release, and only without a drag (a drag across the view is a swipe to the next step).
    if (ImGui::IsMouseReleased(0) && io.MouseDragMaxDistanceSqr[0] < 100.0f) view.PickTestImage(near);
  }
  // The input: a large ring in the strip's yellow, seen from the back of a room.
  float xy[2];
  if (Marker(view, xy)) {
    ImVec2 p = to_screen(xy[0], xy[1]);
    const bool outside = p.x < a.x || p.y < a.y || p.x > a.x + side || p.y > a.y + side;
    p.x = std::clamp(p.x, a.x, a.x + side);
    p.y = std::clamp(p.y, a.y, a.y + side);
    const float R = ImGui::GetFontSize() * (classroom ? 0.9f : 0.75f);
    draw->AddCircleFilled(p, R, IM_COL32(0, 0, 0, 150), 24);
    draw->AddCircle(p, R, kAccent, 24, R * 0.3f);
    if (!outside) draw->AddCircleFilled(p, R * 0.25f, kAccent, 12);
    const char* label = view.Source() >= 0 ? "test image" : "your drawing";
    const ImVec2 ts = ImGui::CalcTextSize(label);
    const bool left = p.x + R * 1.3f + ts.x > a.x + side;  // keep the label inside the plot
    const ImVec2 at(left ? p.x - R * 1.3f - ts.x : p.x + R * 1.3f, p.y - ts.y * 0.5f);
    draw->AddRectFilled(ImVec2(at.x - 3, at.y), ImVec2(at.x + ts.x + 3, at.y + ts.y), IM_COL32(0, 0, 0, 170), 3);
    draw->AddText(at, kAccent, label);
  }
  draw->PopClipRect();
}

}  // namespace app
