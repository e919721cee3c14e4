// heatmap.cpp — see heatmap.h. The scales are piecewise-linear through a few stops: cheap enough to
// run per pixel every frame, and the same on every platform.
#include "heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace app {

namespace {

struct Stop {
  float t;
  float r, g, b;
};

// 0 -> black, then dark purple, red, orange, pale yellow (inferno-like).
constexpr Stop kPositive[] = {
    {0.00f, 0.00f, 0.00f, 0.02f}, {0.25f, 0.34f, 0.06f, 0.43f}, {0.50f, 0.73f, 0.21f, 0.33f},
    {0.75f, 0.98f, 0.55f, 0.04f}, {1.00f, 0.99f, 1.00f, 0.64f},
};
// 0 -> black, then navy, blue, pale cyan.
constexpr Stop kNegative[] = {
    {0.00f, 0.00f, 0.00f, 0.02f},
    {0.35f, 0.05f, 0.16f, 0.45f},
    {0.70f, 0.16f, 0.47f, 0.86f},
    {1.00f, 0.62f, 0.90f, 1.00f},
};

template <size_t N>
void lookup(const Stop (&stops)[N], float t, float* rgb) {
  for (size_t i = 1; i < N; ++i) {
    if (t <= stops[i].t || i == N - 1) {
      const Stop& a = stops[i - 1];
      const Stop& b = stops[i];
      const float f = std::clamp((t - a.t) / (b.t - a.t), 0.0f, 1.0f);
      rgb[0] = a.r + (b.r - a.r) * f;
      rgb[1] = a.g + (b.g - a.g) * f;
      rgb[2] = a.b + (b.b - a.b) * f;
      return;
    }
  }
}

}  // namespace

void heat_rgba(float t, uint8_t* rgba) {
  if (!(t == t)) t = 0;  // NaN shows as zero rather than as a random colour
  t = std::clamp(t, -1.0f, 1.0f);
  float rgb[3];
  if (t >= 0) lookup(kPositive, t, rgb);
  else lookup(kNegative, -t, rgb);
  for (int i = 0; i < 3; ++i) rgba[i] = static_cast<uint8_t>(rgb[i] * 255.0f + 0.5f);
  rgba[3] = 255;
}

ImU32 heat_color(float t) {
  uint8_t c[4];
  heat_rgba(t, c);
  return IM_COL32(c[0], c[1], c[2], c[3]);
}

void draw_heat_legend(float lo, float hi, bool signed_scale, float width, float height) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 a = ImGui::GetCursorScreenPos();
  constexpr int kSteps = 48;
  const float t0 = signed_scale ? -1.0f : 0.0f;
  for (int i = 0; i < kSteps; ++i) {
    const float x0 = a.x + width * i / kSteps, x1 = a.x + width * (i + 1) / kSteps;
    const float t = t0 + (1.0f - t0) * (i + 0.5f) / kSteps;
    draw->AddRectFilled(ImVec2(x0, a.y), ImVec2(x1 + 0.5f, a.y + height), heat_color(t));
  }
  draw->AddRect(a, ImVec2(a.x + width, a.y + height), IM_COL32(120, 128, 140, 255));
  ImGui::Dummy(ImVec2(width, height));
  char left[32], right[32];
  std::snprintf(left, sizeof(left), "%.3g", signed_scale ? static_cast<double>(lo) : 0.0);
  std::snprintf(right, sizeof(right), "%.3g", static_cast<double>(hi));
  const float y = ImGui::GetCursorScreenPos().y;
  draw->AddText(ImVec2(a.x, y), IM_COL32(200, 205, 215, 255), left);
  if (signed_scale) {
    const float zx = a.x + width * 0.5f - ImGui::CalcTextSize("0").x * 0.5f;
    draw->AddText(ImVec2(zx, y), IM_COL32(200, 205, 215, 255), "0");
  }
  draw->AddText(ImVec2(a.x + width - ImGui::CalcTextSize(right).x, y), IM_COL32(200, 205, 215, 255), right);
  ImGui::Dummy(ImVec2(width, ImGui::GetTextLineHeight()));
}

}  // namespace app
