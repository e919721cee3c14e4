// ui_items.h — what the ImGui panels share (ui_common.h stays free of ImGui: the training session and
// the engine tests include it): the rectangle of the last item drawn, the muted and title colours.
#pragma once
#include "imgui.h"
#include "ui_common.h"

namespace app {

// Where ImGui drew the last item (a button the automation API reports).
inline Rect last_item_rect() {
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  return Rect{a.x, a.y, b.x - a.x, b.y - a.y};
}

// Secondary text (hints, counts) and section titles.
inline const ImVec4 kMutedText(0.55f, 0.58f, 0.63f, 1.0f);
inline const ImVec4 kTitleText(0.55f, 0.62f, 0.75f, 1.0f);

}  // namespace app
