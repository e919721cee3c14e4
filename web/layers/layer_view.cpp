// layer_view.cpp — see layer_view.h.
#include "layer_view.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "app.h"
#include "app_state.h"
#include "heatmap.h"
#include "layer_style.h"
#include "layer_types.h"
#include "ui_common.h"

namespace app {

namespace {

const char* kind_text(const LayerStep& st) {
  switch (st.role) {
    case LayerStep::Role::Input: return "the 28x28 input image";
    case LayerStep::Role::Softmax: return "softmax: the answer as probabilities";
    case LayerStep::Role::Layer: break;
  }
  switch (st.kind) {
    case dl::LayerKind::Conv: return "convolution: each filter slides over the image";
    case dl::LayerKind::BatchNorm: return "batch normalisation: each channel rescaled";
    case dl::LayerKind::ReLU: return "ReLU: negative values set to 0";
    case dl::LayerKind::MaxPool: return "max-pooling: the strongest value of each window";
    case dl::LayerKind::Dropout: return "dropout (off when answering: values pass unchanged)";
    case dl::LayerKind::Flatten: return "flatten: the maps become one long vector";
    case dl::LayerKind::Dense: return "dense: every unit sees every value of the layer before";
  }
  return "";
}

std::string shape_text(const dl::Shape& s) {
  char buf[64];
  if (s.h == 1 && s.w == 1) std::snprintf(buf, sizeof(buf), "%d", s.c);
  else std::snprintf(buf, sizeof(buf), "%d\xc3\x97%d\xc3\x97%d", s.c, s.h, s.w);
  return buf;
}

bool spatial(const dl::Shape& s) { return s.h > 1 || s.w > 1; }

// Columns for n cells of aspect 1 in a width x height area, so that the cells are as large as possible.
int best_cols(int n, float width, float height, float gap) {
  int best = 1;
  float best_side = 0;
  for (int cols = 1; cols <= n; ++cols) {
    const int rows = (n + cols - 1) / cols;
    const float side = std::min((width - gap * (cols - 1)) / cols, (height - gap * (rows - 1)) / rows);
    if (side > best_side) {
      best_side = side;
      best = cols;
    }
  }
  return best;
}

}  // namespace

// --- data ----------------------------------------------------------------------------------------

void LayerView::Rebuild(const State& s) {
  run_.Rebuild(s.model.loaded ? &s.model.model : nullptr);
  const size_t n = run_.steps().size();
  atlases_.clear();
  atlases_.resize(n);
  atlas_version_.assign(n, -1);
  atlas_norm_.assign(n, norm);
  kernels_shown_ = KernelsKey{};
  current_ = std::clamp(current_, 0, static_cast<int>(n) - 1);
  if (channel_ >= run_.steps()[current_].shape.c) channel_ = -1;
  model_version_ = s.model.version;
}

void LayerView::Run(State& s) {
  const Prediction& p = s.prediction;
  dl::Model* model = s.model.loaded ? &s.model.model : nullptr;
  if (source_ >= 0 && test.loaded && source_ < test.set().count) run_.Run(model, test.set().image(source_), true);
  else run_.Run(model, p.input28, p.has_ink);
  input_version_ = p.version;
  ran_source_version_ = source_version_;
  ran_knockouts_ = s.model.knockouts;
  ++data_version_;
}

void LayerView::Update(State& s) {
  if (model_version_ != s.model.version || run_.steps().empty()) {
    Rebuild(s);
    input_version_ = -1;
  }
  // A new pick (a test image, or the drawing again), a new answer for the drawing, other knock-outs.
  const bool input_changed = ran_source_version_ != source_version_ ||
                             (source_ < 0 && input_version_ != s.prediction.version) ||
                             ran_knockouts_ != s.model.knockouts;
  if (input_changed || live == Live::Recompute) Run(s);
  if (live == Live::Upload) ++data_version_;  // the textures are re-uploaded as after a new run
  if (top.Running()) {
    // The scan runs on its own copy of the weights taken at its start, so new weights (training)
    // do not disturb it; DrawTop offers to search again when they changed.
    // Work per frame: the page keeps drawing (and showing the progress bar) at about 30 fps.
    top.Step(test, 25.0);
  }
}

bool LayerView::NeedsFrame(const State& s) const {
  if (top.Running() || live != Live::Off) return true;
  if (model_version_ != s.model.version || ran_knockouts_ != s.model.knockouts) return true;
  // A job's progress bar moves every kJobProgressFrameMs, less often when frames are slow to draw
  // (they take at most kProgressShare of the main thread, as training's do).
  if (JobsBusy() && now_ms() - progress_frame_ms_ >= std::max(kJobProgressFrameMs, s.frame_ms / kProgressShare))
    return true;
  return ran_source_version_ != source_version_ || (source_ < 0 && input_version_ != s.prediction.version);
}

bool LayerView::JobsBusy() const {
  return probes.Busy() || map.phase() == MapPanel::Phase::Running || knockouts.Busy();
}

bool LayerView::Background(State& s) {
  jobs.Pump();
  bool changed = knockouts.Poll(s, jobs);
  changed = probes.Poll(s, jobs) || changed;
  changed = map.Poll(s, jobs) || changed;
  return changed;
}

void LayerView::Select(int step) {
  const int n = static_cast<int>(run_.steps().size());
  if (n == 0) return;
  const int next = std::clamp(step, 0, n - 1);
  if (next != current_) {
    channel_ = -1;
    scroll_to_current_ = true;
  }
  current_ = next;
}

void LayerView::PickTestImage(int index) {
  source_ = (index >= 0 && test.loaded && index < test.set().count) ? index : -1;
  ++source_version_;
}

void LayerView::Enlarge(int channel) {
  if (run_.steps().empty() || channel < 0 || channel >= run_.steps()[current_].shape.c ||
      !spatial(run_.steps()[current_].shape)) {
    channel_ = -1;
  } else {
    channel_ = channel;
  }
}

bool LayerView::StartTopImages(const State& s, int step, int channel) {
  if (step < 0 || step >= static_cast<int>(run_.steps().size())) return false;
  const LayerStep& st = run_.steps()[step];
  if (st.model_layer < 0 || !spatial(st.shape) || channel < 0 || channel >= st.shape.c) return false;
  if (!test.loaded || !s.model.loaded) return false;
  top.Start(s.model.model, s.model.version, test, st.model_layer, channel);
  return top.Running();
}

// --- drawing -------------------------------------------------------------------------------------

void LayerView::DrawStrip(State& s, float width) {
  const float h = ImGui::GetTextLineHeight() * 2.0f + ImGui::GetStyle().FramePadding.y * 2;
  ImGui::BeginChild("strip", ImVec2(width, h + ImGui::GetStyle().ScrollbarSize + 4), false,
                    ImGuiWindowFlags_HorizontalScrollbar);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float pad = ImGui::GetStyle().FramePadding.x;
  for (int i = 0; i < static_cast<int>(run_.steps().size()); ++i) {
    const LayerStep& st = run_.steps()[i];
    const std::string shape = shape_text(st.shape);
    const float w = std::max(ImGui::CalcTextSize(st.name.c_str()).x, ImGui::CalcTextSize(shape.c_str()).x) + 2 * pad;
    if (i > 0) {
      ImGui::SameLine(0, 0);
      const ImVec2 a = ImGui::GetCursorScreenPos();
      const float aw = ImGui::GetFontSize() * 0.9f;
      draw->AddTriangleFilled(ImVec2(a.x + aw * 0.25f, a.y + h * 0.35f), ImVec2(a.x + aw * 0.25f, a.y + h * 0.65f),
                              ImVec2(a.x + aw * 0.75f, a.y + h * 0.5f), kMuted);
      ImGui::Dummy(ImVec2(aw, h));
      ImGui::SameLine(0, 0);
    }
    const ImVec2 a = ImGui::GetCursorScreenPos();
    ImGui::PushID(i);
    if (ImGui::InvisibleButton("step", ImVec2(w, h))) Select(i);
    ImGui::PopID();
    const bool cur = i == current_;
    const ImVec2 b(a.x + w, a.y + h);
    draw->AddRectFilled(a, b, cur ? kAccent : (i < current_ ? kBoxDone : kBox), ImGui::GetFontSize() * 0.25f);
    const ImU32 text = cur ? IM_COL32(0, 0, 0, 255) : IM_COL32(225, 230, 238, 255);
    const ImU32 sub = cur ? IM_COL32(40, 40, 40, 255) : kMuted;
    draw->AddText(ImVec2(a.x + pad, a.y + ImGui::GetStyle().FramePadding.y), text, st.name.c_str());
    draw->AddText(ImVec2(a.x + pad, a.y + ImGui::GetStyle().FramePadding.y + ImGui::GetTextLineHeight()), sub,
                  shape.c_str());
    // A step with units switched off: a red bar under its box.
    if (st.model_layer >= 0 && s.model.loaded && s.model.model.units_off(st.model_layer) > 0)
      draw->AddRectFilled(ImVec2(a.x, b.y - std::max(3.0f, h * 0.08f)), b, kOff);
    if (cur && scroll_to_current_) ImGui::SetScrollHereX(0.5f);
  }
  scroll_to_current_ = false;
  ImGui::EndChild();
}

void LayerView::DrawNav(State& s, float width) {
  const int n = static_cast<int>(run_.steps().size());
  const LayerStep& st = run_.steps()[current_];
  const float bw = ImGui::CalcTextSize("< Back").x + ImGui::GetStyle().FramePadding.x * 2;
  ImGui::BeginDisabled(current_ == 0);
  if (ImGui::Button("< Back", ImVec2(bw, ImGui::GetFrameHeight() * 1.4f))) {
    StepBy(-1);
    scroll_to_current_ = true;
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginGroup();
  char title[160];
  std::snprintf(title, sizeof(title), "%s  %s", st.name.c_str(), shape_text(st.shape).c_str());
  big_text(title, s.classroom ? 1.5f : 1.25f, kAccent);
  ImGui::TextColored(ImColor(kMuted).Value, "step %d of %d \xe2\x80\x94 %s", current_ + 1, n, kind_text(st));
  ImGui::EndGroup();
  const float nw = ImGui::CalcTextSize("Next >").x + ImGui::GetStyle().FramePadding.x * 2;
  // The classroom toggle, as in the Draw view's header (a teacher switches it on here too).
  const ImGuiStyle& style = ImGui::GetStyle();
  const float cw = ImGui::GetFrameHeight() + style.ItemInnerSpacing.x + ImGui::CalcTextSize("Classroom").x;
  if (!s.layout.phone) {
    ImGui::SameLine(
        std::max(ImGui::GetCursorPosX(), style.WindowPadding.x + width - nw - style.ItemSpacing.x * 2 - cw));
    bool classroom = s.classroom;
    if (ImGui::Checkbox("Classroom", &classroom)) s.commands.toggle_classroom = true;
  }
  ImGui::SameLine(std::max(ImGui::GetCursorPosX(), ImGui::GetStyle().WindowPadding.x + width - nw));
  ImGui::BeginDisabled(current_ >= n - 1);
  if (ImGui::Button("Next >", ImVec2(nw, ImGui::GetFrameHeight() * 1.4f))) {
    StepBy(1);
    scroll_to_current_ = true;
  }
  ImGui::EndDisabled();
}

void LayerView::DrawPanelSwitch(State& s, float width) {
  // Three panels, as buttons in a row: the selected one in the strip's yellow.
  static const char* kNames[3] = {"Activations", "Probes", "Map"};
  for (int i = 0; i < 3; ++i) {
    if (i) ImGui::SameLine(0, 2);
    const bool on = static_cast<int>(panel) == i;
    if (on) {
      ImGui::PushStyleColor(ImGuiCol_Button, ImColor(kAccent).Value);
      ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImColor(kAccent).Value);
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0, 0, 0, 1));
    }
    if (ImGui::Button(kNames[i])) panel = static_cast<Panel>(i);
    if (on) ImGui::PopStyleColor(3);
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    panel_buttons[i] = Rect{a.x, a.y, b.x - a.x, b.y - a.y};
  }
  knock_button = Rect{};
  if (panel == Panel::Activations) {
    // On the same row when it fits (a phone puts it on the next one).
    const float box_w =
        ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize("Knock out").x;
    ImGui::SameLine(0, ImGui::GetFontSize() * 1.2f);
    if (ImGui::GetCursorScreenPos().x + box_w > ImGui::GetWindowPos().x + ImGui::GetStyle().WindowPadding.x + width)
      ImGui::NewLine();
    ImGui::Checkbox("Knock out", &knock_mode);
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    knock_button = Rect{a.x, a.y, b.x - a.x, b.y - a.y};
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Click maps or units to switch them off: the answer shows what they were worth.");
    const int off = knockouts.Count(s);
    if (off > 0) {
      ImGui::SameLine();
      char label[48];
      std::snprintf(label, sizeof(label), "Reset all (%d off)", off);
      const float w = ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2;
      if (ImGui::GetCursorScreenPos().x + w <= ImGui::GetWindowPos().x + ImGui::GetStyle().WindowPadding.x + width) {
        ImGui::PushStyleColor(ImGuiCol_Button, ImColor(kOff).Value);
        if (ImGui::Button(label)) knockouts.Reset(s);
        ImGui::PopStyleColor();
      }
    }
  }
}

