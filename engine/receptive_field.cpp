// receptive_field.cpp — see receptive_field.h. Walks from the layer back to the input, widening a
// box of rows and columns: a convolution with kernel k, stride s and padding p maps output [a, b]
// to input [a*s - p, b*s - p + k - 1]; a max-pool the same with p = 0.
#include "receptive_field.h"

#include <algorithm>

#include "layer_types.h"

namespace dl {

ReceptiveFields::ReceptiveFields(const Model& model) : windows_(model.num_layers()) {
  for (int i = 0; i < model.num_layers(); ++i) {
    const Layer& l = model.layer(i);
    if (l.kind() == LayerKind::Conv) {
      const auto& c = static_cast<const Conv2D&>(l);
      windows_[i] = Window{c.kernel(), c.stride(), c.pad()};
    } else if (l.kind() == LayerKind::MaxPool) {
      const auto& p = static_cast<const MaxPool2D&>(l);
      windows_[i] = Window{p.kernel(), p.stride(), 0};
    } else if ((l.kind() == LayerKind::Dense || l.kind() == LayerKind::Flatten) && first_vector_ == INT_MAX) {
      first_vector_ = i;
    }
  }
}

PixelBox ReceptiveFields::box(int layer, int y, int x) const {
  const PixelBox whole{0, 0, kImageSide - 1, kImageSide - 1};
  if (layer < 0 || layer >= static_cast<int>(windows_.size()) || layer >= first_vector_) return whole;
  int y0 = y, y1 = y, x0 = x, x1 = x;
  for (int i = layer; i >= 0; --i) {
    const Window& w = windows_[i];
    y0 = y0 * w.stride - w.pad;
    y1 = y1 * w.stride - w.pad + w.kernel - 1;
    x0 = x0 * w.stride - w.pad;
    x1 = x1 * w.stride - w.pad + w.kernel - 1;
  }
  auto clamp = [](int v) { return std::clamp(v, 0, kImageSide - 1); };
  return PixelBox{clamp(x0), clamp(y0), clamp(x1), clamp(y1)};
}

PixelBox receptive_field(const Model& model, int layer, int y, int x) {
  return ReceptiveFields(model).box(layer, y, x);
}

}  // namespace dl
