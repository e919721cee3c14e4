// plot.cpp — see plot.h.
#include "plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace app {

void LinePlot(const char* title, ImVec2 size, const PlotAxes& a, const PlotSeries* series, int count) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float line = ImGui::GetTextLineHeight();
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const ImU32 grid = IM_COL32(255, 255, 255, 28);
  // Title and legend on one line above the frame.
  dl->AddText(p0, ImGui::GetColorU32(ImGuiCol_Text), title);
  float lx = p0.x + ImGui::CalcTextSize(title).x + line;
  for (int i = 0; i < count; ++i) {
    dl->AddRectFilled(ImVec2(lx, p0.y + line * 0.35f), ImVec2(lx + line * 0.8f, p0.y + line * 0.65f), series[i].color);
    lx += line;
    dl->AddText(ImVec2(lx, p0.y), text, series[i].label);
    lx += ImGui::CalcTextSize(series[i].label).x + line * 0.8f;
  }
  char lo[32], hi[32];
  const auto fy = [&](float v) { return a.y_log ? std::log10(std::max(v, 1e-12f)) : v; };
  std::snprintf(hi, sizeof(hi), a.y_format, a.y_max);
  std::snprintf(lo, sizeof(lo), a.y_format, a.y_min);
  const float margin = std::max(ImGui::CalcTextSize(hi).x, ImGui::CalcTextSize(lo).x) + line * 0.4f;
  const ImVec2 f0(p0.x + margin, p0.y + line * 1.3f);
  const ImVec2 f1(p0.x + size.x, p0.y + size.y - line * 1.2f);
  dl->AddRectFilled(f0, f1, IM_COL32(255, 255, 255, 8));
  dl->AddRect(f0, f1, grid);
  for (int k = 1; k < 4; ++k) {
    const float y = f0.y + (f1.y - f0.y) * k / 4.0f;
    dl->AddLine(ImVec2(f0.x, y), ImVec2(f1.x, y), grid);
  }
  dl->AddText(ImVec2(p0.x, f0.y - line * 0.5f), text, hi);
  dl->AddText(ImVec2(p0.x, f1.y - line * 0.5f), text, lo);
  char xl[48];
  std::snprintf(xl, sizeof(xl), "%g", static_cast<double>(a.x_min));
  dl->AddText(ImVec2(f0.x, f1.y + line * 0.1f), text, xl);
  std::snprintf(xl, sizeof(xl), "%g %s", static_cast<double>(a.x_max), a.x_label);
  dl->AddText(ImVec2(f1.x - ImGui::CalcTextSize(xl).x, f1.y + line * 0.1f), text, xl);

  const float y0 = fy(a.y_min), y1 = fy(a.y_max);
  const float xs = (f1.x - f0.x) / std::max(1e-9f, a.x_max - a.x_min);
  const float ys = (f1.y - f0.y) / std::max(1e-9f, y1 - y0);
  dl->PushClipRect(f0, f1, true);
  for (int i = 0; i < count; ++i) {
    const PlotSeries& s = series[i];
    const char* xb = reinterpret_cast<const char*>(s.x);
    const char* yb = reinterpret_cast<const char*>(s.y);
    // At most ~2 points per pixel column: long curves are thinned, not drawn point by point.
    const int step = std::max(1, static_cast<int>(s.count / std::max(1.0f, (f1.x - f0.x) * 2)));
    ImVec2 prev;
    bool have = false;
    for (int k = 0; k < s.count; k += step) {
      const float x = *reinterpret_cast<const float*>(xb + static_cast<size_t>(k) * s.stride);
      const float y = *reinterpret_cast<const float*>(yb + static_cast<size_t>(k) * s.stride);
      if (!std::isfinite(y)) {
        have = false;
        continue;
      }
      const ImVec2 p(f0.x + (x - a.x_min) * xs, f1.y - (fy(y) - y0) * ys);
      if (have) dl->AddLine(prev, p, s.color, 2.0f);
      else if (s.count == 1) dl->AddCircleFilled(p, 3.0f, s.color);
      prev = p;
      have = true;
    }
    if (s.count > 1 && have) dl->AddCircleFilled(prev, 3.0f, s.color);
  }
  dl->PopClipRect();
  ImGui::Dummy(size);
}

}  // namespace app
