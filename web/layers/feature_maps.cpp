// feature_maps.cpp — see feature_maps.h.
#include "feature_maps.h"

#include <algorithm>
#include <cmath>

#include "heatmap.h"

namespace app {

void FeatureAtlas::Update(const float* values, int count, int maps, int h, int w, int cols, Normalisation norm,
                          Colouring colouring) {
  if (cols <= 0) cols = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(maps)))));
  const int rows = (maps + cols - 1) / cols;
  // A new shape is a new texture (GlTexture's size is fixed at creation); the same shape updates
  // the existing one in place.
  if (maps != maps_ || h != h_ || w != w_ || cols != cols_ || !texture_) {
    texture_ = std::make_unique<GlTexture>();
    maps_ = maps;
    h_ = h;
    w_ = w;
    cols_ = cols;
    rows_ = rows;
    rgba_.assign(static_cast<size_t>(rows * h) * (cols * w) * 4, 0);
    scale_.assign(maps, 1.0f);
  }
  const int map_size = h * w;
  min_ = 0;
  max_ = 0;
  float layer_abs = 0;
  for (int i = 0; i < count; ++i) {
    min_ = std::min(min_, values[i]);
    max_ = std::max(max_, values[i]);
    layer_abs = std::max(layer_abs, std::fabs(values[i]));
  }
  for (int m = 0; m < maps; ++m) {
    float s = layer_abs;
    if (norm == Normalisation::PerMap) {
      s = 0;
      const int end = std::min(count, (m + 1) * map_size);
      for (int i = m * map_size; i < end; ++i) s = std::max(s, std::fabs(values[i]));
    }
    scale_[m] = s;
  }
  const int tex_w = cols * w;
  for (int m = 0; m < maps; ++m) {
    const int cx = (m % cols) * w, cy = (m / cols) * h;
    const float inv = scale_[m] > 0 ? 1.0f / scale_[m] : 0.0f;
    for (int y = 0; y < h; ++y) {
      uint8_t* row = &rgba_[(static_cast<size_t>(cy + y) * tex_w + cx) * 4];
      for (int x = 0; x < w; ++x) {
        const int i = m * map_size + y * w + x;
        uint8_t* px = row + x * 4;
        if (i >= count) {
          px[0] = px[1] = px[2] = 40;
          px[3] = 255;
        } else if (colouring == Colouring::Grey) {
          const uint8_t g = static_cast<uint8_t>(std::clamp(values[i], 0.0f, 1.0f) * 255.0f + 0.5f);
          px[0] = px[1] = px[2] = g;
          px[3] = 255;
        } else {
          heat_rgba(values[i] * inv, px);
        }
      }
    }
  }
  texture_->Update(rgba_.data(), tex_w, rows * h, /*nearest=*/true);
}

void FeatureAtlas::MapUv(int m, ImVec2* uv0, ImVec2* uv1) const {
  const float cx = static_cast<float>(m % cols_), cy = static_cast<float>(m / cols_);
  *uv0 = ImVec2(cx / cols_, cy / rows_);
  *uv1 = ImVec2((cx + 1) / cols_, (cy + 1) / rows_);
}

}  // namespace app