void LayerView::DrawInputColumn(State& s, float width, float height, bool row) {
  const Layout& L = s.layout;
  // The small pad: the same drawing as the Draw view. In a column (landscape) everything stacks;
  // in a row (portrait: a tablet upright) the pad, the input and the gallery sit side by side.
  const float side =
      row ? std::min(width * 0.4f, height * 0.8f) : std::min(width, L.height * (s.classroom ? 0.28f : 0.36f));
  const float x_start = ImGui::GetCursorScreenPos().x;
  if (row) ImGui::BeginGroup();
  const ImVec2 pa = ImGui::GetCursorScreenPos();
  pad_rect_[0] = pa.x;
  pad_rect_[1] = pa.y;
  pad_rect_[2] = side;
  pad_rect_[3] = side;
  s.pad.Draw(s.pointer_events, side, !ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopup));
  if (s.pad.Version() != drawn_pad_version_) {  // drawing again means "show my drawing"
    drawn_pad_version_ = s.pad.Version();
    if (source_ >= 0 && s.pad.StrokeCount() > 0) PickTestImage(-1);
  }
  // The answer follows the pen at most every kPredictInterval, at once when it lifts.
  if (!s.pad.Drawing() || s.time - s.last_predict_time >= kPredictInterval) predict_now(s);
  if (ImGui::Button("Clear")) s.commands.clear = true;
  ImGui::SameLine();
  if (ImGui::Button("Undo")) s.commands.undo = true;
  if (row) {
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
  }

  // The input the steps show, with the saliency over it and the hovered unit's receptive field.
  ImGui::Spacing();
  if (source_ >= 0) {
    ImGui::Text("Test image #%d (label %d)", source_, test.set().labels[source_]);
    ImGui::SameLine();
    if (ImGui::SmallButton("Use drawing")) PickTestImage(-1);
  } else {
    ImGui::TextColored(ImColor(kMuted).Value, "Input: your drawing");
  }
  const float in_side = row ? std::min(side * 0.55f, width * 0.2f) : std::min(width * 0.62f, L.height * 0.2f);
  if (input_tex_version_ != data_version_ * 2 + (show_saliency ? 1 : 0) || !input_tex_.Valid()) {
    float smax = 0;
    for (int i = 0; i < dl::kImageSize; ++i) smax = std::max(smax, run_.saliency()[i]);
    for (int i = 0; i < dl::kImageSize; ++i) {
      const float g = std::clamp(run_.input()[i], 0.0f, 1.0f) * 0.8f;
      float r = g, gr = g, b = g;
      if (show_saliency && smax > 0) {
        // Saliency in red-orange over the grey input: strong where the answer depends on the pixel.
        const float t = run_.saliency()[i] / smax;
        r = g * (1 - t) + 1.0f * t;
        gr = g * (1 - t) + 0.35f * t;
        b = g * (1 - t) + 0.1f * t;
      }
      input_rgba_[i * 4 + 0] = static_cast<uint8_t>(std::clamp(r, 0.0f, 1.0f) * 255);
      input_rgba_[i * 4 + 1] = static_cast<uint8_t>(std::clamp(gr, 0.0f, 1.0f) * 255);
      input_rgba_[i * 4 + 2] = static_cast<uint8_t>(std::clamp(b, 0.0f, 1.0f) * 255);
      input_rgba_[i * 4 + 3] = 255;
    }
    input_tex_.Update(input_rgba_, dl::kImageSide, dl::kImageSide, /*nearest=*/true);
    input_tex_version_ = data_version_ * 2 + (show_saliency ? 1 : 0);
  }
  const ImVec2 ia = ImGui::GetCursorScreenPos();
  ImGui::Image(input_tex_.Id(), ImVec2(in_side, in_side));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRect(ia, ImVec2(ia.x + in_side, ia.y + in_side), IM_COL32(90, 98, 112, 255));
  if (hover_valid_) {
    const float px = in_side / dl::kImageSide;
    draw->AddRect(ImVec2(ia.x + hover_box_.x0 * px, ia.y + hover_box_.y0 * px),
                  ImVec2(ia.x + (hover_box_.x1 + 1) * px, ia.y + (hover_box_.y1 + 1) * px), IM_COL32(0, 255, 170, 255),
                  0, 0, 2.0f);
  }
  ImGui::SameLine();
  ImGui::BeginGroup();
  if (run_.digit() >= 0) {
    ImGui::Text("Answer");
    big_text(std::to_string(run_.digit()).c_str(), 2.0f, IM_COL32(110, 220, 140, 255));
    ImGui::Text("%.0f%%", 100.0f * run_.probs()[run_.digit()]);
  } else {
    ImGui::TextColored(ImColor(kMuted).Value, s.model.loaded ? "Draw a digit" : "No model");
  }
  ImGui::EndGroup();
  ImGui::Checkbox("Saliency", &show_saliency);
  if (show_saliency && run_.digit() >= 0 && !s.classroom) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
    ImGui::TextColored(ImColor(kMuted).Value, "Orange: the pixels the answer %d depends on most.", run_.digit());
    ImGui::PopTextWrapPos();
  }
  if (row) {
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    DrawGallery(s, std::max(L.font_px * 6, width - (ImGui::GetCursorScreenPos().x - x_start)));
    ImGui::EndGroup();
  } else {
    DrawGallery(s, width);
  }
}

