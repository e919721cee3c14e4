// receptive_field.h — which input pixels a unit of a layer's output can see: the box of the 28x28
// input that feeds output position (y, x) of layer i, through every convolution and max-pool up to
// it (ReLU, BatchNorm, dropout and flatten keep positions). The layer view highlights it when a
// person hovers a unit. Geometry only: no values, no weights.
#pragma once
#include <climits>
#include <vector>

#include "model.h"

namespace dl {

struct PixelBox {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // inclusive, clamped to the 28x28 input
  bool operator==(const PixelBox& o) const { return x0 == o.x0 && y0 == o.y0 && x1 == o.x1 && y1 == o.y1; }
};

// The windows of a model's layers, read once: box() then answers without allocating (the layer
// view asks for every hovered unit and every top image, each frame).
class ReceptiveFields {
 public:
  ReceptiveFields() = default;
  explicit ReceptiveFields(const Model& model);
  // The input box behind output position (y, x) of layer `layer` (0-based, as Model::layer). For a
  // layer whose output is a vector (dense, flatten), or an index out of range, the whole input.
  PixelBox box(int layer, int y, int x) const;

 private:
  struct Window {
    int kernel = 1, stride = 1, pad = 0;  // 1, 1, 0: the layer keeps positions
  };
  std::vector<Window> windows_;  // one per layer
  int first_vector_ = INT_MAX;   // the first layer whose output is a vector
};

// ReceptiveFields(model).box(layer, y, x), for one question.
PixelBox receptive_field(const Model& model, int layer, int y, int x);

}  // namespace dl
