// preprocess.cpp — MNIST-style normalisation of a drawn or scanned digit. See preprocess.h.
//
// Steps (as MNIST was made from NIST): find the ink's bounding box (pixels >= ink_threshold);
// scale the box so its longer side is 20 pixels, keeping the aspect ratio; centre the 20 x N
// result in the 28 x 28 field by its centre of mass.
//
// Scaling: downscaling (box longer than 20 px, the usual case for a drawing pad) is exact area
// averaging: every output pixel is the mean of the source area it covers, read straight from the
// box, one pass, no intermediate image (a 1200 x 1200 box costs one add per source pixel).
// Upscaling a tiny drawing (box shorter than 20 px) is bilinear. The shorter side keeps its true
// scaled length; a last, partly covered column or row gets the covered fraction of its value.
//
// Centre convention (measured, not assumed): with pixel (x, y) covering [x, x+1) x [y, y+1), so
// its centre is at (x + 0.5, y + 0.5), the mean centre of mass of the 60,000 MNIST training images
// is (14.51, 14.50), and of the 10,000 test images (14.51, 14.49). In pixel-index coordinates
// (pixel centre at (x, y)) that is (14.0, 14.0): MNIST put the centre of mass on the centre of
// pixel (14, 14), half a pixel right of and below the geometric centre of the field. We do the
// same, with a fractional shift (bilinear splatting, which moves the centre of mass exactly and
// keeps the ink's mass), clipping whatever falls outside the field.
// PreprocessInfo::com_x/com_y are in pixel-index coordinates, so they read ~(14, 14).
#include "preprocess.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

namespace dl {

namespace {

constexpr int kBox = 20;             // the longer side of the scaled digit
constexpr float kComTarget = 14.5f;  // centre of mass, continuous coordinates (pixel centres at i + 0.5)

// Any pixel >= t in row[0, w)? Branch-free blocks of 32 so the compiler can vectorise.
bool row_has_ink(const float* row, int w, float t) {
  int x = 0;
  for (; x + 32 <= w; x += 32) {
    int any = 0;
    for (int k = 0; k < 32; ++k) any |= row[x + k] >= t;
    if (any) return true;
  }
  for (; x < w; ++x)
    if (row[x] >= t) return true;
  return false;
}

// Sum of p[0, n) with eight independent accumulators (a single running sum is bound by the add
// latency; this is what keeps a 1200 x 1200 box well under 2 ms).
float sum_span(const float* p, int n) {
  float a[8] = {};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) a[k] += p[i + k];
  float s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
  for (; i < n; ++i) s += p[i];
  return s;
}

}  // namespace