void LayerView::DrawGallery(State& s, float width) {
  ImGui::Spacing();
  if (!test.loaded) {
    if (!s.classroom) {
      ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
      ImGui::TextColored(ImColor(kMuted).Value, "%s",
                         test.problem.empty()
                             ? "No test images: build the page (or start the desktop app) with MNIST_DIR set to the "
                               "folder of the MNIST files to get a gallery and each channel's top images."
                             : test.problem.c_str());
      ImGui::PopTextWrapPos();
    }
    return;
  }
  constexpr int kCols = 6, kRows = 3, kPage = kCols * kRows;
  const int pages = (test.set().count + kPage - 1) / kPage;
  ImGui::Text("Test images");
  ImGui::SameLine();
  if (ImGui::SmallButton("<")) gallery_page_ = (gallery_page_ + pages - 1) % pages;
  ImGui::SameLine();
  if (ImGui::SmallButton(">")) gallery_page_ = (gallery_page_ + 1) % pages;
  const GalleryKey gallery_key{gallery_page_, test.version};
  if (!(gallery_shown_ == gallery_key) || !gallery_.Valid()) {
    const int first = gallery_page_ * kPage;
    const int n = std::min(kPage, test.set().count - first);
    gallery_.Update(test.set().image(first), n * dl::kImageSize, kPage, dl::kImageSide, dl::kImageSide, kCols,
                    Normalisation::PerLayer, Colouring::Grey);
    gallery_shown_ = gallery_key;
  }
  const float gap = 3;
  const float cell = std::floor((width - gap * (kCols - 1)) / kCols);
  for (int i = 0; i < kPage; ++i) {
    const int index = gallery_page_ * kPage + i;
    if (index >= test.set().count) break;
    if (i % kCols) ImGui::SameLine(0, gap);
    ImVec2 uv0, uv1;
    gallery_.MapUv(i, &uv0, &uv1);
    ImGui::PushID(index);
    const ImVec2 a = ImGui::GetCursorScreenPos();
    if (ImGui::ImageButton(gallery_.Id(), ImVec2(cell, cell), uv0, uv1, 0)) PickTestImage(index);
    if (index == source_) ImGui::GetWindowDrawList()->AddRect(a, ImVec2(a.x + cell, a.y + cell), kAccent, 0, 0, 2.0f);
    ImGui::PopID();
  }
}

