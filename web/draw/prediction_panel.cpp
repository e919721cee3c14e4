// prediction_panel.cpp — see prediction_panel.h.
#include "prediction_panel.h"

#include <algorithm>
#include <cstdio>

#include "app_state.h"

namespace app {

namespace {
const ImU32 kSure = IM_COL32(110, 220, 140, 255);
const ImU32 kUnsure = IM_COL32(250, 190, 80, 255);
const ImU32 kMuted = IM_COL32(120, 128, 140, 255);
const ImU32 kBarBg = IM_COL32(38, 42, 52, 255);
const ImU32 kBar = IM_COL32(90, 130, 200, 255);
}  // namespace

void PredictionPanel::DrawAnswer(const Prediction& p, const ModelSlot& m, const Fonts& f, float box) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 a = ImGui::GetCursorScreenPos();
  const ImVec2 b(a.x + box, a.y + box);
  ImGui::Dummy(ImVec2(box, box));
  draw->AddRectFilled(a, b, IM_COL32(24, 27, 34, 255), box * 0.08f);
  char text[4] = "?";
  ImU32 col = kMuted;
  if (p.valid) {
    if (!p.not_sure()) {
      text[0] = static_cast<char>('0' + p.digit);
      col = kSure;
    } else {
      col = kUnsure;
    }
  } else if (!m.loaded || !p.has_ink) {
    text[0] = '\0';
  }
  if (text[0] != '\0') {
    ImFont* font = f.big;
    // The big font is baked at big_px; ImGui scales it by FontGlobalScale like every font.
    const float size = std::min(f.big_px, box * 0.9f);
    const ImVec2 ts = font->CalcTextSizeA(size, 1e9f, 0, text);
    draw->AddText(font, size, ImVec2(a.x + (box - ts.x) * 0.5f, a.y + (box - ts.y) * 0.5f), col, text);
  }
}

void PredictionPanel::DrawStatus(const Prediction& p, const ModelSlot& m, float width) {
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width);
  if (!m.loaded) {
    ImGui::TextColored(ImColor(kUnsure).Value, "No model loaded: drawing works, but nothing answers.");
  } else if (!p.has_ink) {
    ImGui::TextColored(ImColor(kMuted).Value, "Draw a digit from 0 to 9.");
  } else if (p.not_sure()) {
    ImGui::TextColored(ImColor(kUnsure).Value, "Not sure");
    ImGui::Text("maybe %d (%.0f%%)", p.digit, 100.0f * p.probs[p.digit]);
  } else {
    ImGui::TextColored(ImColor(kSure).Value, "It's a %d", p.digit);
    ImGui::Text("%.1f%% sure", 100.0f * p.probs[p.digit]);
  }
  ImGui::PopTextWrapPos();
}

void PredictionPanel::DrawBars(const Prediction& p, float width, bool columns) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeight();
  const ImVec2 a = ImGui::GetCursorScreenPos();
  char pct[16];
  if (columns) {
    // Ten columns: bar above, digit below.
    const float chart_h = line * 3.5f;
    const float col_w = width / dl::kClasses;
    const float bar_w = col_w * 0.6f;
    for (int d = 0; d < dl::kClasses; ++d) {
      const float v = p.valid ? std::clamp(p.probs[d], 0.0f, 1.0f) : 0.0f;
      const float x = a.x + d * col_w + (col_w - bar_w) * 0.5f;
      draw->AddRectFilled(ImVec2(x, a.y), ImVec2(x + bar_w, a.y + chart_h), kBarBg, 3.0f);
      if (v > 0.0f) {
        const ImU32 c = (p.valid && d == p.digit) ? (p.not_sure() ? kUnsure : kSure) : kBar;
        draw->AddRectFilled(ImVec2(x, a.y + chart_h * (1.0f - v)), ImVec2(x + bar_w, a.y + chart_h), c, 3.0f);
      }
      const char label[2] = {static_cast<char>('0' + d), 0};
      const ImVec2 ts = ImGui::CalcTextSize(label);
      draw->AddText(ImVec2(a.x + d * col_w + (col_w - ts.x) * 0.5f, a.y + chart_h + line * 0.15f),
                    ImGui::GetColorU32(ImGuiCol_Text), label);
    }
    ImGui::Dummy(ImVec2(width, chart_h + line * 1.3f));
    return;
  }
  // One row per digit: label, bar, percentage.
  const float row_h = line * 1.2f;
  const float label_w = ImGui::CalcTextSize("0").x * 2.0f;
  const float pct_w = ImGui::CalcTextSize("100.0%").x + line * 0.5f;
  const float bar_w = std::max(line, width - label_w - pct_w);
  for (int d = 0; d < dl::kClasses; ++d) {
    const float y = a.y + d * row_h;
    const float v = p.valid ? std::clamp(p.probs[d], 0.0f, 1.0f) : 0.0f;
    const bool top = p.valid && d == p.digit;
    const char label[2] = {static_cast<char>('0' + d), 0};
    draw->AddText(ImVec2(a.x, y + (row_h - line) * 0.5f), ImGui::GetColorU32(ImGuiCol_Text), label);
    const float bx = a.x + label_w, by = y + row_h * 0.18f, bh = row_h * 0.64f;
    draw->AddRectFilled(ImVec2(bx, by), ImVec2(bx + bar_w, by + bh), kBarBg, 3.0f);
    if (v > 0.0f) {
      const ImU32 c = top ? (p.not_sure() ? kUnsure : kSure) : kBar;
      draw->AddRectFilled(ImVec2(bx, by), ImVec2(bx + std::max(2.0f, bar_w * v), by + bh), c, 3.0f);
    }
    if (p.valid) {
      std::snprintf(pct, sizeof(pct), "%.1f%%", 100.0f * v);
      const ImVec2 ts = ImGui::CalcTextSize(pct);
      draw->AddText(ImVec2(a.x + width - ts.x, y + (row_h - line) * 0.5f),
                    top ? ImGui::GetColorU32(ImGuiCol_Text) : kMuted, pct);
    }
  }
  ImGui::Dummy(ImVec2(width, row_h * dl::kClasses));
}

}  // namespace app