PreprocessInfo preprocess_digit(const float* src, int width, int height, float* dst, float ink_threshold) {
  PreprocessInfo info;
  std::memset(dst, 0, kImageSize * sizeof(float));
  if (!src || width <= 0 || height <= 0) return info;
  const size_t W = static_cast<size_t>(width);

  // 1. Bounding box of the ink. Rows from the top and the bottom; then, row by row, only the
  //    columns outside the box found so far (a drawing pad is mostly background).
  int top = 0;
  while (top < height && !row_has_ink(src + top * W, width, ink_threshold)) ++top;
  if (top == height) return info;
  int bottom = height - 1;
  while (bottom > top && !row_has_ink(src + bottom * W, width, ink_threshold)) --bottom;
  int left = width, right = -1;
  for (int y = top; y <= bottom; ++y) {
    const float* row = src + y * W;
    for (int x = 0; x < left; ++x)
      if (row[x] >= ink_threshold) {
        left = x;
        break;
      }
    for (int x = width - 1; x > right; --x)
      if (row[x] >= ink_threshold) {
        right = x;
        break;
      }
  }
  assert(left <= right);
  const int bw = right - left + 1, bh = bottom - top + 1;
  info.box_x = left;
  info.box_y = top;
  info.box_w = bw;
  info.box_h = bh;

  // 2. Scale the box so its longer side is kBox pixels.
  const int L = std::max(bw, bh);
  const double s = static_cast<double>(kBox) / L;  // output pixels per source pixel
  const double sw = bw * s, sh = bh * s;           // scaled extent; one of them is exactly kBox
  const int ow = std::min(kBox, std::max(1, static_cast<int>(std::ceil(sw - 1e-6))));
  const int oh = std::min(kBox, std::max(1, static_cast<int>(std::ceil(sh - 1e-6))));
  float small[kBox * kBox] = {};  // (oh, ow) with row stride kBox
  const float* box = src + top * W + left;
  if (L >= kBox) {
    // Area averaging. Output cell j covers source [j/s, (j+1)/s) along each axis (cut at the box
    // edge). Sum whole pixels, then take off the uncovered parts of the two edge pixels.
    const double inv = 1.0 / s;  // source pixels per output pixel (>= 1)
    int c0[kBox], c1[kBox];      // first / one-past-last source column of cell j
    float cl[kBox], cr[kBox];    // uncovered fraction of the first / last column
    for (int j = 0; j < ow; ++j) {
      const double a = j * inv, b = std::min<double>(bw, (j + 1) * inv);
      c0[j] = static_cast<int>(std::floor(a));
      c1[j] = std::min(bw, static_cast<int>(std::ceil(b)));
      cl[j] = static_cast<float>(a - c0[j]);
      cr[j] = static_cast<float>(c1[j] - b);
    }
    float hrow[kBox];  // (ow) one source row, summed per output column
    for (int y = 0; y < bh; ++y) {
      const float* row = box + y * W;
      for (int j = 0; j < ow; ++j) {
        hrow[j] = sum_span(row + c0[j], c1[j] - c0[j]) - cl[j] * row[c0[j]] - cr[j] * row[c1[j] - 1];
      }
      // Source row y covers [y*s, (y+1)*s) in output rows: at most two cells since s <= 1.
      const double ya = y * s, yb = (y + 1) * s;
      const int k = std::min(oh - 1, static_cast<int>(std::floor(ya)));
      const double split = k + 1.0;
      const float w0 = static_cast<float>(std::min(yb, split) - ya);
      const float w1 = static_cast<float>(std::max(0.0, yb - split));
      float* o0 = small + k * kBox;
      for (int j = 0; j < ow; ++j) o0[j] += w0 * hrow[j];
      if (w1 > 0.0f && k + 1 < oh) {
        float* o1 = o0 + kBox;
        for (int j = 0; j < ow; ++j) o1[j] += w1 * hrow[j];
      }
    }
    // hrow is in source-pixel units along x, the row weights in output units along y: scale x.
    const float sx = static_cast<float>(s);
    for (int i = 0; i < oh; ++i)
      for (int j = 0; j < ow; ++j) small[i * kBox + j] *= sx;
  } else {
    // Bilinear upscaling, sampling the box at each output pixel's centre (clamped to the box).
    for (int i = 0; i < oh; ++i) {
      const float cover_y = static_cast<float>(std::min(1.0, sh - i));
      const double v = std::min<double>(bh - 1, std::max(0.0, (i + 0.5) / s - 0.5));
      const int y0 = static_cast<int>(v), y1 = std::min(bh - 1, y0 + 1);
      const float fy = static_cast<float>(v - y0);
      for (int j = 0; j < ow; ++j) {
        const float cover_x = static_cast<float>(std::min(1.0, sw - j));
        const double u = std::min<double>(bw - 1, std::max(0.0, (j + 0.5) / s - 0.5));
        const int x0 = static_cast<int>(u), x1 = std::min(bw - 1, x0 + 1);
        const float fx = static_cast<float>(u - x0);
        const float* r0 = box + y0 * W;
        const float* r1 = box + y1 * W;
        const float val = (1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x1]) + fy * ((1 - fx) * r1[x0] + fx * r1[x1]);
        small[i * kBox + j] = val * cover_x * cover_y;
      }
    }
  }

  // 3. Centre of mass of the scaled digit (continuous coordinates, pixel centres at i + 0.5).
  double m = 0, mx = 0, my = 0;
  for (int i = 0; i < oh; ++i)
    for (int j = 0; j < ow; ++j) {
      const double v = small[i * kBox + j];
      m += v;
      mx += v * (j + 0.5);
      my += v * (i + 0.5);
    }
  if (!(m > 0)) return info;  // ink threshold <= 0 on a blank image: nothing to centre
  // Whole-pixel shift, as MNIST did (see the top of the file): the centre of mass lands within
  // half a pixel of the target and the pixels stay as crisp as the training images.
  const int ix = static_cast<int>(std::lround(kComTarget - mx / m));
  const int iy = static_cast<int>(std::lround(kComTarget - my / m));

  // 4. Copy the scaled digit into the field at (ix, iy), clipping what falls outside.
  for (int i = 0; i < oh; ++i) {
    const int y = i + iy;
    if (y < 0 || y >= kImageSide) continue;
    for (int j = 0; j < ow; ++j) {
      const int x = j + ix;
      if (x >= 0 && x < kImageSide) dst[y * kImageSide + x] = small[i * kBox + j];
    }
  }

  // 5. Clamp to [0, 1] and report the centre of mass actually achieved (pixel-index coordinates).
  m = mx = my = 0;
  for (int y = 0; y < kImageSide; ++y)
    for (int x = 0; x < kImageSide; ++x) {
      float& v = dst[y * kImageSide + x];
      v = std::min(1.0f, std::max(0.0f, v));
      m += v;
      mx += v * x;
      my += v * y;
    }
  if (m > 0) {
    info.empty = false;
    info.com_x = static_cast<float>(mx / m);
    info.com_y = static_cast<float>(my / m);
  } else {
    std::memset(dst, 0, kImageSize * sizeof(float));
  }
  return info;
}

}  // namespace dl