void LayerView::DrawMaps(State& s, float width, float height) {
  const LayerStep& st = run_.steps()[current_];
  FeatureAtlas& atlas = atlases_[current_];
  if (atlas_version_[current_] != data_version_ || atlas_norm_[current_] != norm || !atlas.Valid()) {
    atlas.Update(run_.activations(current_).data(), st.shape.size(), st.shape.c, st.shape.h, st.shape.w, 0, norm);
    atlas_version_[current_] = data_version_;
    atlas_norm_[current_] = norm;
  }
  // Legend and (not in classroom mode) the normalisation choice.
  const float legend_w = std::min(width * 0.4f, ImGui::GetFontSize() * 14);
  ImGui::BeginGroup();
  const float scale = norm == Normalisation::PerLayer ? std::max(std::fabs(atlas.Min()), atlas.Max()) : 1.0f;
  draw_heat_legend(atlas.Signed() ? -scale : 0.0f, scale, atlas.Signed(), legend_w, ImGui::GetFontSize() * 0.7f);
  ImGui::EndGroup();
  ImGui::SameLine(0, ImGui::GetFontSize());
  ImGui::BeginGroup();
  if (!s.classroom) {
    int n = norm == Normalisation::PerLayer ? 0 : 1;
    ImGui::RadioButton("one scale for the layer", &n, 0);
    ImGui::RadioButton("each map to its own maximum", &n, 1);
    norm = n == 0 ? Normalisation::PerLayer : Normalisation::PerMap;
  } else {
    ImGui::TextColored(ImColor(kMuted).Value,
                       norm == Normalisation::PerLayer ? "one scale for the layer" : "each map scaled to its maximum");
  }
  const bool knock = knock_mode && st.model_layer >= 0;
  if (knock) ImGui::TextColored(ImColor(kOff).Value, "Click a map: off or on");
  else
    ImGui::TextColored(ImColor(kMuted).Value, "%d maps of %d\xc3\x97%d. Click one to enlarge it.", st.shape.c,
                       st.shape.h, st.shape.w);
  ImGui::EndGroup();

  const float top = ImGui::GetCursorScreenPos().y;
  const float avail_h = std::max(height - (top - grid_top_origin_), ImGui::GetFontSize() * 4);
  const float gap = std::max(2.0f, ImGui::GetFontSize() * 0.2f);
  const int n = st.shape.c;
  const int cols = best_cols(n, width, avail_h, gap);
  const float side =
      std::max(4.0f, std::floor(std::min((width - gap * (cols - 1)) / cols,
                                         (avail_h - gap * ((n + cols - 1) / cols - 1)) / ((n + cols - 1) / cols))));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(gap, gap));  // rows as far apart as columns
  for (int c = 0; c < n; ++c) {
    if (c % cols) ImGui::SameLine(0, gap);
    ImVec2 uv0, uv1;
    atlas.MapUv(c, &uv0, &uv1);
    const ImVec2 a = ImGui::GetCursorScreenPos();
    ImGui::PushID(c);
    const bool clicked = ImGui::InvisibleButton("map", ImVec2(side, side));
    ImGui::PopID();
    draw->AddImage(atlas.Id(), a, ImVec2(a.x + side, a.y + side), uv0, uv1);
    cells.push_back(Rect{a.x, a.y, side, side});
    if (c == channel_)
      draw->AddRect(ImVec2(a.x - 2, a.y - 2), ImVec2(a.x + side + 2, a.y + side + 2), kAccent, 0, 0, 3.0f);
    const bool off = st.model_layer >= 0 && s.model.model.unit_off(st.model_layer, c);
    if (off) {  // switched off: darkened, crossed out in red
      const ImVec2 b(a.x + side, a.y + side);
      const float t = std::max(2.0f, side * 0.06f);
      draw->AddRectFilled(a, b, IM_COL32(0, 0, 0, 150));
      draw->AddLine(ImVec2(a.x + t, a.y + t), ImVec2(b.x - t, b.y - t), kOff, t);
      draw->AddLine(ImVec2(b.x - t, a.y + t), ImVec2(a.x + t, b.y - t), kOff, t);
      draw->AddRect(a, b, kOff, 0, 0, t * 0.7f);
    }
    if (clicked && io.MouseDragMaxDistanceSqr[0] < 100.0f) {
      if (knock) {
        knockouts.Set(s, current_, c, !off);
      } else {
        channel_ = channel_ == c ? -1 : c;
        if (channel_ >= 0 && test.loaded && st.model_layer >= 0) StartTopImages(s, current_, channel_);
      }
    }
    if (ImGui::IsItemHovered() && st.model_layer >= 0) {
      const int y = std::clamp(static_cast<int>((io.MousePos.y - a.y) / side * st.shape.h), 0, st.shape.h - 1);
      const int x = std::clamp(static_cast<int>((io.MousePos.x - a.x) / side * st.shape.w), 0, st.shape.w - 1);
      hover_next_ = true;
      hover_box_ = run_.fields().box(st.model_layer, y, x);
    }
  }
  ImGui::PopStyleVar();
}

