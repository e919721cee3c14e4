// model_test.cpp — whole networks: a gradient check through every layer kind, an end-to-end
// comparison of logits and loss with an independent direct computation, readable activations,
// saliency, thread-count determinism and no allocation inside a training step.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <vector>

#include "gradcheck.h"
#include "model.h"
#include "train.h"

using namespace dl;

namespace {

// Counts heap allocations made through operator new while `counting` is set.
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};

// Dense random pixels: with MNIST-like images (mostly exact zeros and zero biases) many
// pre-activations sit exactly on the ReLU kink, where finite differences are meaningless.
std::vector<float> random_images(int B, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(B) * kImageSize);
  for (auto& v : x) v = rng.uniform(0.05f, 1.f);
  return x;
}

std::vector<uint8_t> random_labels(int B, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint8_t> y(B);
  for (auto& v : y) v = static_cast<uint8_t>(rng.below(10));
  return y;
}

}  // namespace

void* operator new(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  std::abort();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

TEST(Model, WholeModelGradientCheck) {
  // Every layer kind in one small network, in training mode (dropout with a fixed mask,
  // BatchNorm with batch statistics).
  Model m;
  ASSERT_TRUE(Model::build("c3k3b p2 c4k3s2p0 d.3 f6b d.2 f10", 5, &m).ok());
  const int B = 3;
  std::vector<float> x = random_images(B, 1);
  std::vector<uint8_t> y = random_labels(B, 2);
  std::vector<float> dlogits(B * kClasses), dx(x.size());
  Rng rng(11);
  // The loss in double from the float logits, so that its differences are not float noise.
  auto loss = [&]() -> double {
    rng.reseed(11);
    const float* z = m.forward(x.data(), B, true, &rng);
    double total = 0;
    for (int n = 0; n < B; ++n) {
      double mx = z[n * kClasses], sum = 0;
      for (int k = 0; k < kClasses; ++k) mx = std::max(mx, static_cast<double>(z[n * kClasses + k]));
      for (int k = 0; k < kClasses; ++k) sum += std::exp(z[n * kClasses + k] - mx);
      total += std::log(sum) + mx - z[n * kClasses + y[n]];
    }
    return total / B;
  };
  rng.reseed(11);
  const float* logits = m.forward(x.data(), B, true, &rng);
  softmax_cross_entropy(logits, y.data(), B, nullptr, dlogits.data());
  m.zero_grads();
  m.backward(dlogits.data(), dx.data());
  std::vector<float> dparams = m.grads();

  // Errors are relative to the gradient's own scale (floor = 1% of its largest entry); points
  // within a step of a ReLU or max-pool kink are skipped.
  auto scale = [](const std::vector<float>& g) {
    float m = 0;
    for (float v : g) m = std::max(m, std::fabs(v));
    return 1e-2 * m;
  };
  auto rp = dl_test::gradcheck(m.params().data(), m.params().size(), dparams.data(), loss, 1e-2f, 400, nullptr,
                               scale(dparams), true);
  EXPECT_GT(rp.checked, 100);
  EXPECT_LT(rp.skipped, rp.checked / 4);
  EXPECT_LT(rp.max_rel_error, 3e-2) << "parameter " << rp.worst;
  auto rx = dl_test::gradcheck(x.data(), x.size(), dx.data(), loss, 1e-2f, 300, nullptr, scale(dx), true);
  EXPECT_GT(rx.checked, 100);
  EXPECT_LT(rx.max_rel_error, 3e-2) << "input " << rx.worst;
}

// An independent forward pass: direct convolution loops in double, no im2col, no GEMM.
TEST(Model, EndToEndMatchesDirectComputation) {
  Model m;
  ASSERT_TRUE(Model::build("c4k5 p2 c6k3s2p1 p2 f16 f10", 21, &m).ok());
  const int B = 2;
  std::vector<float> x = random_images(B, 3);
  std::vector<uint8_t> y = {3, 7};
  const float* logits = m.forward(x.data(), B);
  std::vector<float> got(logits, logits + B * kClasses);
  const float loss = softmax_cross_entropy(got.data(), y.data(), B, nullptr, nullptr);

  const std::vector<float>& p = m.params();
  auto conv = [&](const std::vector<double>& in, int C, int H, int W, int F, int k, int s, int pad, size_t off, int* OH,
                  int* OW) {
    *OH = (H + 2 * pad - k) / s + 1;
    *OW = (W + 2 * pad - k) / s + 1;
    std::vector<double> out(static_cast<size_t>(F) * *OH * *OW);
    const size_t boff = off + static_cast<size_t>(F) * C * k * k;
    for (int f = 0; f < F; ++f)
      for (int oy = 0; oy < *OH; ++oy)
        for (int ox = 0; ox < *OW; ++ox) {
          double acc = p[boff + f];
          for (int c = 0; c < C; ++c)
            for (int ky = 0; ky < k; ++ky)
              for (int kx = 0; kx < k; ++kx) {
                int iy = oy * s - pad + ky, ix = ox * s - pad + kx;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                acc += p[off + ((static_cast<size_t>(f) * C + c) * k + ky) * k + kx] * in[(c * H + iy) * W + ix];
              }
          out[(f * *OH + oy) * *OW + ox] = std::max(0.0, acc);  // ReLU
        }
    return out;
  };
  auto pool = [](const std::vector<double>& in, int C, int H, int W) {
    std::vector<double> out(static_cast<size_t>(C) * (H / 2) * (W / 2));
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < H / 2; ++y)
        for (int x = 0; x < W / 2; ++x) {
          double v = -1e30;
          for (int dy = 0; dy < 2; ++dy)
            for (int dx = 0; dx < 2; ++dx) v = std::max(v, in[(c * H + 2 * y + dy) * W + 2 * x + dx]);
          out[(c * (H / 2) + y) * (W / 2) + x] = v;
        }
    return out;
  };
  auto dense = [&](const std::vector<double>& in, int U, size_t off, bool relu) {
    const int I = static_cast<int>(in.size());
    std::vector<double> out(U);
    for (int u = 0; u < U; ++u) {
      double acc = p[off + static_cast<size_t>(U) * I + u];
      for (int i = 0; i < I; ++i) acc += p[off + static_cast<size_t>(u) * I + i] * in[i];
      out[u] = relu ? std::max(0.0, acc) : acc;
    }
    return out;
  };
  double ref_loss = 0;
  for (int n = 0; n < B; ++n) {
    std::vector<double> a(x.begin() + n * kImageSize, x.begin() + (n + 1) * kImageSize);
    int H, W;
    size_t off = 0;
    a = conv(a, 1, 28, 28, 4, 5, 1, 2, off, &H, &W);
    off += 4 * 25 + 4;
    a = pool(a, 4, H, W);
    H /= 2;
    W /= 2;
    a = conv(a, 4, H, W, 6, 3, 2, 1, off, &H, &W);
    off += 6 * 4 * 9 + 6;
    a = pool(a, 6, H, W);
    const size_t flat = a.size();
    a = dense(a, 16, off, true);
    off += 16 * flat + 16;
    std::vector<double> z = dense(a, 10, off, false);
    ASSERT_EQ(off + 16 * 10 + 10, p.size());
    double mx = z[0], sum = 0;
    for (double v : z) mx = std::max(mx, v);
    for (double v : z) sum += std::exp(v - mx);
    ref_loss += (std::log(sum) + mx - z[y[n]]) / B;
    for (int k = 0; k < kClasses; ++k)
      EXPECT_NEAR(got[n * kClasses + k], z[k], 1e-4 * (1 + std::fabs(z[k]))) << n << "," << k;
  }
  EXPECT_NEAR(loss, ref_loss, 1e-5 * (1 + ref_loss));
}

