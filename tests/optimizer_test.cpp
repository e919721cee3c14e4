// optimizer_test.cpp — one update of each optimizer against values computed by hand, weight decay,
// and the learning-rate schedules.
#include <gtest/gtest.h>

#include <cmath>

#include "optimizer.h"

using namespace dl;

namespace {
std::vector<TensorInfo> one_tensor(size_t n, bool decay) { return {{"w", {static_cast<int>(n)}, 0, n, decay}}; }
}  // namespace

TEST(Optimizer, SgdMomentum) {
  OptimizerConfig c;
  c.kind = OptimizerConfig::SGD;
  c.momentum = 0.9f;
  Optimizer opt(c, 2, one_tensor(2, false));
  float p[2] = {1.f, -2.f};
  const float g[2] = {0.5f, 1.f};
  opt.step(p, g, 0.1f);  // v = g; p -= 0.1 g
  EXPECT_FLOAT_EQ(p[0], 0.95f);
  EXPECT_FLOAT_EQ(p[1], -2.1f);
  opt.step(p, g, 0.1f);  // v = 0.9 g + g = 1.9 g; p -= 0.19 g
  EXPECT_FLOAT_EQ(p[0], 0.95f - 0.095f);
  EXPECT_FLOAT_EQ(p[1], -2.1f - 0.19f);
}

TEST(Optimizer, AdamFirstStepsAreSignTimesLr) {
  OptimizerConfig c;
  c.kind = OptimizerConfig::Adam;
  Optimizer opt(c, 2, one_tensor(2, false));
  float p[2] = {1.f, 1.f};
  const float g[2] = {0.3f, -4.f};
  opt.step(p, g, 0.01f);  // mhat = g, vhat = g^2: step = lr * g / (|g| + eps)
  EXPECT_NEAR(p[0], 0.99f, 1e-6);
  EXPECT_NEAR(p[1], 1.01f, 1e-6);
  // Second step with a different gradient, by hand:
  const float g2[2] = {0.1f, 0.f};
  opt.step(p, g2, 0.01f);
  const double m = 0.9 * 0.1 * 0.3 + 0.1 * 0.1, v = 0.999 * 0.001 * 0.09 + 0.001 * 0.01;
  const double mhat = m / (1 - 0.81), vhat = v / (1 - 0.998001);
  EXPECT_NEAR(p[0], 0.99 - 0.01 * mhat / (std::sqrt(vhat) + 1e-8), 1e-6);
}

TEST(Optimizer, RmspropLikeKeras) {
  OptimizerConfig c;
  c.kind = OptimizerConfig::RMSprop;
  c.rho = 0.9f;
  c.eps = 1e-7f;
  Optimizer opt(c, 1, one_tensor(1, false));
  float p = 0.f;
  const float g = 2.f;
  opt.step(&p, &g, 0.001f);  // v = 0.1 * 4 = 0.4; p -= 0.001 * 2 / sqrt(0.4)
  EXPECT_NEAR(p, -0.001 * 2 / std::sqrt(0.4), 1e-7);
}

TEST(Optimizer, DecoupledWeightDecayOnlyOnWeights) {
  OptimizerConfig c;
  c.kind = OptimizerConfig::SGD;
  c.momentum = 0.f;
  c.weight_decay = 0.5f;
  std::vector<TensorInfo> t = {{"w", {1}, 0, 1, true}, {"b", {1}, 1, 1, false}};
  Optimizer opt(c, 2, t);
  float p[2] = {2.f, 2.f};
  const float g[2] = {0.f, 0.f};
  opt.step(p, g, 0.1f);
  EXPECT_FLOAT_EQ(p[0], 2.f - 0.1f * 0.5f * 2.f);
  EXPECT_FLOAT_EQ(p[1], 2.f);
}

TEST(Schedule, StepCosinePlateau) {
  // 10 epochs of 10 steps: the schedule is defined in steps.
  ScheduleConfig s;
  ASSERT_TRUE(parse_schedule("step:2:0.5", &s).ok());
  LrSchedule step(s, 1.f, 100, 10);
  EXPECT_FLOAT_EQ(step.lr(0), 1.f);
  EXPECT_FLOAT_EQ(step.lr(19), 1.f);
  EXPECT_FLOAT_EQ(step.lr(20), 0.5f);
  EXPECT_FLOAT_EQ(step.lr(55), 0.25f);

  ASSERT_TRUE(parse_schedule("cosine", &s).ok());
  LrSchedule cos(s, 1.f, 100, 10);
  EXPECT_FLOAT_EQ(cos.lr(0), 1.f);
  EXPECT_NEAR(cos.lr(50), 0.5f, 1e-6);
  EXPECT_NEAR(cos.lr(100), 0.f, 1e-6);

  ASSERT_TRUE(parse_schedule("plateau:0.5:2", &s).ok());
  LrSchedule pl(s, 1.f, 100, 10);
  EXPECT_FALSE(pl.on_epoch_end(0.90f));
  EXPECT_FALSE(pl.on_epoch_end(0.95f));
  EXPECT_FALSE(pl.on_epoch_end(0.94f));  // 1 epoch without improvement
  EXPECT_TRUE(pl.on_epoch_end(0.95f));   // 2: drop
  EXPECT_FLOAT_EQ(pl.lr(40), 0.5f);
  EXPECT_FLOAT_EQ(pl.state().scale, 0.5f);

  EXPECT_FALSE(parse_schedule("step:0:0.1", &s).ok());
  EXPECT_FALSE(parse_schedule("linear", &s).ok());
  OptimizerConfig::Kind k;
  EXPECT_FALSE(parse_optimizer("adagrad", &k).ok());
  EXPECT_NE(parse_optimizer("adagrad", &k).message().find("adagrad"), std::string::npos);
}
