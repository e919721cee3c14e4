// input_preview.cpp — see input_preview.h.
#include "input_preview.h"

#include <algorithm>

#include "app_state.h"

namespace app {

void InputPreview::Draw(const Prediction& p, float side) {
  if (shown_version_ != p.version || !texture_.Valid()) {
    for (int i = 0; i < dl::kImageSize; ++i) {
      const float v = std::clamp(p.input28[i], 0.0f, 1.0f);
      const uint8_t g = static_cast<uint8_t>(v * 255.0f + 0.5f);
      rgba_[i * 4 + 0] = g;
      rgba_[i * 4 + 1] = g;
      rgba_[i * 4 + 2] = g;
      rgba_[i * 4 + 3] = 255;
    }
    texture_.Update(rgba_, dl::kImageSide, dl::kImageSide, /*nearest=*/true);
    shown_version_ = p.version;
  }
  const ImVec2 a = ImGui::GetCursorScreenPos();
  ImGui::Image(texture_.Id(), ImVec2(side, side));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 b(a.x + side, a.y + side);
  draw->AddRect(a, b, IM_COL32(70, 78, 92, 255), 0, 0, 1.5f);
  // The centre (14, 14): the preprocessing puts the ink's centre of mass here.
  const ImU32 guide = IM_COL32(80, 160, 255, 110);
  const float c = side * 0.5f, tick = side * 0.06f;
  draw->AddLine(ImVec2(a.x + c - tick, a.y + c), ImVec2(a.x + c + tick, a.y + c), guide, 1.0f);
  draw->AddLine(ImVec2(a.x + c, a.y + c - tick), ImVec2(a.x + c, a.y + c + tick), guide, 1.0f);
}

}  // namespace app
