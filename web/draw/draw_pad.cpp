// draw_pad.cpp — stroke capture, smoothing, on-screen drawing and rasterisation of the pad.
#include "draw_pad.h"

#include <algorithm>
#include <cmath>

#include "app_state.h"

namespace app {

namespace {

constexpr float kMinStep = 0.003f;     // drop samples closer than this to the last (pad units)
constexpr float kSmoothStep = 0.008f;  // Catmull-Rom: one point per this much length
constexpr int kMaxSubdiv = 8;
constexpr float kScreenPen = 0.055f;   // on-screen pen width, fraction of the pad side
constexpr float kInkPenScale = 0.13f;  // network pen width, fraction of the drawing's larger side
constexpr float kInkPenMin = 0.015f;   // ... clamped to this range of the pad side
constexpr float kInkPenMax = 0.09f;

ImVec2 catmull_rom(ImVec2 p0, ImVec2 p1, ImVec2 p2, ImVec2 p3, float t) {
  const float t2 = t * t, t3 = t2 * t;
  auto f = [&](float a, float b, float c, float d) {
    return 0.5f * ((2 * b) + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
  };
  return ImVec2(f(p0.x, p1.x, p2.x, p3.x), f(p0.y, p1.y, p2.y, p3.y));
}

float dist(ImVec2 a, ImVec2 b) { return std::hypot(a.x - b.x, a.y - b.y); }

// Max-combines a round-capped segment a-b of radius r (pixels) into img (side, side), with one
// pixel of anti-aliasing: coverage = clamp(r + 0.5 - distance to the segment, 0, 1).
void stamp_capsule(float* img, int side, ImVec2 a, ImVec2 b, float r) {
  const int x0 = std::max(0, static_cast<int>(std::floor(std::min(a.x, b.x) - r - 1)));
  const int x1 = std::min(side - 1, static_cast<int>(std::ceil(std::max(a.x, b.x) + r + 1)));
  const int y0 = std::max(0, static_cast<int>(std::floor(std::min(a.y, b.y) - r - 1)));
  const int y1 = std::min(side - 1, static_cast<int>(std::ceil(std::max(a.y, b.y) + r + 1)));
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float len2 = dx * dx + dy * dy;
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const float px = x + 0.5f - a.x, py = y + 0.5f - a.y;
      float t = len2 > 0 ? (px * dx + py * dy) / len2 : 0.0f;
      t = std::clamp(t, 0.0f, 1.0f);
      const float ex = px - t * dx, ey = py - t * dy;
      const float d = std::sqrt(ex * ex + ey * ey);
      const float cov = std::clamp(r + 0.5f - d, 0.0f, 1.0f);
      float& v = img[y * side + x];
      v = std::max(v, cov);
    }
  }
}

}  // namespace

DrawPad::DrawPad() {
  strokes_.reserve(64);
  smooth_.reserve(4096);
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

void DrawPad::AddPoint(ImVec2 p) {
  std::vector<ImVec2>& pts = strokes_.back().points;
  if (!pts.empty() && dist(pts.back(), p) < kMinStep) return;
  pts.push_back(p);
  ++version_;
}

void DrawPad::Smooth(const Stroke& s) {
  smooth_.clear();
  const std::vector<ImVec2>& p = s.points;
  const int n = static_cast<int>(p.size());
  if (n == 0) return;
  smooth_.push_back(p[0]);
  for (int i = 0; i + 1 < n; ++i) {
    const ImVec2 a = p[i > 0 ? i - 1 : 0], b = p[i], c = p[i + 1], d = p[i + 2 < n ? i + 2 : n - 1];
    const int k = std::clamp(static_cast<int>(std::ceil(dist(b, c) / kSmoothStep)), 1, kMaxSubdiv);
    for (int j = 1; j <= k; ++j) smooth_.push_back(catmull_rom(a, b, c, d, static_cast<float>(j) / k));
  }
}

void DrawPad::Draw(const std::vector<PointerEvent>& events, float side, bool accept_input) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  rect_min_ = ImGui::GetCursorScreenPos();
  side_ = side;
  const ImVec2 rect_max(rect_min_.x + side, rect_min_.y + side);
  // The button claims the area so that ImGui neither drags the window nor hovers what is behind.
  ImGui::InvisibleButton("##pad", ImVec2(side, side));

  // Every pointer sample since the last frame, in order (ImGui alone would give one per frame).
  auto to_pad = [&](const PointerEvent& e) { return ImVec2((e.x - rect_min_.x) / side, (e.y - rect_min_.y) / side); };
  for (const PointerEvent& e : events) {
    if (e.kind == PointerEvent::Down) {
      const bool inside = e.x >= rect_min_.x && e.x < rect_max.x && e.y >= rect_min_.y && e.y < rect_max.y;
      if (inside && accept_input) {
        drawing_ = true;
        strokes_.push_back(Stroke());
        strokes_.back().points.reserve(256);
        strokes_.back().points.push_back(to_pad(e));
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
  auto to_screen = [&](ImVec2 p) { return ImVec2(rect_min_.x + p.x * side, rect_min_.y + p.y * side); };
  for (const Stroke& s : strokes_) {
    Smooth(s);
    for (ImVec2& p : smooth_) p = to_screen(p);
    const int n = static_cast<int>(smooth_.size());
    if (n >= 2) draw->AddPolyline(smooth_.data(), n, ink, 0, pen);
    for (int i = 0; i < n; ++i) draw->AddCircleFilled(smooth_[i], pen * 0.5f, ink, 20);
  }
  draw->PopClipRect();
}

void DrawPad::Rasterise(float* out, int side) {
  std::fill(out, out + side * side, 0.0f);
  if (strokes_.empty()) return;
  // The drawing's extent decides the pen, so big and small digits get MNIST-like strokes.
  float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
  for (const Stroke& s : strokes_) {
    for (const ImVec2& p : s.points) {
      x0 = std::min(x0, p.x);
      y0 = std::min(y0, p.y);
      x1 = std::max(x1, p.x);
      y1 = std::max(y1, p.y);
    }
  }
  const float extent = std::max(x1 - x0, y1 - y0);
  const float pen = std::clamp(kInkPenScale * extent, kInkPenMin, kInkPenMax);
  const float r = 0.5f * pen * side;
  for (const Stroke& s : strokes_) {
    Smooth(s);
    const int n = static_cast<int>(smooth_.size());
    for (int i = 0; i < n; ++i) {
      const ImVec2 a(smooth_[i].x * side, smooth_[i].y * side);
      const ImVec2 b = i + 1 < n ? ImVec2(smooth_[i + 1].x * side, smooth_[i + 1].y * side) : a;
      if (i + 1 < n || n == 1) stamp_capsule(out, side, a, b, r);
    }
  }
}

}  // namespace app
