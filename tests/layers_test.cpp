// layers_test.cpp — every layer on its own: hand-computed forward values and a central-difference
// gradient check of the input and parameter gradients (the save/load round trip of each layer kind
// is in model_io_test.cpp).
#include <gtest/gtest.h>

#include <memory>
#include <numeric>
#include <vector>

#include "gradcheck.h"
#include "layer_types.h"

using namespace dl;
using dl_test::fill_separated;
using dl_test::gradcheck;

namespace {

// Owns a layer with its parameter/gradient/buffer blocks, planned for batch B.
struct Harness {
  std::unique_ptr<Layer> layer;
  std::vector<float> params, grads, buffers;
  std::vector<float> x, y, dy, dx;  // (B, in) (B, out) (B, out) (B, in)
  int B;
  Rng rng{7};
  ForwardContext ctx;
  uint64_t dropout_seed = 99;
  Rng dropout_rng{99};

  Harness(Layer* l, int batch, bool train = true) : layer(l), B(batch) {
    size_t np = 0, nb = 0;
    for (auto& t : layer->param_tensors()) np = std::max(np, t.offset + t.count);
    for (auto& t : layer->buffer_tensors()) nb = std::max(nb, t.offset + t.count);
    params.assign(np, 0.f);
    grads.assign(np, 0.f);
    buffers.assign(nb, 0.f);
    layer->bind(params.data(), grads.data(), buffers.data());
    layer->init(rng);
    layer->plan(B, 1);
    x.assign(static_cast<size_t>(B) * layer->in().size(), 0.f);
    dx.assign(x.size(), 0.f);
    y.assign(static_cast<size_t>(B) * layer->out().size(), 0.f);
    dy.assign(y.size(), 0.f);
    ctx.train = train;
    ctx.rng = &dropout_rng;
  }
  void forward() {
    dropout_rng.reseed(dropout_seed);  // the same dropout mask on every call
    layer->forward(x.data(), y.data(), B, ctx);
  }
  // loss = sum(y * dy): its gradient with respect to y is dy.
  double loss() {
    forward();
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y[i]) * dy[i];
    return s;
  }
  void backward() {
    forward();
    std::fill(grads.begin(), grads.end(), 0.f);
    layer->backward(x.data(), y.data(), dy.data(), dx.data(), B, nullptr);
  }
  // Checks d loss / d input and d loss / d params; returns the worst relative error.
  void check(float eps = 1e-2f, double tol = 2e-2, const std::function<bool(size_t)>& skip_input = nullptr) {
    for (size_t i = 0; i < dy.size(); ++i) dy[i] = rng.uniform(-1.f, 1.f);
    backward();
    std::vector<float> dx_analytic = dx, dp_analytic = grads;
    auto f = [&] { return loss(); };
    auto rx = gradcheck(x.data(), x.size(), dx_analytic.data(), f, eps, 300, skip_input);
    EXPECT_GT(rx.checked, 0);
    EXPECT_LT(rx.max_rel_error, tol) << layer->name() << ": input gradient, worst at " << rx.worst;
    if (!params.empty()) {
      auto rp = gradcheck(params.data(), params.size(), dp_analytic.data(), f, eps, 300);
      EXPECT_GT(rp.checked, 0) << layer->name() << ": no parameter was checked";
      EXPECT_LT(rp.max_rel_error, tol) << layer->name() << ": parameter gradient, worst at " << rp.worst;
    }
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Conv2D

TEST(Conv2D, ForwardHandComputed) {
  // 1x3x3 input 1..9, one 2x2 filter of ones, bias 0.5, stride 1, no padding:
  // [1+2+4+5, 2+3+5+6; 4+5+7+8, 5+6+8+9] + 0.5 = [12.5 16.5; 24.5 28.5]
  Harness h(new Conv2D("c", Shape{1, 3, 3}, 1, 2, 1, 0, true), 1);
  std::fill(h.params.begin(), h.params.begin() + 4, 1.f);
  h.params[4] = 0.5f;
  std::iota(h.x.begin(), h.x.end(), 1.f);
  h.forward();
  EXPECT_EQ(h.layer->out(), (Shape{1, 2, 2}));
  EXPECT_FLOAT_EQ(h.y[0], 12.5f);
  EXPECT_FLOAT_EQ(h.y[1], 16.5f);
  EXPECT_FLOAT_EQ(h.y[2], 24.5f);
  EXPECT_FLOAT_EQ(h.y[3], 28.5f);
}

TEST(Conv2D, ForwardStridePaddingTwoChannels) {
  // Input 2x3x3: channel 0 = 1..9, channel 1 = all 10. One 3x3 filter: centre tap 1 on channel 0,
  // top-left tap 1 on channel 1. Stride 2, padding 1 -> output 2x2 at centres (0,0) (0,2) (2,0) (2,2).
  Harness h(new Conv2D("c", Shape{2, 3, 3}, 1, 3, 2, 1, false), 1);
  std::fill(h.params.begin(), h.params.end(), 0.f);
  h.params[4] = 1.f;      // channel 0, (1,1)
  h.params[9 + 0] = 1.f;  // channel 1, (0,0)
  for (int i = 0; i < 9; ++i) {
    h.x[i] = static_cast<float>(i + 1);
    h.x[9 + i] = 10.f;
  }
  h.forward();
  EXPECT_EQ(h.layer->out(), (Shape{1, 2, 2}));
  // Output (0,0): centre input (0,0)=1; top-left tap at (-1,-1) is padding -> 0.
  EXPECT_FLOAT_EQ(h.y[0], 1.f);
  EXPECT_FLOAT_EQ(h.y[1], 3.f);         // centre (0,2)=3, top-left (-1,1) padding
  EXPECT_FLOAT_EQ(h.y[2], 7.f);         // centre (2,0)=7, top-left (1,-1) padding
  EXPECT_FLOAT_EQ(h.y[3], 9.f + 10.f);  // centre (2,2)=9, top-left (1,1)=10
}

struct ConvCase {
  int cin, h, w, filters, k, stride, pad, batch;
  bool bias;
};
class Conv2DGrad : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2DGrad, MatchesFiniteDifferences) {
  ConvCase c = GetParam();
  Harness h(new Conv2D("conv", Shape{c.cin, c.h, c.w}, c.filters, c.k, c.stride, c.pad, c.bias), c.batch);
  fill_separated(h.x.data(), h.x.size(), h.rng, 0.01f);
  for (auto& v : h.x) v *= 0.1f;
  h.check();
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2DGrad,
                         ::testing::Values(ConvCase{1, 5, 5, 2, 3, 1, 1, 2, true},
                                           ConvCase{2, 6, 7, 3, 3, 2, 0, 2, true},    // odd sizes, stride 2
                                           ConvCase{3, 7, 5, 2, 5, 1, 2, 1, false},   // 5x5 "same", no bias
                                           ConvCase{2, 8, 8, 4, 1, 1, 0, 3, true},    // 1x1
                                           ConvCase{1, 9, 9, 2, 4, 3, 1, 2, true}));  // even kernel, stride 3

// ---------------------------------------------------------------------------------------------
// MaxPool2D

TEST(MaxPool2D, ForwardHandComputed) {
  Harness h(new MaxPool2D("p", Shape{1, 4, 4}, 2, 2), 1);
  const float in[16] = {1, 3, 2, 0, 4, 2, 8, 1, 0, 0, 5, 6, -1, 9, 7, 2};
  std::copy(in, in + 16, h.x.begin());
  h.forward();
  EXPECT_EQ(h.layer->out(), (Shape{1, 2, 2}));
  EXPECT_EQ(h.y, (std::vector<float>{4, 8, 9, 7}));
  // The gradient goes to the maxima only.
  h.dy = {1, 2, 3, 4};
  h.layer->backward(h.x.data(), h.y.data(), h.dy.data(), h.dx.data(), 1, nullptr);
  std::vector<float> expect(16, 0.f);
  expect[4] = 1;
  expect[6] = 2;
  expect[13] = 3;
  expect[14] = 4;
  EXPECT_EQ(h.dx, expect);
}

TEST(MaxPool2D, GradientOverlappingWindows) {
  Harness h(new MaxPool2D("p", Shape{2, 7, 7}, 3, 2), 2);
  fill_separated(h.x.data(), h.x.size(), h.rng, 0.05f);
  h.check(1e-2f);
}

// ---------------------------------------------------------------------------------------------
// ReLU, Flatten, Dropout

TEST(ReLU, ForwardAndGradient) {
  Harness h(new ReLU("r", Shape{1, 2, 3}), 2);
  const float in[12] = {-2, -0.5f, 0.25f, 3, 0, 1, 5, -5, 2, -1, 0.5f, -0.1f};
  std::copy(in, in + 12, h.x.begin());
  h.forward();
  EXPECT_EQ(h.y, (std::vector<float>{0, 0, 0.25f, 3, 0, 1, 5, 0, 2, 0, 0.5f, 0}));
  fill_separated(h.x.data(), h.x.size(), h.rng, 0.1f);
  h.check(1e-2f, 1e-3, [&](size_t i) { return std::fabs(h.x[i]) < 2e-2f; });
}

TEST(Flatten, IsACopyWithFlatShape) {
  Harness h(new Flatten("f", Shape{2, 3, 4}), 2);
  EXPECT_EQ(h.layer->out(), (Shape{24, 1, 1}));
  std::iota(h.x.begin(), h.x.end(), 0.f);
  h.forward();
  EXPECT_EQ(h.y, h.x);
  h.check();
}

TEST(Dropout, EvalIsIdentityTrainDropsAndScales) {
  Harness eval(new Dropout("d", Shape{100, 1, 1}, 0.25f), 40, /*train=*/false);
  std::fill(eval.x.begin(), eval.x.end(), 2.f);
  eval.forward();
  EXPECT_EQ(eval.y, eval.x);

  Harness h(new Dropout("d", Shape{100, 1, 1}, 0.25f), 40, /*train=*/true);
  std::fill(h.x.begin(), h.x.end(), 2.f);
  h.forward();
  int zeros = 0;
  for (float v : h.y) {
    if (v == 0.f) ++zeros;
    else EXPECT_FLOAT_EQ(v, 2.f / 0.75f);
  }
  EXPECT_NEAR(zeros / 4000.0, 0.25, 0.03);
  h.check();  // the same mask in every evaluation: the gradient is exact
}

// ---------------------------------------------------------------------------------------------
// Dense

TEST(Dense, ForwardHandComputed) {
  Harness h(new Dense("fc", Shape{3, 1, 1}, 2, true, true), 2);
  // W = [[1 2 3] [-1 0 1]], b = [0.5 -0.5]
  const float p[8] = {1, 2, 3, -1, 0, 1, 0.5f, -0.5f};
  std::copy(p, p + 8, h.params.begin());
  h.x = {1, 1, 1, 2, 0, -1};
  h.forward();
  EXPECT_EQ(h.y, (std::vector<float>{6.5f, -0.5f, -0.5f, -3.5f}));
}

TEST(Dense, GradientFromSpatialInput) {
  Harness h(new Dense("fc", Shape{12, 1, 1}, 5, true, false), 3);
  fill_separated(h.x.data(), h.x.size(), h.rng, 0.05f);
  h.check();
}

// ---------------------------------------------------------------------------------------------
// BatchNorm

TEST(BatchNorm, TrainingNormalisesEachChannel) {
  Harness h(new BatchNorm("bn", Shape{2, 2, 2}), 3);
  for (size_t i = 0; i < h.x.size(); ++i) h.x[i] = static_cast<float>((i * 7) % 11) + (i % 8 < 4 ? 0.f : 100.f);
  h.params = {2.f, 1.f, -1.f, 3.f};  // gamma (2), beta (2)
  h.forward();
  for (int c = 0; c < 2; ++c) {
    double s = 0, sq = 0;
    for (int n = 0; n < 3; ++n)
      for (int i = 0; i < 4; ++i) {
        double v = h.y[(n * 2 + c) * 4 + i];
        s += v;
        sq += v * v;
      }
    const double mean = s / 12, var = sq / 12 - mean * mean;
    const double gamma = h.params[c], beta = h.params[2 + c];
    EXPECT_NEAR(mean, beta, 1e-4);
    EXPECT_NEAR(var, gamma * gamma, 1e-3 * gamma * gamma);
  }
  // Running statistics moved 10% of the way from (0, 1) towards the batch statistics.
  EXPECT_GT(h.buffers[1], 10.f);  // channel 1 mean is ~105, so 0.1 * 105
}

TEST(BatchNorm, EvalUsesRunningStatistics) {
  Harness h(new BatchNorm("bn", Shape{1, 1, 2}), 1, /*train=*/false);
  h.params = {2.f, 1.f};   // gamma, beta
  h.buffers = {3.f, 4.f};  // running mean, var
  h.layer->bind(h.params.data(), h.grads.data(), h.buffers.data());
  h.x = {3.f, 5.f};
  h.forward();
  EXPECT_NEAR(h.y[0], 1.f, 1e-5);  // (3-3)/2*2+1
  EXPECT_NEAR(h.y[1], 2.f * 2.f / std::sqrt(4.f + 1e-5f) + 1.f, 1e-5);
}

TEST(BatchNorm, GradientConvAndDense) {
  Harness conv(new BatchNorm("bn", Shape{3, 3, 3}), 4);
  fill_separated(conv.x.data(), conv.x.size(), conv.rng, 0.05f);
  for (size_t i = 0; i < conv.params.size(); ++i) conv.params[i] = 0.5f + 0.1f * static_cast<float>(i);
  conv.check(1e-2f, 3e-2);
  Harness dense(new BatchNorm("bn", Shape{6, 1, 1}), 5);
  fill_separated(dense.x.data(), dense.x.size(), dense.rng, 0.1f);
  dense.check(1e-2f, 3e-2);
}
