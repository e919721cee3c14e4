// strokes.cpp — Catmull-Rom smoothing and the capsule rasteriser of the pad (strokes.h).
#include "strokes.h"

#include <algorithm>
#include <cmath>

namespace dl {

namespace {

constexpr float kSmoothStep = 0.008f;  // Catmull-Rom: one point per this much length (pad units)
constexpr int kMaxSubdiv = 8;
constexpr float kInkPenScale = 0.13f;  // network pen width, fraction of the drawing's larger side
constexpr float kInkPenMin = 0.015f;   // ... clamped to this range of the pad side
constexpr float kInkPenMax = 0.09f;

PenPoint catmull_rom(PenPoint p0, PenPoint p1, PenPoint p2, PenPoint p3, float t) {
  const float t2 = t * t, t3 = t2 * t;
  auto f = [&](float a, float b, float c, float d) {
    return 0.5f * ((2 * b) + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
  };
  return PenPoint{f(p0.x, p1.x, p2.x, p3.x), f(p0.y, p1.y, p2.y, p3.y)};
}

float dist(PenPoint a, PenPoint b) { return std::hypot(a.x - b.x, a.y - b.y); }

// Max-combines a round-capped segment a-b of radius r (pixels) into img (side, side), with one
// pixel of anti-aliasing: coverage = clamp(r + 0.5 - distance to the segment, 0, 1).
void stamp_capsule(float* img, int side, PenPoint a, PenPoint b, float r) {
  const int x0 = std::max(0, static_cast<int>(std::floor(std::min(a.x, b.x) - r - 1)));
  const int x1 = std::min(side - 1, static_cast<int>(std::ceil(std::max(a.x, b.x) + r + 1)));
  const int y0 = std::max(0, static_cast<int>(std::floor(std::min(a.y, b.y) - r - 1)));
  const int y1 = std::min(side - 1, static_cast<int>(std::ceil(std::max(a.y, b.y) + r + 1)));
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float len2 = dx * dx + dy * dy;
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const float px = x + 0.5f - a.x, py = y + 0.5f - a.y;
      float t = len2 > 0 ? (px * dx + py * dy) / len2 : 0.0f;
      t = std::clamp(t, 0.0f, 1.0f);
      const float ex = px - t * dx, ey = py - t * dy;
      const float d = std::sqrt(ex * ex + ey * ey);
      const float cov = std::clamp(r + 0.5f - d, 0.0f, 1.0f);
      float& v = img[y * side + x];
      v = std::max(v, cov);
    }
  }
}

}  // namespace

void smooth_stroke(const PenPoint* p, int n, std::vector<PenPoint>* out) {
  out->clear();
  if (n <= 0) return;
  out->push_back(p[0]);
  for (int i = 0; i + 1 < n; ++i) {
    const PenPoint a = p[i > 0 ? i - 1 : 0], b = p[i], c = p[i + 1], d = p[i + 2 < n ? i + 2 : n - 1];
    const int k = std::clamp(static_cast<int>(std::ceil(dist(b, c) / kSmoothStep)), 1, kMaxSubdiv);
    for (int j = 1; j <= k; ++j) out->push_back(catmull_rom(a, b, c, d, static_cast<float>(j) / k));
  }
}

float network_pen_width(float extent) { return std::clamp(kInkPenScale * extent, kInkPenMin, kInkPenMax); }

void rasterise_strokes(const std::vector<PenStroke>& strokes, int side, float* out, std::vector<PenPoint>* scratch) {
  std::fill(out, out + side * side, 0.0f);
  if (strokes.empty()) return;
  // The drawing's extent decides the pen, so big and small digits get MNIST-like strokes.
  float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
  for (const PenStroke& s : strokes) {
    for (const PenPoint& p : s) {
      x0 = std::min(x0, p.x);
      y0 = std::min(y0, p.y);
      x1 = std::max(x1, p.x);
      y1 = std::max(y1, p.y);
    }
  }
  if (x1 < x0) return;  // strokes without points
  const float r = 0.5f * network_pen_width(std::max(x1 - x0, y1 - y0)) * side;
  for (const PenStroke& s : strokes) {
    smooth_stroke(s.data(), static_cast<int>(s.size()), scratch);
    const std::vector<PenPoint>& sm = *scratch;
    const int n = static_cast<int>(sm.size());
    for (int i = 0; i < n; ++i) {
      const PenPoint a{sm[i].x * side, sm[i].y * side};
      const PenPoint b = i + 1 < n ? PenPoint{sm[i + 1].x * side, sm[i + 1].y * side} : a;
      if (i + 1 < n || n == 1) stamp_capsule(out, side, a, b, r);
    }
  }
}

PreprocessInfo strokes_to_input(const std::vector<PenStroke>& strokes, float* raster, float* input28,
                                std::vector<PenPoint>* scratch) {
  rasterise_strokes(strokes, kPadRaster, raster, scratch);
  return preprocess_digit(raster, kPadRaster, kPadRaster, input28);
}

}  // namespace dl
