// preprocess.h — turns an arbitrary drawn or scanned digit into an MNIST-like 28x28 input, the way
// MNIST itself was made: crop to the ink's bounding box, scale it (keeping the aspect ratio, with
// area-averaging anti-aliasing) so that its longer side is 20 pixels, and place it in a 28x28 field,
// shifted by whole pixels as MNIST was, so that its centre of mass sits within half a pixel of the
// centre of pixel (14, 14) — where MNIST's own images have it (measured; see preprocess.cpp).
#pragma once
#include "shape.h"

namespace dl {

struct PreprocessInfo {
  bool empty = true;         // no ink found (all below threshold)
  int box_x = 0, box_y = 0;  // ink bounding box in the source image
  int box_w = 0, box_h = 0;
  // Centre of mass of the result in pixel-index coordinates (pixel (x, y) has its centre at
  // (x, y)): within 0.5 of (14, 14) unless the digit was clipped at the border.
  float com_x = 0, com_y = 0;
};

// src: width x height grey levels in [0, 1] (ink = 1), row-major. dst: 784 floats in [0, 1].
// Pixels below ink_threshold count as background when finding the bounding box. Allocates nothing;
// the cost is one pass over the bounding box (a 1200 x 1200 pad takes about a millisecond).
// Returns info; if empty, dst is all zeros.
PreprocessInfo preprocess_digit(const float* src, int width, int height, float* dst, float ink_threshold = 0.05f);

}  // namespace dl