TEST(Model, ActivationsAreReadableAfterForward) {
  Model m;
  ASSERT_TRUE(Model::build("R1", 1, &m).ok());
  std::vector<float> x = random_images(4, 9);
  m.forward(x.data(), 4);
  ASSERT_EQ(m.num_layers(), 8);  // conv relu pool conv relu pool flatten dense
  EXPECT_EQ(m.layer(2).out(), (Shape{8, 14, 14}));
  // relu1's output is max(0, conv1's output), element for element, in place.
  const float* conv = m.activation(0);
  const float* relu = m.activation(1);
  for (int i = 0; i < 4 * 8 * 28 * 28; ++i) ASSERT_EQ(relu[i], std::max(0.f, conv[i]));
  EXPECT_EQ(m.activation(m.num_layers() - 1), m.logits());
}

TEST(Model, SaliencyMatchesFiniteDifferences) {
  Model m;
  ASSERT_TRUE(Model::build("c4k3 p2 f10", 4, &m).ok());
  std::vector<float> x = random_images(1, 5), g(kImageSize);
  m.input_gradient(x.data(), 3, g.data());
  auto score = [&]() -> double { return m.forward(x.data(), 1)[3]; };
  auto r = dl_test::gradcheck(x.data(), x.size(), g.data(), score, 1e-2f, 300, nullptr, 1e-3, true);
  EXPECT_GT(r.checked, 150);
  EXPECT_GT(r.checked, r.skipped);
  EXPECT_LT(r.max_rel_error, 2e-2) << "pixel " << r.worst;
  double norm = 0;
  for (float v : g) norm += std::fabs(v);
  EXPECT_GT(norm, 0.0);
}

TEST(Model, SameSeedSameThreadsIsBitIdentical) {
  auto run = [](int threads) {
    Model m;
    EXPECT_TRUE(Model::build("c6k5b p2 d.25 c8k3 p2 f10", 17, &m).ok());
    m.set_threads(threads);
    OptimizerConfig cfg;
    Trainer t(&m, cfg, 5);
    std::vector<float> x = random_images(16, 1);
    std::vector<uint8_t> y = random_labels(16, 2);
    for (int s = 0; s < 5; ++s) t.step(x.data(), y.data(), 16, 1e-2f);
    return m.params();
  };
  EXPECT_EQ(run(1), run(1));
  std::vector<float> a = run(2), b = run(2);
  EXPECT_EQ(a, b);
  // One and two threads differ only by the order of float sums.
  std::vector<float> one = run(1);
  ASSERT_EQ(one.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(one[i], a[i], 1e-3f) << i;
}

TEST(Model, TrainingStepAllocatesNothingAfterTheFirst) {
  Model m;
  ASSERT_TRUE(Model::build("c4k3b p2 d.25 f16 d.5 f10", 1, &m).ok());
  m.set_threads(2);
  Trainer t(&m, OptimizerConfig{}, 1);
  std::vector<float> x = random_images(8, 1);
  std::vector<uint8_t> y = random_labels(8, 2);
  t.step(x.data(), y.data(), 8, 1e-3f);
  allocations = 0;
  counting = true;
  for (int s = 0; s < 3; ++s) t.step(x.data(), y.data(), 8, 1e-3f);
  t.step(x.data(), y.data(), 5, 1e-3f);  // a smaller batch fits the plan
  counting = false;
  EXPECT_EQ(allocations.load(), 0);
}