void LayerView::DrawVector(State& s, float width, float height) {
  const LayerStep& st = run_.steps()[current_];
  FeatureAtlas& atlas = atlases_[current_];
  const int count = st.shape.size();
  // A heat strip: one row for the logits, else wrapped into rows of 32 (64 for long vectors), so
  // the cells stay large enough to see from the back of a classroom.
  const int row = count <= 16 ? count : count <= 512 ? 32 : 64;
  const int rows = (count + row - 1) / row;
  if (atlas_version_[current_] != data_version_ || atlas_norm_[current_] != norm || !atlas.Valid()) {
    atlas.Update(run_.activations(current_).data(), count, 1, rows, row, 1, Normalisation::PerLayer);
    atlas_version_[current_] = data_version_;
    atlas_norm_[current_] = norm;
  }
  const float scale = std::max(std::fabs(atlas.Min()), atlas.Max());
  draw_heat_legend(atlas.Signed() ? -scale : 0.0f, scale, atlas.Signed(),
                   std::min(width * 0.4f, ImGui::GetFontSize() * 14), ImGui::GetFontSize() * 0.7f);
  if (rows > 1) ImGui::TextColored(ImColor(kMuted).Value, "%d values, in rows of %d", count, row);
  else ImGui::TextColored(ImColor(kMuted).Value, "%d values", count);
  const float cell =
      std::max(2.0f, std::min(width / row, std::min(ImGui::GetFontSize() * 2.5f, (height * 0.8f) / rows)));
  const ImVec2 a = ImGui::GetCursorScreenPos();
  const bool clicked = ImGui::InvisibleButton("units", ImVec2(cell * row, cell * rows));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddImage(atlas.Id(), a, ImVec2(a.x + cell * row, a.y + cell * rows));
  const bool knock = knock_mode && st.model_layer >= 0;
  for (int i = 0; i < count; ++i) {
    const ImVec2 c0(a.x + (i % row) * cell, a.y + (i / row) * cell);
    if (i < 512) cells.push_back(Rect{c0.x, c0.y, cell, cell});
    if (st.model_layer < 0 || !s.model.model.unit_off(st.model_layer, i)) continue;
    const ImVec2 c1(c0.x + cell, c0.y + cell);
    draw->AddRectFilled(c0, c1, IM_COL32(0, 0, 0, 150));
    draw->AddLine(c0, c1, kOff, std::max(1.5f, cell * 0.1f));
    draw->AddLine(ImVec2(c1.x, c0.y), ImVec2(c0.x, c1.y), kOff, std::max(1.5f, cell * 0.1f));
  }
  if (ImGui::IsItemHovered()) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    const int i = static_cast<int>((m.y - a.y) / cell) * row + static_cast<int>((m.x - a.x) / cell);
    if (i >= 0 && i < count) {
      ImGui::SetTooltip(knock ? "unit %d: %.4g (click to switch it off or on)" : "unit %d: %.4g", i,
                        static_cast<double>(run_.activations(current_)[i]));
      if (clicked && knock && ImGui::GetIO().MouseDragMaxDistanceSqr[0] < 100.0f)
        knockouts.Set(s, current_, i, !s.model.model.unit_off(st.model_layer, i));
    }
  }
  if (count == dl::kClasses) {  // the logits: label the ten units with their digits
    for (int d = 0; d < dl::kClasses; ++d) {
      char t[4];
      std::snprintf(t, sizeof(t), "%d", d);
      draw->AddText(ImVec2(a.x + cell * (d + 0.5f) - ImGui::CalcTextSize(t).x * 0.5f, a.y + cell + 2), kMuted, t);
    }
    ImGui::Dummy(ImVec2(width, ImGui::GetTextLineHeight()));
  }
  if (knock) ImGui::TextColored(ImColor(kOff).Value, "Knock-out mode: click a unit to switch it off or on.");
}

