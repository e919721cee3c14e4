// probe_test.cpp — linear probes (probe.h) and the step features they read (step_features.h).
// The MNIST part measures the shipped model the way the page and the CLI do, on fewer images so the
// ASan and WebAssembly runs stay short: the input step is a softmax regression on pixels, the last
// hidden layer is read almost perfectly, and a network with random weights is read worse.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "dataset.h"
#include "model_io.h"
#include "probe.h"
#include "step_features.h"

using namespace dl;

namespace {

const std::string kShipped = std::string(DIGITLAB_SOURCE_DIR) + "/assets/digitlab.safetensors";

TEST(StepFeatures, PoolsLargeMapsAdaptivelyAndKeepsSmallOnes) {
  const FeatureLayout input = feature_layout(Shape{1, 28, 28}, 1024);
  EXPECT_FALSE(input.pooled());
  EXPECT_EQ(input.features(), 784);
  const FeatureLayout conv = feature_layout(Shape{32, 26, 26}, 1024);
  EXPECT_TRUE(conv.pooled());
  EXPECT_EQ(conv.grid_h, 5);
  EXPECT_EQ(conv.features(), 800);
  const FeatureLayout dense = feature_layout(Shape{4096, 1, 1}, 1024);
  EXPECT_EQ(dense.features(), 4096) << "a vector is never pooled";

  // A 2-channel 3x5 map pooled to 2x2 per channel: windows rows [0,2) [1,3), columns [0,3) [2,5).
  FeatureLayout L;
  L.shape = Shape{2, 3, 5};
  L.grid_h = 2;
  L.grid_w = 2;
  std::vector<float> act(30), out(8);
  for (int i = 0; i < 30; ++i) act[i] = static_cast<float>(i);
  pool_features(L, act.data(), out.data());
  // channel 0, window rows 0-1, cols 0-2: mean of 0,1,2,5,6,7 = 3.5
  EXPECT_FLOAT_EQ(out[0], 3.5f);
  // channel 0, rows 1-2, cols 2-4: mean of 7,8,9,12,13,14 = 10.5
  EXPECT_FLOAT_EQ(out[3], 10.5f);
  // channel 1 is channel 0 + 15
  EXPECT_FLOAT_EQ(out[4], 18.5f);
}

// The batch path (two matrix products) gives the per-sample loop's values.
TEST(StepFeatures, ABatchPoolsAsEachSampleDoes) {
  Model m;
  ASSERT_TRUE(Model::build("c48k3p0 f10", 2, &m).ok());  // 48x26x26 -> 48x4x4
  const int B = 3;
  std::vector<float> x(B * kImageSize);
  Rng rng(2);
  for (float& v : x) v = rng.uniform();
  m.forward(x.data(), B);
  const FeatureLayout L = feature_layout(step_shape(m, 1));
  ASSERT_TRUE(L.pooled());
  std::vector<float> batch(B * L.features()), one(L.features());
  step_features(m, 1, x.data(), B, L, batch.data());
  for (int n = 0; n < B; ++n) {
    pool_features(L, m.activation(0) + n * L.shape.size(), one.data());
    for (int j = 0; j < L.features(); ++j) ASSERT_NEAR(batch[n * L.features() + j], one[j], 1e-5f) << n << " " << j;
  }
}

TEST(StepFeatures, StepsNameTheInputAndEveryLayer) {
  Model m;
  ASSERT_TRUE(Model::build("c8k3 p2 d.25 f10", 1, &m).ok());
  ASSERT_EQ(num_steps(m), m.num_layers() + 1);
  EXPECT_EQ(step_name(m, 0), "input");
  EXPECT_STREQ(step_kind(m, 0), "input");
  EXPECT_EQ(step_name(m, 1), "conv1");
  EXPECT_EQ(step_shape(m, 1), (Shape{8, 28, 28}));  // "same" padding by default
  int repeats = 0;
  for (int s = 0; s < num_steps(m); ++s) repeats += step_repeats_previous(m, s);
  EXPECT_EQ(repeats, 2) << "the dropout and the flatten repeat the step before them";
}

TEST(Probes, RefuseOptionsAndMemoryBeforeAllocating) {
  Model m;
  ASSERT_TRUE(Model::build("c8k3 f10", 1, &m).ok());
  Dataset tiny;
  tiny.count = 20;
  tiny.images.assign(20 * kImageSize, 0.5f);
  tiny.labels.assign(20, 3);
  std::unique_ptr<ProbeRun> run;
  ProbeOptions o;
  o.train_images = 21;  // more than there are
  EXPECT_FALSE(ProbeRun::Begin(&m, &tiny, &tiny, o, &run).ok());
  o.train_images = 20;
  o.epochs = 0;
  EXPECT_FALSE(ProbeRun::Begin(&m, &tiny, &tiny, o, &run).ok());
  o.epochs = 1;
  o.max_features = 1 << 20;
  EXPECT_FALSE(ProbeRun::Begin(&m, &tiny, &tiny, o, &run).ok());
  o.max_features = kDefaultMaxFeatures;
  o.feature_budget_bytes = 1000;  // one step's features are 20 x 784 x 4 bytes
  Status st = ProbeRun::Begin(&m, &tiny, &tiny, o, &run);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("MiB"), std::string::npos) << st.message();
  EXPECT_EQ(run, nullptr);
}

