// gl_texture.h — a small RGBA8 texture that is created once and updated in place
// (glTexSubImage2D), for images the panels show through ImGui::Image. The only file of the app
// besides the ImGui backend that calls OpenGL; works on desktop GL 3 and WebGL 2 alike.
#pragma once
#include <cstdint>

#include "imgui.h"

namespace app {

class GlTexture {
 public:
  GlTexture() = default;
  GlTexture(const GlTexture&) = delete;
  GlTexture& operator=(const GlTexture&) = delete;
  ~GlTexture();

  // Creates the texture on first use (needs a current GL context), then uploads rgba (h, w, 4).
  // nearest: magnify with sharp pixels (for the 28x28 input) instead of bilinear.
  void Update(const uint8_t* rgba, int width, int height, bool nearest);
  ImTextureID Id() const;
  bool Valid() const { return id_ != 0; }

 private:
  unsigned int id_ = 0;
  int width_ = 0, height_ = 0;
};

}  // namespace app
