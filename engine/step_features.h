// step_features.h — a network's steps as feature vectors, for the instruments that ask what a layer
// knows (linear probes, the map of a layer). Step 0 is the 28x28 input; step s (1..num_layers) is the
// output of Model::layer(s - 1), so the last step is the logits (the output layer before softmax).
//
// A step with more than max_features values is average-pooled over space per channel, adaptively
// (the windows of PyTorch's AdaptiveAvgPool2d) to a g x g grid with g = floor(sqrt(max_features / C)),
// at least 1: conv1 of the shipped network (32x26x26 = 21,632 values) becomes 32x5x5 = 800 features.
// This bounds the memory of N images' features (N x max_features floats, not N x 21,632) and the cost
// of a probe, and keeps what a linear read-out of a convolution mostly uses (which channel fires,
// roughly where). The input step (784 <= 1,024) and every dense step are never pooled.
#pragma once
#include <string>
#include <vector>

#include "model.h"
#include "shape.h"

namespace dl {

constexpr int kDefaultMaxFeatures = 1024;

struct FeatureLayout {
  Shape shape;     // the step's output
  int grid_h = 1;  // pooled rows per channel (shape.h when not pooled)
  int grid_w = 1;  // pooled columns per channel (shape.w when not pooled)
  int features() const { return shape.c * grid_h * grid_w; }
  bool pooled() const { return grid_h != shape.h || grid_w != shape.w; }
  // When pooled, the averaging as two matrices (pooling is separable): a row of W values times
  // pool_x (W, grid_w) gives the column windows' means, pool_y (grid_h, H) times those the windows'.
  std::vector<float> pool_x, pool_y;
};

FeatureLayout feature_layout(Shape step_shape, int max_features = kDefaultMaxFeatures);

inline int num_steps(const Model& m) { return m.num_layers() + 1; }
Shape step_shape(const Model& m, int step);
std::string step_name(const Model& m, int step);  // "input", "conv1", "bn1", "relu1", "pool1", ...
const char* step_kind(const Model& m, int step);  // "input" or layer_kind_name()
// True when the step's output at inference equals the previous step's values (dropout, flatten):
// a probe or a map of it is the previous step's, and the instruments reuse it.
bool step_repeats_previous(const Model& m, int step);

// Pools one sample's step output (layout.shape.size() values) into layout.features() values.
void pool_features(const FeatureLayout& layout, const float* act, float* out);
// After model.forward(images, B): the B samples' features of `step` into out (B, features()): the
// same values as pool_features on each sample, computed as two matrix products for the batch.
void step_features(const Model& model, int step, const float* images, int B, const FeatureLayout& layout, float* out);

}  // namespace dl
