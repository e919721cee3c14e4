// draw_pad.cpp — stroke capture, smoothing, on-screen drawing and rasterisation of the pad.
#include "draw_pad.h"

#include <algorithm>
#include <cmath>

#include "app_state.h"

namespace app {

namespace {

constexpr float kScreenPen = 0.055f;  // on-screen pen width, fraction of the pad side

float dist(dl::PenPoint a, dl::PenPoint b) { return std::hypot(a.x - b.x, a.y - b.y); }

}  // namespace

DrawPad::DrawPad() {
  strokes_.reserve(64);
  smooth_.reserve(4096);
  screen_.reserve(4096);
}

void DrawPad::Clear() {
  if (strokes_.empty() && !drawing_) return;
  strokes_.clear();
  drawing_ = false;
  ++version_;
}

void DrawPad::Undo() {
  drawing_ = false;
  if (strokes_.empty()) return;
  strokes_.pop_back();
  ++version_;
}

void DrawPad::AddPoint(dl::PenPoint p) {
  dl::PenStroke& pts = strokes_.back();
  if (!pts.empty() && dist(pts.back(), p) < dl::kPenMinStep) return;
  pts.push_back(p);
  ++version_;
}

void DrawPad::Draw(const std::vector<PointerEvent>& events, float side, bool accept_input) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  rect_min_ = ImGui::GetCursorScreenPos();
  side_ = side;
  const ImVec2 rect_max(rect_min_.x + side, rect_min_.y + side);
  // The button claims the area so that ImGui neither drags the window nor hovers what is behind.
  ImGui::InvisibleButton("##pad", ImVec2(side, side));

  // Every pointer sample since the last frame, in order (ImGui alone would give one per frame).
  auto to_pad = [&](const PointerEvent& e) { return dl::PenPoint{(e.x - rect_min_.x) / side, (e.y - rect_min_.y) / side}; };
  for (const PointerEvent& e : events) {
    if (e.kind == PointerEvent::Down) {
      const bool inside = e.x >= rect_min_.x && e.x < rect_max.x && e.y >= rect_min_.y && e.y < rect_max.y;
      if (inside && accept_input) {
        drawing_ = true;
        strokes_.emplace_back();
        strokes_.back().reserve(256);
        strokes_.back().push_back(to_pad(e));
        ++version_;
      }
    } else if (e.kind == PointerEvent::Move) {
      if (drawing_) AddPoint(to_pad(e));
    } else if (drawing_) {  // Up
      AddPoint(to_pad(e));
      drawing_ = false;
    }
  }

  // Paper (MNIST's polarity: white ink on black), a faint frame, a hint while empty.
  const float rounding = side * 0.02f;
  draw->AddRectFilled(rect_min_, rect_max, IM_COL32(12, 14, 18, 255), rounding);
  draw->AddRect(rect_min_, rect_max, ImGui::IsItemHovered() ? IM_COL32(120, 140, 170, 255) : IM_COL32(70, 78, 92, 255),
                rounding, 0, 2.0f);
  if (strokes_.empty()) {
    const char* hint = "Draw a digit here";
    const ImVec2 ts = ImGui::CalcTextSize(hint);
    draw->AddText(ImVec2(rect_min_.x + (side - ts.x) * 0.5f, rect_min_.y + (side - ts.y) * 0.5f),
                  IM_COL32(110, 118, 130, 255), hint);
  }

  // Ink: thick polylines, with a disc at every point for round caps and round joins.
  draw->PushClipRect(rect_min_, rect_max, true);
  const float pen = kScreenPen * side;
  const ImU32 ink = IM_COL32(245, 245, 245, 255);
  for (const dl::PenStroke& s : strokes_) {
    dl::smooth_stroke(s.data(), static_cast<int>(s.size()), &smooth_);
    screen_.clear();
    for (const dl::PenPoint& p : smooth_) screen_.push_back(ImVec2(rect_min_.x + p.x * side, rect_min_.y + p.y * side));
    const int n = static_cast<int>(screen_.size());
    if (n >= 2) draw->AddPolyline(screen_.data(), n, ink, 0, pen);
    for (int i = 0; i < n; ++i) draw->AddCircleFilled(screen_[i], pen * 0.5f, ink, 20);
  }
  draw->PopClipRect();
}

void DrawPad::Rasterise(float* out, int side) { dl::rasterise_strokes(strokes_, side, out, &smooth_); }

}  // namespace app
