// tiny_data.h — a small synthetic data set for tests that train: uniform noise images (times
// `scale`) with the labels 0..9 in turn. Seeded through dl::Rng, so the same images natively and
// in WebAssembly.
#pragma once
#include <cstdint>

#include "dataset.h"
#include "rng.h"

namespace testdata {

inline dl::Dataset tiny(int n, uint64_t seed, float scale = 1.0f) {
  dl::Dataset d;
  d.count = n;
  d.images.resize(static_cast<size_t>(n) * dl::kImageSize);
  d.labels.resize(static_cast<size_t>(n));
  dl::Rng rng(seed, 7);
  for (float& v : d.images) v = scale * rng.uniform();
  for (int i = 0; i < n; ++i) d.labels[static_cast<size_t>(i)] = static_cast<uint8_t>(i % 10);
  return d;
}

}  // namespace testdata
