// fonts.h — the UI's TrueType font, rasterised at the size the screen needs.
//
// ImGui 1.86 bakes fonts into a texture at fixed pixel sizes. For crisp text on high-DPI screens the
// font is baked at size x devicePixelRatio and drawn at 1/devicePixelRatio (FontGlobalScale). The
// atlas is rebuilt only when that size changes (window resize across a size step, classroom toggle,
// moving to a screen with another pixel ratio) — not per frame.
#pragma once
#include <cstdint>
#include <vector>

#include "imgui.h"

namespace app {

struct Fonts {
  ImFont* ui = nullptr;   // body text
  ImFont* big = nullptr;  // the predicted digit (digits and '?' only)
  float ui_px = 0;        // ui font size in window units, as built
  float big_px = 0;
  float dpr = 0;  // pixel ratio it was built for

  // Rebuilds the atlas (and its GL texture) if ui_px or dpr differ from the last build.
  // ttf may be empty: then ImGui's built-in bitmap font is scaled instead.
  void Ensure(float ui_px, float dpr, std::vector<uint8_t>& ttf);
};

}  // namespace app
