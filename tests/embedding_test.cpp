// embedding_test.cpp — the map of a step (embedding.h): PCA against an independent reference (the
// SVD of the centred data in double precision, Eigen's BDCSVD) to 1e-4 up to sign, on correlated
// random data and on real activations; t-SNE keeps neighbours together; the drawing's place moves
// when the drawing changes.
#include <gtest/gtest.h>

#include <Eigen/SVD>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "dataset.h"
#include "embedding.h"
#include "model_io.h"

using namespace dl;

namespace {

const std::string kShipped = std::string(DIGITLAB_SOURCE_DIR) + "/assets/digitlab.safetensors";

// Compares fit_pca's axes and variances with the SVD of the centred data in double.
void expect_matches_svd(const std::vector<float>& x, int n, int d, int k) {
  const Pca pca = fit_pca(x.data(), n, d, k);
  ASSERT_EQ(pca.k, k);
  Eigen::MatrixXd xd(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) xd(i, j) = x[static_cast<size_t>(i) * d + j];
  const Eigen::RowVectorXd mean = xd.colwise().mean();
  xd.rowwise() -= mean;
  Eigen::BDCSVD<Eigen::MatrixXd> svd(xd, Eigen::ComputeThinV);
  for (int j = 0; j < d; ++j) EXPECT_NEAR(pca.mean[j], mean(j), 1e-5);
  for (int a = 0; a < k; ++a) {
    const Eigen::VectorXd ref = svd.matrixV().col(a);
    double dot = 0;
    for (int j = 0; j < d; ++j) dot += ref(j) * pca.axes[static_cast<size_t>(a) * d + j];
    const double sign = dot < 0 ? -1 : 1;
    double worst = 0;
    for (int j = 0; j < d; ++j)
      worst = std::max(worst, std::fabs(sign * pca.axes[static_cast<size_t>(a) * d + j] - ref(j)));
    EXPECT_LT(worst, 1e-4) << "axis " << a;
    const double var = svd.singularValues()(a) * svd.singularValues()(a) / (n - 1);
    EXPECT_NEAR(pca.variances[a], var, 1e-4 * var) << "axis " << a;
  }
}

TEST(Pca, MatchesTheSvdOfCorrelatedData) {
  const int n = 400, d = 30;
  Rng rng(3);
  std::vector<float> x(static_cast<size_t>(n) * d);
  for (int i = 0; i < n; ++i) {
    const float a = 3 * rng.normal(), b = 1.5f * rng.normal();  // two strong directions
    for (int j = 0; j < d; ++j)
      x[static_cast<size_t>(i) * d + j] = a * std::sin(0.3f * j) + b * std::cos(0.7f * j) + 0.1f * rng.normal() + 2;
  }
  expect_matches_svd(x, n, d, 2);
}

TEST(Pca, MatchesTheSvdOfRealActivations) {
  Model m;
  ASSERT_TRUE(load_model_file(kShipped, &m).ok());
  // Digit-like inputs without MNIST: blobs at random places.
  const int n = 300;
  std::vector<float> images(static_cast<size_t>(n) * kImageSize, 0.0f);
  Rng rng(9);
  for (int i = 0; i < n; ++i) {
    const float cx = rng.uniform(8, 20), cy = rng.uniform(8, 20), r = rng.uniform(3, 7);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x)
        images[static_cast<size_t>(i) * kImageSize + y * 28 + x] = std::hypot(x - cx, y - cy) < r ? 1.0f : 0.0f;
  }
  const int step = 20;  // relu5, 128 features
  const FeatureLayout L = feature_layout(step_shape(m, step));
  std::vector<float> f(static_cast<size_t>(n) * L.features());
  for (int i = 0; i < n; i += 50) {
    m.forward(images.data() + static_cast<size_t>(i) * kImageSize, 50);
    step_features(m, step, images.data() + static_cast<size_t>(i) * kImageSize, 50, L,
                  f.data() + static_cast<size_t>(i) * L.features());
  }
  expect_matches_svd(f, n, L.features(), 2);
}

Dataset clusters(int n) {  // ten well separated blobs as "images", labelled by blob
  Dataset d;
  d.count = n;
  d.images.assign(static_cast<size_t>(n) * kImageSize, 0.0f);
  d.labels.resize(n);
  Rng rng(4);
  for (int i = 0; i < n; ++i) {
    const int c = i % kClasses;
    d.labels[i] = static_cast<uint8_t>(c);
    for (int p = 0; p < kImageSize; ++p) d.images[static_cast<size_t>(i) * kImageSize + p] = 0.05f * rng.uniform();
    for (int p = c * 70; p < c * 70 + 60; ++p) d.images[static_cast<size_t>(i) * kImageSize + p] += 0.8f;
  }
  return d;
}

