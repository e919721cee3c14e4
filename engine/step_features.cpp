// step_features.cpp — see step_features.h.
#include "step_features.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

namespace dl {
namespace {

// Adaptive windows (PyTorch's AdaptiveAvgPool2d): window i of n over `size` cells is
// [floor(i * size / n), ceil((i + 1) * size / n)).
int window_start(int i, int size, int n) { return i * size / n; }
int window_end(int i, int size, int n) { return ((i + 1) * size + n - 1) / n; }

}  // namespace

FeatureLayout feature_layout(Shape step_shape, int max_features) {
  FeatureLayout L;
  L.shape = step_shape;
  L.grid_h = step_shape.h;
  L.grid_w = step_shape.w;
  if (step_shape.size() <= max_features || (step_shape.h == 1 && step_shape.w == 1)) return L;
  const int g = std::max(1, static_cast<int>(std::sqrt(static_cast<double>(max_features) / step_shape.c)));
  L.grid_h = std::min(g, step_shape.h);
  L.grid_w = std::min(g, step_shape.w);
  const int H = step_shape.h, W = step_shape.w;
  L.pool_x.assign(static_cast<size_t>(W) * L.grid_w, 0.0f);  // (W, grid_w)
  for (int gx = 0; gx < L.grid_w; ++gx) {
    const int x0 = window_start(gx, W, L.grid_w), x1 = window_end(gx, W, L.grid_w);
    for (int x = x0; x < x1; ++x) L.pool_x[static_cast<size_t>(x) * L.grid_w + gx] = 1.0f / (x1 - x0);
  }
  L.pool_y.assign(static_cast<size_t>(L.grid_h) * H, 0.0f);  // (grid_h, H)
  for (int gy = 0; gy < L.grid_h; ++gy) {
    const int y0 = window_start(gy, H, L.grid_h), y1 = window_end(gy, H, L.grid_h);
    for (int y = y0; y < y1; ++y) L.pool_y[static_cast<size_t>(gy) * H + y] = 1.0f / (y1 - y0);
  }
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
      const int y0 = window_start(gy, H, L.grid_h), y1 = window_end(gy, H, L.grid_h);
      for (int gx = 0; gx < L.grid_w; ++gx) {
        const int x0 = window_start(gx, W, L.grid_w), x1 = window_end(gx, W, L.grid_w);
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
  const size_t in_size = L.shape.size();
  if (!L.pooled()) {
    std::memcpy(out, act, sizeof(float) * in_size * B);
    return;
  }
  const int H = L.shape.h, W = L.shape.w, gh = L.grid_h, gw = L.grid_w;
  const int planes = B * L.shape.c;
  // Columns first, for every row of every plane of the batch at once: (planes*H, W) x (W, gw).
  MatrixR cols(static_cast<Eigen::Index>(planes) * H, gw);
  cols.noalias() = ConstMapR(act, static_cast<Eigen::Index>(planes) * H, W) * ConstMapR(L.pool_x.data(), W, gw);
  // Then rows, plane by plane: (gh, H) x (H, gw), a few thousand multiply-adds each, as loops (a
  // matrix product per plane would spend longer packing its operands than computing).
  for (int p = 0; p < planes; ++p) {
    const float* c = cols.data() + static_cast<size_t>(p) * H * gw;
    float* o = out + static_cast<size_t>(p) * gh * gw;
    std::fill(o, o + gh * gw, 0.0f);
    for (int gy = 0; gy < gh; ++gy)
      for (int y = 0; y < H; ++y) {
        const float w = L.pool_y[static_cast<size_t>(gy) * H + y];
        if (w == 0.0f) continue;
        for (int gx = 0; gx < gw; ++gx) o[gy * gw + gx] += w * c[y * gw + gx];
      }
  }
}

}  // namespace dl