void LayerView::DrawProbabilities(float width) {
  const float line = ImGui::GetTextLineHeightWithSpacing() * 1.3f;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float label_w = ImGui::CalcTextSize("0  ").x;
  const float pct_w = ImGui::CalcTextSize("100.0%").x;
  const float bar_w = std::max(10.0f, width - label_w - pct_w - ImGui::GetFontSize());
  for (int d = 0; d < dl::kClasses; ++d) {
    const ImVec2 a = ImGui::GetCursorScreenPos();
    char t[16];
    std::snprintf(t, sizeof(t), "%d", d);
    const bool top1 = d == run_.digit();
    draw->AddText(ImVec2(a.x, a.y), top1 ? kAccent : IM_COL32(225, 230, 238, 255), t);
    const ImVec2 b0(a.x + label_w, a.y + 2), b1(a.x + label_w + bar_w, a.y + line * 0.7f);
    draw->AddRectFilled(b0, b1, IM_COL32(38, 42, 52, 255));
    draw->AddRectFilled(b0, ImVec2(b0.x + bar_w * run_.probs()[d], b1.y), top1 ? kAccent : IM_COL32(90, 130, 200, 255));
    std::snprintf(t, sizeof(t), "%.1f%%", 100.0 * run_.probs()[d]);
    draw->AddText(ImVec2(b1.x + ImGui::GetFontSize() * 0.5f, a.y), IM_COL32(225, 230, 238, 255), t);
    ImGui::Dummy(ImVec2(width, line));
  }
}

void LayerView::DrawDetail(State& s, float width) {
  const LayerStep& st = run_.steps()[current_];
  const dl::Model& m = s.model.model;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImGuiIO& io = ImGui::GetIO();
  if (channel_ >= 0) {
    FeatureAtlas& atlas = atlases_[current_];
    ImGui::Text("Channel %d", channel_);
    ImGui::SameLine();
    if (ImGui::SmallButton("close")) {
      channel_ = -1;
      return;
    }
    const float side = std::min(width * 0.7f, ImGui::GetFontSize() * 8.5f);
    ImVec2 uv0, uv1;
    atlas.MapUv(channel_, &uv0, &uv1);
    const ImVec2 a = ImGui::GetCursorScreenPos();
    ImGui::Image(atlas.Id(), ImVec2(side, side), uv0, uv1);
    if (ImGui::IsItemHovered() && st.model_layer >= 0) {
      const int y = std::clamp(static_cast<int>((io.MousePos.y - a.y) / side * st.shape.h), 0, st.shape.h - 1);
      const int x = std::clamp(static_cast<int>((io.MousePos.x - a.x) / side * st.shape.w), 0, st.shape.w - 1);
      hover_next_ = true;
      hover_box_ = run_.fields().box(st.model_layer, y, x);
      const float v = run_.activations(current_)[(static_cast<size_t>(channel_) * st.shape.h + y) * st.shape.w + x];
      ImGui::SetTooltip("(%d, %d): %.4g \xe2\x80\x94 its receptive field is outlined on the input", x, y,
                        static_cast<double>(v));
      const float cw = side / st.shape.w, ch = side / st.shape.h;
      draw->AddRect(ImVec2(a.x + x * cw, a.y + y * ch), ImVec2(a.x + (x + 1) * cw, a.y + (y + 1) * ch),
                    IM_COL32(0, 255, 170, 255), 0, 0, 2.0f);
    }
  }
  // What the channel responds to, then the filter behind the map: for a convolution its kernels
  // (one per input channel); for the first convolution all kernels, each a small image of what it
  // looks for in the drawing.
  DrawTop(s, width);
  const int conv_step = ConvBehind(current_);
  if (conv_step < 0) return;
  const auto& conv = static_cast<const dl::Conv2D&>(m.layer(run_.steps()[conv_step].model_layer));
  const int k = conv.kernel(), in_c = conv.in().c, filters = conv.filters();
  const float* w = conv.weight();  // (filters, in_c*k*k)
  const bool first = in_c == 1;
  if (!first && channel_ < 0) return;
  // While live, every frame uploads again (the frame-rate measurement); else once per model.
  const KernelsKey key{conv_step, first ? -1 : channel_, model_version_, live != Live::Off ? data_version_ : 0};
  if (!(kernels_shown_ == key) || !kernels_.Valid()) {
    if (first) kernels_.Update(w, filters * k * k, filters, k, k, 0, Normalisation::PerLayer);
    else
      kernels_.Update(w + static_cast<size_t>(channel_) * in_c * k * k, in_c * k * k, in_c, k, k, 0,
                      Normalisation::PerLayer);
    kernels_shown_ = key;
  }
  ImGui::Spacing();
  if (first) ImGui::Text("Filters of %s: %d kernels %dx%d", run_.steps()[conv_step].name.c_str(), filters, k, k);
  else
    ImGui::Text("Filter %d of %s: its %dx%d kernel on each of the %d input maps", channel_,
                run_.steps()[conv_step].name.c_str(), k, k, in_c);
  const int n = first ? filters : in_c;
  const float gap = std::max(3.0f, ImGui::GetFontSize() * 0.2f);
  const int cols = std::max(1, std::min(n, static_cast<int>((width + gap) / (ImGui::GetFontSize() * 1.6f + gap))));
  const float cell = std::floor((width - gap * (cols - 1)) / cols);
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(gap, gap));
  for (int i = 0; i < n; ++i) {
    if (i % cols) ImGui::SameLine(0, gap);
    ImVec2 uv0, uv1;
    kernels_.MapUv(i, &uv0, &uv1);
    const ImVec2 a = ImGui::GetCursorScreenPos();
    ImGui::Image(kernels_.Id(), ImVec2(cell, cell), uv0, uv1);
    if (first && i == channel_ && run_.steps()[current_].shape.c == filters)
      draw->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(a.x + cell + 1, a.y + cell + 1), kAccent, 0, 0, 2.0f);
  }
  ImGui::PopStyleVar();
  ImGui::TextColored(ImColor(kMuted).Value, "weights: orange positive, blue negative");
}