// The fraction of points whose nearest map neighbour has their label.
float neighbour_agreement(const std::vector<float>& xy, const uint8_t* labels, int n) {
  int same = 0;
  for (int i = 0; i < n; ++i) {
    int best = -1;
    float best_d = INFINITY;
    for (int j = 0; j < n; ++j) {
      if (j == i) continue;
      const float dx = xy[2 * i] - xy[2 * j], dy = xy[2 * i + 1] - xy[2 * j + 1];
      if (dx * dx + dy * dy < best_d) best_d = dx * dx + dy * dy, best = j;
    }
    same += labels[best] == labels[i];
  }
  return static_cast<float>(same) / n;
}

TEST(Embedding, TsneKeepsNeighboursTogetherAndIsDeterministic) {
  Model m;
  ASSERT_TRUE(Model::build("c4k3 f10", 1, &m).ok());
  const Dataset d = clusters(300);
  EmbeddingOptions o;
  o.method = EmbeddingMethod::Tsne;
  o.images = 300;
  o.iterations = 300;
  std::vector<float> first;
  for (int run = 0; run < 2; ++run) {
    std::unique_ptr<EmbeddingRun> r;
    ASSERT_TRUE(EmbeddingRun::Begin(&m, &d, 0, o, &r).ok());
    while (!r->Advance(5.0)) {}
    ASSERT_EQ(r->points().size(), 600u);
    for (float v : r->points()) ASSERT_TRUE(std::isfinite(v));
    EXPECT_GE(neighbour_agreement(r->points(), r->labels(), 300), 0.95f);
    if (run == 0) first = r->points();
    else EXPECT_EQ(r->points(), first);
  }
}

TEST(Embedding, TheDrawingsPlaceMovesWhenTheDrawingChanges) {
  Model m;
  ASSERT_TRUE(load_model_file(kShipped, &m).ok());
  const Dataset d = clusters(200);
  for (EmbeddingMethod method : {EmbeddingMethod::Pca, EmbeddingMethod::Tsne}) {
    EmbeddingOptions o;
    o.method = method;
    o.images = 200;
    o.iterations = 100;
    std::unique_ptr<EmbeddingRun> r;
    const int step = 20;
    ASSERT_TRUE(EmbeddingRun::Begin(&m, &d, step, o, &r).ok());
    while (!r->Advance(50.0)) {}
    std::vector<float> f(r->layout().features());
    float a[2], b[2], c[2];
    m.forward(d.image(0), 1);
    step_features(m, step, d.image(0), 1, r->layout(), f.data());
    r->place(f.data(), a);
    m.forward(d.image(5), 1);  // another class
    step_features(m, step, d.image(5), 1, r->layout(), f.data());
    r->place(f.data(), b);
    EXPECT_GT(std::hypot(a[0] - b[0], a[1] - b[1]), 0.0f) << embedding_method_name(method);
    if (method == EmbeddingMethod::Pca) {  // exact: a test image lands on its own point
      m.forward(d.image(0), 1);
      step_features(m, step, d.image(0), 1, r->layout(), f.data());
      r->place(f.data(), c);
      EXPECT_NEAR(c[0], r->points()[0], 1e-3f * (1 + std::fabs(c[0])));
      EXPECT_NEAR(c[1], r->points()[1], 1e-3f * (1 + std::fabs(c[1])));
    }
  }
}

TEST(Embedding, RefusesBadStepsAndMapsTooLargeToHold) {
  Model m;
  ASSERT_TRUE(Model::build("c4k3 f10", 1, &m).ok());
  const Dataset d = clusters(100);
  std::unique_ptr<EmbeddingRun> r;
  EmbeddingOptions o;
  o.images = 100;
  EXPECT_FALSE(EmbeddingRun::Begin(&m, &d, -1, o, &r).ok());
  EXPECT_FALSE(EmbeddingRun::Begin(&m, &d, num_steps(m), o, &r).ok());
  o.images = 101;
  EXPECT_FALSE(EmbeddingRun::Begin(&m, &d, 0, o, &r).ok());
  Dataset big;
  big.count = 10000;
  big.labels.assign(10000, 0);
  big.images.assign(static_cast<size_t>(10000) * kImageSize, 0.0f);
  o.images = 10000;
  o.method = EmbeddingMethod::Tsne;  // 10,000 x 10,000 affinities: 400 MB
  Status st = EmbeddingRun::Begin(&m, &big, 0, o, &r);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("MiB"), std::string::npos) << st.message();
  EXPECT_EQ(r, nullptr);
}

}  // namespace
