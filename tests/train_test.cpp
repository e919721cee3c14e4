// train_test.cpp — short real training runs on MNIST (skipped when MNIST_DIR is unset): the loss
// falls and the test accuracy clearly beats chance; a diverging learning rate is reported and the
// parameters stay finite.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <cstdlib>
#include <limits>

#include "dataset.h"
#include "metrics.h"
#include "train.h"

using namespace dl;

namespace {
const char* mnist_dir() { return std::getenv("MNIST_DIR"); }
}  // namespace

TEST(Training, ShortRunOnRealMnistBeatsChance) {
  if (!mnist_dir()) GTEST_SKIP() << "MNIST_DIR is not set";
  Dataset train, test;
  ASSERT_TRUE(load_mnist(mnist_dir(), "train", &train).ok());
  ASSERT_TRUE(load_mnist(mnist_dir(), "test", &test).ok());
  Dataset small = subset(train, 3000), test_small = subset(test, 1000);

  Model m;
  ASSERT_TRUE(Model::build("R1", 1, &m).ok());
  OptimizerConfig cfg;
  cfg.lr = 2e-3f;
  Trainer t(&m, cfg, 1);
  const int B = 32;
  std::vector<int> order(small.count);
  for (int i = 0; i < small.count; ++i) order[i] = i;
  std::vector<float> xb(static_cast<size_t>(B) * kImageSize);
  std::vector<uint8_t> yb(B);
  float first_loss = 0, last_loss = 0;
  int steps = 0;
  for (int epoch = 0; epoch < 2; ++epoch) {
    t.rng().shuffle(order.begin(), order.end());
    for (int s = 0; s + B <= small.count; s += B, ++steps) {
      for (int j = 0; j < B; ++j) {
        std::copy(small.image(order[s + j]), small.image(order[s + j]) + kImageSize, xb.begin() + j * kImageSize);
        yb[j] = small.labels[order[s + j]];
      }
      StepResult r = t.step(xb.data(), yb.data(), B, cfg.lr);
      ASSERT_TRUE(r.finite);
      if (steps < 10) first_loss += r.loss / 10;
      last_loss = 0.9f * last_loss + 0.1f * r.loss;
    }
  }
  EXPECT_LT(last_loss, 0.5f * first_loss);
  Evaluation e = evaluate(m, test_small);
  EXPECT_EQ(e.count, 1000);
  EXPECT_GT(e.accuracy(), 0.85f) << "R1 on 3,000 images for 2 epochs";
}

TEST(Training, DivergenceIsReportedAndParametersStayFinite) {
  Model m;
  ASSERT_TRUE(Model::build("c4k3 p2 f10", 1, &m).ok());
  OptimizerConfig cfg;
  cfg.kind = OptimizerConfig::SGD;
  Trainer t(&m, cfg, 1);
  Rng rng(3);
  std::vector<float> x(8 * kImageSize);
  for (auto& v : x) v = rng.uniform();
  std::vector<uint8_t> y = {0, 1, 2, 3, 4, 5, 6, 7};
  bool diverged = false;
  for (int s = 0; s < 50 && !diverged; ++s) diverged = !t.step(x.data(), y.data(), 8, 1e30f).finite;
  EXPECT_TRUE(diverged);
  for (float p : m.params()) ASSERT_TRUE(std::isfinite(p));
}

// A batch trained in chunks (the browser's frame-sized slices) gives the same update as one step.
TEST(Training, ChunkedBatchEqualsOneStep) {
  Model a, b;
  ASSERT_TRUE(Model::build("c4k3 p2 f16 f10", 7, &a).ok());
  ASSERT_TRUE(Model::build("c4k3 p2 f16 f10", 7, &b).ok());
  OptimizerConfig cfg;  // Adam
  Trainer ta(&a, cfg, 1), tb(&b, cfg, 1);
  Rng rng(5);
  const int B = 12;
  std::vector<float> x(B * kImageSize);
  for (auto& v : x) v = rng.uniform();
  std::vector<uint8_t> y(B);
  for (int i = 0; i < B; ++i) y[i] = static_cast<uint8_t>((i * 7) % 10);
  for (int s = 0; s < 3; ++s) {
    const StepResult whole = ta.step(x.data(), y.data(), B, 1e-2f);
    ASSERT_TRUE(whole.finite);
    tb.begin_batch();
    float loss = 0;
    int correct = 0;
    for (int c0 = 0; c0 < B; c0 += 5) {  // chunks of 5, 5 and 2
      const int n = std::min(5, B - c0);
      const StepResult part = tb.accumulate(x.data() + c0 * kImageSize, y.data() + c0, n, float(n) / B);
      ASSERT_TRUE(part.finite);
      loss += part.loss * n / B;
      correct += part.correct;
    }
    ASSERT_TRUE(tb.finish_batch(1e-2f));
    EXPECT_NEAR(loss, whole.loss, 1e-5f);
    EXPECT_EQ(correct, whole.correct);
    for (size_t i = 0; i < a.params().size(); ++i) ASSERT_NEAR(a.params()[i], b.params()[i], 1e-5f) << i;
  }
  EXPECT_EQ(ta.optimizer().steps(), tb.optimizer().steps());
}

TEST(Training, ChunkedBatchRefusesNonFiniteGradients) {
  Model m;
  ASSERT_TRUE(Model::build("f10", 1, &m).ok());
  Trainer t(&m, OptimizerConfig{}, 1);
  std::vector<float> x(kImageSize, 0.5f);
  x[3] = std::numeric_limits<float>::infinity();
  const uint8_t y = 3;
  const std::vector<float> before = m.params();
  t.begin_batch();
  const StepResult r = t.accumulate(x.data(), &y, 1, 1.0f);
  if (r.finite) { EXPECT_FALSE(t.finish_batch(1e-3f)); }
  EXPECT_EQ(m.params(), before);
}
