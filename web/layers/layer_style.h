// layer_style.h — what the Layers view's panels share on screen: its colours (the strip's, the
// knock-out mark, one colour per digit for the map) and text drawn larger than the UI font.
#pragma once
#include "imgui.h"

namespace app {

const ImU32 kMuted = IM_COL32(150, 158, 172, 255);
const ImU32 kAccent = IM_COL32(255, 214, 10, 255);   // the current step: yellow, seen from the back row
const ImU32 kBox = IM_COL32(34, 40, 52, 255);        // a step after the current one
const ImU32 kBoxDone = IM_COL32(44, 62, 92, 255);    // a step before it
const ImU32 kBarDone = IM_COL32(78, 118, 180, 255);  // the same steps as bars (brighter than the boxes)
const ImU32 kBarAfter = IM_COL32(70, 80, 100, 255);
const ImU32 kOff = IM_COL32(235, 64, 52, 255);  // a unit switched off
const ImU32 kText = IM_COL32(225, 230, 238, 255);

// One colour per digit, for the map's points and legend (Tableau 10, lightened for a dark page).
inline ImU32 digit_colour(int d, int alpha = 255) {
  static const unsigned char rgb[10][3] = {{66, 146, 214},  {255, 140, 40}, {60, 190, 80},   {235, 70, 70},
                                           {170, 125, 220}, {180, 120, 95}, {240, 130, 200}, {170, 170, 170},
                                           {205, 205, 50},  {40, 205, 225}};
  const unsigned char* c = rgb[d < 0 || d > 9 ? 7 : d];
  return IM_COL32(c[0], c[1], c[2], alpha);
}

// Text drawn at `scale` times the UI font (a title or a figure that must be read across a classroom).
inline void big_text(const char* text, float scale, ImU32 col) {
  ImFont* font = ImGui::GetFont();
  const float size = ImGui::GetFontSize() * scale;
  const ImVec2 ts = font->CalcTextSizeA(size, 1e9f, 0, text);
  ImGui::GetWindowDrawList()->AddText(font, size, ImGui::GetCursorScreenPos(), col, text);
  ImGui::Dummy(ts);
}

}  // namespace app
