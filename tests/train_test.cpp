// train_test.cpp — short real training runs on MNIST (skipped when MNIST_DIR is unset): the loss
// falls and the test accuracy clearly beats chance; a diverging learning rate is reported and the
// parameters stay finite.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "dataset.h"
#include "metrics.h"
#include "train.h"

using namespace dl;

namespace {
const char* mnist_dir() { return std::getenv("MNIST_DIR"); }
}

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