int LayerView::ConvBehind(int step) const {
  for (int i = step; i >= 1; --i) {
    if (run_.steps()[i].is(dl::LayerKind::Conv)) return i;
    if (!run_.steps()[i].is(dl::LayerKind::BatchNorm) && !run_.steps()[i].is(dl::LayerKind::ReLU))
      return -1;  // only conv -> bn -> relu
  }
  return -1;
}

void LayerView::DrawTop(State& s, float width) {
  const LayerStep& st = run_.steps()[current_];
  if (channel_ < 0 || st.model_layer < 0) return;
  ImGui::Spacing();
  ImGui::Text("What channel %d responds to", channel_);
  if (!test.loaded) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
    ImGui::TextColored(ImColor(kMuted).Value, "Needs the MNIST test images on the server (build with MNIST_DIR set).");
    ImGui::PopTextWrapPos();
    return;
  }
  const bool mine = top.Layer() == st.model_layer && top.Channel() == channel_;
  if (!mine || (!top.Running() && !top.Done())) {
    if (ImGui::Button("Find the top 9 test images")) StartTopImages(s, current_, channel_);
    return;
  }
  if (top.Done() && top.ModelVersion() != s.model.version) {
    if (ImGui::SmallButton("The weights changed: search again")) StartTopImages(s, current_, channel_);
  }
  if (top.Running()) {
    char label[48];
    std::snprintf(label, sizeof(label), "%.0f%% of %d images", 100.0 * top.Progress(), test.set().count);
    ImGui::ProgressBar(top.Progress(), ImVec2(width, 0), label);
    top_shown_ = TopKey{};
    return;
  }
  const auto& hits = top.Hits();
  const int n = static_cast<int>(hits.size());
  const TopKey key{n, hits[0].index};
  if (!(top_shown_ == key) || !top_atlas_.Valid()) {
    top_pixels_.assign(static_cast<size_t>(TopImages::kTop) * dl::kImageSize, 0.0f);
    for (int i = 0; i < n; ++i)
      std::copy(test.set().image(hits[i].index), test.set().image(hits[i].index) + dl::kImageSize,
                top_pixels_.begin() + static_cast<size_t>(i) * dl::kImageSize);
    top_atlas_.Update(top_pixels_.data(), TopImages::kTop * dl::kImageSize, TopImages::kTop, dl::kImageSide,
                      dl::kImageSide, 3, Normalisation::PerLayer, Colouring::Grey);
    top_shown_ = key;
  }
  const float gap = 3;
  const float cell = std::floor((width - 2 * gap) / 3);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  for (int i = 0; i < n; ++i) {
    if (i % 3) ImGui::SameLine(0, gap);
    ImVec2 uv0, uv1;
    top_atlas_.MapUv(i, &uv0, &uv1);
    const ImVec2 a = ImGui::GetCursorScreenPos();
    ImGui::PushID(i);
    if (ImGui::ImageButton(top_atlas_.Id(), ImVec2(cell, cell), uv0, uv1, 0)) PickTestImage(hits[i].index);
    ImGui::PopID();
    // The strongest region: the receptive field of the channel's maximum on this image.
    const dl::PixelBox b = run_.fields().box(st.model_layer, hits[i].y, hits[i].x);
    const float px = cell / dl::kImageSide;
    draw->AddRect(ImVec2(a.x + b.x0 * px, a.y + b.y0 * px), ImVec2(a.x + (b.x1 + 1) * px, a.y + (b.y1 + 1) * px),
                  IM_COL32(0, 255, 170, 255), 0, 0, 2.0f);
  }
  ImGui::TextColored(ImColor(kMuted).Value, "%d test images in %.1f s; click one to use it", test.set().count,
                     top.Ms() / 1000.0);
}

