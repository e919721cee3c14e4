// fonts.cpp — builds the font atlas for a UI size and pixel ratio (see fonts.h).
#include "fonts.h"

#include <cmath>

#include "imgui_impl_opengl3.h"

namespace app {

void Fonts::Ensure(float want_px, float want_dpr, std::vector<uint8_t>& ttf) {
  want_px = std::round(want_px);
  if (ui != nullptr && want_px == ui_px && want_dpr == dpr) return;
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  // Latin-1, plus dashes, ellipsis, arrows and the multiplication sign used in the UI.
  static const ImWchar kUiRanges[] = {0x0020, 0x00FF, 0x2013, 0x2014, 0x2026, 0x2026, 0x2190, 0x2193, 0};
  static const ImWchar kBigRanges[] = {0x0030, 0x0039, 0x003F, 0x003F, 0};
  ui_px = want_px;
  big_px = std::round(want_px * 5.0f);
  dpr = want_dpr;
  if (!ttf.empty()) {
    ImFontConfig cfg;
    cfg.FontDataOwnedByAtlas = false;  // the bytes stay in State::font_ttf
    cfg.OversampleH = 2;
    ui = io.Fonts->AddFontFromMemoryTTF(ttf.data(), static_cast<int>(ttf.size()), ui_px * dpr, &cfg, kUiRanges);
    ImFontConfig big_cfg = cfg;
    big_cfg.OversampleH = 1;
    big = io.Fonts->AddFontFromMemoryTTF(ttf.data(), static_cast<int>(ttf.size()), big_px * dpr, &big_cfg, kBigRanges);
    io.FontGlobalScale = 1.0f / dpr;
  } else {
    ImFontConfig cfg;
    cfg.SizePixels = 13.0f;
    ui = io.Fonts->AddFontDefault(&cfg);
    big = ui;
    io.FontGlobalScale = ui_px / 13.0f;
  }
  io.Fonts->Build();
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
}

}  // namespace app
