// embedding.h — a map of one step of a network: the step's features (step_features.h) of the first
// n test images projected to 2-D, PCA or t-SNE, and where a new input (the drawing) lands on it.
//
// PCA: the top principal axes of the centred features by block subspace iteration (8 vectors,
// Rayleigh-Ritz, until the axes move less than 1e-7), exact to float rounding and deterministic; the
// sign of each axis is fixed so that its largest |coordinate| is positive. A new input is projected
// exactly.
// t-SNE (van der Maaten & Hinton 2008): exact gradients over all pairs (O(n^2) per iteration; 2,000
// points are 4 million pairs), perplexity 30 on the features' Euclidean distances, P from each point's
// 90 nearest neighbours, early exaggeration 12 for 250 iterations then 250 more, learning rate
// max(n / 12, 50), momentum 0.5 then 0.8 with gains, started from the PCA map scaled to a deviation of
// 1e-4, so it is deterministic. A new input has no exact place on a t-SNE map: it is put at the mean
// of the map positions of its 10 nearest neighbours in feature space (stated in the page).
#pragma once
#include <memory>
#include <vector>

#include "dataset.h"
#include "model.h"
#include "shape.h"
#include "status.h"
#include "step_features.h"

namespace dl {

enum class EmbeddingMethod { Pca, Tsne };
const char* embedding_method_name(EmbeddingMethod m);  // "pca", "tsne"

// The top-k principal axes of x (n, d), n >= 2, k <= min(n, d), k <= 8: mean (d), axes (k, d) with
// orthonormal rows, variances (k) in descending order.
struct Pca {
  std::vector<float> mean;
  std::vector<float> axes;
  std::vector<float> variances;
  int k = 0, d = 0;
  void project(const float* x, float* out) const;  // one sample (d) -> (k)
};
Pca fit_pca(const float* x, int n, int d, int k);

struct EmbeddingOptions {
  EmbeddingMethod method = EmbeddingMethod::Pca;
  int images = 2000;  // the first ones of the test set
  int max_features = kDefaultMaxFeatures;
  float perplexity = 30;
  int iterations = 500;  // t-SNE, including the 250 of early exaggeration
  int forward_batch = 50;
};

class EmbeddingRun {
 public:
  // Checks the step, the options and the memory (features n x d, and for t-SNE the n x n affinities)
  // against 256 MiB before allocating; model and test must outlive the run and stay unchanged.
  static Status Begin(Model* model, const Dataset* test, int step, const EmbeddingOptions& options,
                      std::unique_ptr<EmbeddingRun>* out);
  ~EmbeddingRun();

  bool Advance(double budget_ms);  // works for about budget_ms; true once the map is done
  bool done() const;
  float progress() const;  // 0..1
  int step() const;
  EmbeddingMethod method() const;
  const FeatureLayout& layout() const;
  int count() const;                         // n
  const std::vector<float>& points() const;  // (n, 2), valid once done()
  const uint8_t* labels() const;             // (n), the test labels
  // Time spent in Advance: running the images forward and pooling their features, and the
  // projection itself (PCA; for t-SNE also the affinities and the iterations).
  double features_seconds() const;
  double projection_seconds() const;
  // Where a new sample's features (layout().features() values) land on the finished map.
  void place(const float* features, float* xy) const;

 private:
  EmbeddingRun();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dl
