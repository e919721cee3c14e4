// step_features.cpp — see step_features.h.
#include "step_features.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

namespace dl {

FeatureLayout feature_layout(Shape step_shape, int max_features) {
  FeatureLayout L;
  L.shape = step_shape;
  L.grid_h = step_shape.h;
  L.grid_w = step_shape.w;
  if (step_shape.size() <= max_features || (step_shape.h == 1 && step_shape.w == 1)) return L;
  const int g = std::max(1, static_cast<int>(std::sqrt(static_cast<double>(max_features) / step_shape.c)));
  L.grid_h = std::min(g, step_shape.h);
  L.grid_w = std::min(g, step_shape.w);
  return L;
}

Shape step_shape(const Model& m, int step) {
  assert(step >= 0 && step <= m.num_layers());
  return step == 0 ? m.input_shape() : m.layer(step - 1).out();
}

std::string step_name(const Model& m, int step) { return step == 0 ? "input" : m.layer(step - 1).name(); }

const char* step_kind(const Model& m, int step) {
  return step == 0 ? "input" : layer_kind_name(m.layer(step - 1).kind());
}

bool step_repeats_previous(const Model& m, int step) {
  if (step < 1) return false;
  const LayerKind k = m.layer(step - 1).kind();
  return k == LayerKind::Dropout || k == LayerKind::Flatten;
}

void pool_features(const FeatureLayout& L, const float* act, float* out) {
  if (!L.pooled()) {
    std::memcpy(out, act, sizeof(float) * L.shape.size());
    return;
  }
  const int H = L.shape.h, W = L.shape.w;
  for (int c = 0; c < L.shape.c; ++c) {
    const float* plane = act + static_cast<size_t>(c) * H * W;
    for (int gy = 0; gy < L.grid_h; ++gy) {
      // Adaptive windows: rows [floor(gy*H/g), ceil((gy+1)*H/g)), the same for columns.
      const int y0 = gy * H / L.grid_h, y1 = ((gy + 1) * H + L.grid_h - 1) / L.grid_h;
      for (int gx = 0; gx < L.grid_w; ++gx) {
        const int x0 = gx * W / L.grid_w, x1 = ((gx + 1) * W + L.grid_w - 1) / L.grid_w;
        float sum = 0;
        for (int y = y0; y < y1; ++y)
          for (int x = x0; x < x1; ++x) sum += plane[y * W + x];
        *out++ = sum / static_cast<float>((y1 - y0) * (x1 - x0));
      }
    }
  }
}

void step_features(const Model& model, int step, const float* images, int B, const FeatureLayout& L, float* out) {
  assert(step_shape(model, step) == L.shape);
  const float* act = step == 0 ? images : model.activation(step - 1);
  const size_t in_size = L.shape.size(), out_size = L.features();
  for (int n = 0; n < B; ++n) pool_features(L, act + n * in_size, out + n * out_size);
}

}  // namespace dl
