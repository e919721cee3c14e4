// input_preview.h — the 28x28 image the network actually sees (after the engine's MNIST-style
// preprocessing), drawn with sharp pixels and a faint cross at the centre (14, 14), where the ink's
// centre of mass is placed. The texture is created once and updated in place when the input changes.
#pragma once
#include <cstdint>

#include "gl_texture.h"
#include "imgui.h"
#include "shape.h"

namespace app {

struct Prediction;

class InputPreview {
 public:
  void Draw(const Prediction& p, float side);

 private:
  GlTexture texture_;
  uint8_t rgba_[dl::kImageSize * 4] = {};  // (28, 28, 4)
  int shown_version_ = -1;                 // Prediction::version in the texture
};

}  // namespace app
