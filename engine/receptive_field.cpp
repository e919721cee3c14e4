// receptive_field.cpp — see receptive_field.h. Walks from the layer back to the input, widening a
// box of rows and columns: a convolution with kernel k, stride s and padding p maps output [a, b]
// to input [a*s - p, b*s - p + k - 1]; a max-pool the same with p = 0.
#include "receptive_field.h"

#include <algorithm>
#include <vector>

#include "layer_types.h"

namespace dl {

PixelBox receptive_field(const Model& model, int layer, int y, int x) {
  const PixelBox whole{0, 0, kImageSide - 1, kImageSide - 1};
  if (layer < 0 || layer >= model.num_layers()) return whole;
  // The pooling windows come from the spec (MaxPool2D keeps them private); the n-th pool token is
  // the n-th MaxPool2D layer.
  std::vector<LayerSpec> specs;
  if (!parse_spec(model.spec(), &specs).ok()) return whole;
  std::vector<const LayerSpec*> pools;
  for (const LayerSpec& s : specs) if (s.type == LayerSpec::Pool) pools.push_back(&s);
  int pool_index = 0;
  std::vector<int> pool_of(model.num_layers(), -1);
  for (int i = 0; i < model.num_layers(); ++i) {
    if (model.layer(i).kind() == LayerKind::MaxPool) pool_of[i] = pool_index++;
    if (model.layer(i).kind() == LayerKind::Dense || model.layer(i).kind() == LayerKind::Flatten) {
      if (i <= layer) return whole;  // a vector sees everything
    }
  }
  if (pool_index != static_cast<int>(pools.size())) return whole;

  int y0 = y, y1 = y, x0 = x, x1 = x;
  for (int i = layer; i >= 0; --i) {
    const Layer& l = model.layer(i);
    int k = 1, s = 1, p = 0;
    if (l.kind() == LayerKind::Conv) {
      const auto& c = static_cast<const Conv2D&>(l);
      k = c.kernel(); s = c.stride(); p = c.pad();
    } else if (l.kind() == LayerKind::MaxPool) {
      k = pools[pool_of[i]]->kernel; s = pools[pool_of[i]]->stride;
    } else {
      continue;
    }
    y0 = y0 * s - p; y1 = y1 * s - p + k - 1;
    x0 = x0 * s - p; x1 = x1 * s - p + k - 1;
  }
  auto clamp = [](int v) { return std::clamp(v, 0, kImageSide - 1); };
  return PixelBox{clamp(x0), clamp(y0), clamp(x1), clamp(y1)};
}

}  // namespace dl