// Separable data: each class lights its own pixels. A probe on the input reads it perfectly, and
// the run reports one result per step, duplicated steps included, with progress reaching 1.
TEST(Probes, ReadSeparableClassesAndReportEveryStep) {
  Dataset d;
  d.count = 200;
  d.images.assign(static_cast<size_t>(d.count) * kImageSize, 0.0f);
  d.labels.resize(d.count);
  Rng rng(5);
  for (int i = 0; i < d.count; ++i) {
    const int c = i % kClasses;
    d.labels[i] = static_cast<uint8_t>(c);
    for (int p = 0; p < kImageSize; ++p) d.images[static_cast<size_t>(i) * kImageSize + p] = 0.2f * rng.uniform();
    for (int p = c * 70; p < c * 70 + 60; ++p) d.images[static_cast<size_t>(i) * kImageSize + p] += 1.0f;
  }
  Model m;
  ASSERT_TRUE(Model::build("c4k3 p2 f10", 3, &m).ok());
  ProbeOptions o;
  o.train_images = 100;
  o.epochs = 20;
  o.batch = 20;
  std::unique_ptr<ProbeRun> run;
  ASSERT_TRUE(ProbeRun::Begin(&m, &d, &d, o, &run).ok());
  float last = 0;
  int slices = 0;
  while (!run->Advance(0.0)) {  // one unit of work per call
    EXPECT_GE(run->progress(), last);
    last = run->progress();
    ++slices;
  }
  EXPECT_GT(slices, 10);
  EXPECT_EQ(run->progress(), 1.0f);
  const std::vector<ProbeResult>& r = run->results();
  ASSERT_EQ(static_cast<int>(r.size()), num_steps(m));
  EXPECT_EQ(r[0].name, "input");
  EXPECT_EQ(r[0].features, kImageSize);
  EXPECT_GE(r[0].accuracy, 0.99f);
  for (size_t s = 0; s < r.size(); ++s) EXPECT_EQ(r[s].step, static_cast<int>(s));
}

// The shipped model and the same architecture with random weights, on 2,000 training and 2,000 test
// images (the README's table uses 5,000 and all 10,000: digitlab probe). One test, because ctest runs
// each test in a process of its own and the two probe runs are the cost (about 8 s natively, 110 s
// under ASan).
TEST(ShippedModelProbes, InputIsPixelsLastHiddenLayerNearlyPerfectRandomWeightsWorse) {
  const char* dir = std::getenv("MNIST_DIR");
  if (!dir) GTEST_SKIP() << "MNIST_DIR is not set";
  Dataset train, test;
  ASSERT_TRUE(load_mnist(dir, "train", &train).ok());
  ASSERT_TRUE(load_mnist(dir, "test", &test).ok());
  ProbeOptions o;
  o.train_images = 2000;
  o.test_images = 2000;
  Model trained, random;
  ASSERT_TRUE(load_model_file(kShipped, &trained).ok());
  ASSERT_TRUE(Model::build(trained.spec(), 7, &random).ok());
  std::vector<ProbeResult> t, r;
  ASSERT_TRUE(run_probes(&trained, train, test, o, &t).ok());
  ASSERT_TRUE(run_probes(&random, train, test, o, &r).ok());
  ASSERT_EQ(t.size(), r.size());

  // The input: a softmax regression on pixels, about 90% on MNIST, not the network's 99%.
  EXPECT_GT(t[0].accuracy, 0.84f);
  EXPECT_LT(t[0].accuracy, 0.94f);
  // The last hidden layer: drop3, which repeats relu5, the step before the output layer.
  const size_t last_hidden = t.size() - 2;
  EXPECT_EQ(t[last_hidden].kind, "dropout");
  EXPECT_GE(t[last_hidden].accuracy, 0.99f) << t[last_hidden].name;
  EXPECT_GT(t[last_hidden].accuracy, t[0].accuracy + 0.05f);
  // Random weights are read worse at the same depth; the input does not depend on the weights.
  EXPECT_LT(r[last_hidden].accuracy + 0.01f, t[last_hidden].accuracy);
  EXPECT_FLOAT_EQ(r[0].accuracy, t[0].accuracy);
}

}  // namespace