void LayerView::HandleSwipe(State& s) {
  // A horizontal swipe (touch, or a mouse drag) outside the pad steps: left = next, right = back.
  const ImGuiIO& io = ImGui::GetIO();
  const auto on_pad = [&](ImVec2 p) {
    return p.x >= pad_rect_[0] && p.y >= pad_rect_[1] && p.x < pad_rect_[0] + pad_rect_[2] &&
           p.y < pad_rect_[1] + pad_rect_[3];
  };
  if (ImGui::IsMouseClicked(0)) {
    swipe_armed_ = !on_pad(io.MousePos);
    swipe_start_ = io.MousePos;
  }
  if (swipe_armed_ && ImGui::IsMouseReleased(0)) {
    swipe_armed_ = false;
    const float dx = io.MousePos.x - swipe_start_.x, dy = io.MousePos.y - swipe_start_.y;
    if (std::fabs(dx) > std::max(50.0f, s.layout.width * 0.12f) && std::fabs(dx) > 1.5f * std::fabs(dy)) {
      StepBy(dx < 0 ? 1 : -1);
      scroll_to_current_ = true;
    }
  }
}

void LayerView::Draw(State& s) {
  const double t0 = now_ms();
  Update(s);
  const Layout& L = s.layout;
  const ImGuiStyle& st = ImGui::GetStyle();
  const float inner_w = L.width - 2 * st.WindowPadding.x;
  hover_valid_ = hover_next_;
  hover_next_ = false;

  // Keyboard (main.cpp): arrows and Page Up/Down step, Home/End jump, as a presenter's clicker does.
  if (s.commands.layer_step != 0) {
    StepBy(s.commands.layer_step);
    s.commands.layer_step = 0;
    scroll_to_current_ = true;
  }
  HandleSwipe(s);

  cells.clear();
  if (JobsBusy()) progress_frame_ms_ = now_ms();
  DrawStrip(s, inner_w);
  DrawNav(s, inner_w);
  DrawPanelSwitch(s, inner_w);
  ImGui::Separator();

  // Landscape: the input column on the left; portrait (a tablet upright, a phone): on top.
  const bool portrait = L.width < L.height * 0.9f;
  const float rest_h = L.height - ImGui::GetCursorPosY() - st.WindowPadding.y;
  const float col_w = portrait ? inner_w : std::clamp(inner_w * 0.22f, L.font_px * 10, L.font_px * 16);
  const float input_h = portrait ? std::min(rest_h * 0.36f, inner_w * 0.45f) : rest_h;
  ImGui::BeginChild("input", ImVec2(col_w, input_h), false);
  DrawInputColumn(s, col_w - st.ScrollbarSize, input_h, portrait);
  ImGui::EndChild();
  if (!portrait) ImGui::SameLine(0, L.font_px);
  const float main_w = portrait ? inner_w : inner_w - col_w - L.font_px;
  const float main_h = portrait ? rest_h - input_h - st.ItemSpacing.y : rest_h;
  ImGui::BeginChild("maps", ImVec2(main_w, main_h), false);
  grid_top_origin_ = ImGui::GetCursorScreenPos().y;
  const LayerStep& cur = run_.steps()[current_];
  if (!s.model.loaded) {
    ImGui::TextColored(ImColor(kMuted).Value, "No model loaded: load one in the Draw view to see its layers.");
  } else if (panel == Panel::Probes) {
    probes.Draw(s, *this, main_w - st.ScrollbarSize, main_h);
  } else if (panel == Panel::Map) {
    map.Draw(s, *this, main_w - st.ScrollbarSize, main_h);
  } else if (cur.role == LayerStep::Role::Softmax) {
    DrawProbabilities(std::min(main_w, L.font_px * 30));
    if (knock_mode) {
      ImGui::Spacing();
      knockouts.Draw(s, current_, std::min(main_w - st.ScrollbarSize, L.font_px * 24));
    }
  } else if (spatial(cur.shape)) {
    // The side panel: the enlarged map, its filter and top images; for the first convolution
    // block also without a choice (its kernels are the easiest filters to read).
    const int conv = ConvBehind(current_);
    const bool first_conv = conv >= 0 && s.model.model.layer(run_.steps()[conv].model_layer).in().c == 1;
    // In classroom mode and on a phone the kernels wait until a map is picked: the maps get the room.
    // In knock-out mode the side panel is the knock-outs' buttons and what they cost.
    const bool knock = knock_mode && cur.model_layer >= 0;
    const bool detail = knock || channel_ >= 0 || (first_conv && !s.classroom && !L.phone);
    const float detail_w = detail ? std::min(main_w * (portrait ? 0.45f
                                                       : knock  ? 0.36f
                                                                : 0.3f),
                                             L.font_px * (knock ? 17 : 14))
                                  : 0;
    ImGui::BeginChild("grid", ImVec2(main_w - detail_w - (detail ? L.font_px : 0), main_h), false);
    grid_top_origin_ = ImGui::GetCursorScreenPos().y;
    DrawMaps(s, main_w - detail_w - (detail ? L.font_px : 0) - st.ScrollbarSize, main_h - st.ItemSpacing.y);
    ImGui::EndChild();
    if (detail) {
      ImGui::SameLine(0, L.font_px);
      ImGui::BeginChild("detail", ImVec2(detail_w, main_h), false);
      if (knock) knockouts.Draw(s, current_, detail_w - st.ScrollbarSize);
      else DrawDetail(s, detail_w - st.ScrollbarSize);
      ImGui::EndChild();
    }
  } else {
    DrawVector(s, main_w - st.ScrollbarSize, knock_mode ? main_h * 0.45f : main_h);
    if (knock_mode && cur.model_layer >= 0) {
      ImGui::Spacing();
      knockouts.Draw(s, current_, std::min(main_w - st.ScrollbarSize, L.font_px * 26));
    }
  }
  ImGui::EndChild();
  draw_ms_ = now_ms() - t0;
}

}  // namespace app
