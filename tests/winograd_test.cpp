// winograd_test.cpp — the fast convolution kernels against the plain convolution (conv_reference):
// Winograd in every variant (forward, and the input gradient through the flipped weights), the
// direct kernels of a one-channel layer, the fused epilogue, the transformed-weight cache; then
// Conv2D's kernels against each other inside models (forward, fused forward, gradients), and the
// shipped model's error with the kernels it runs against im2col + GEMM. Odd sizes throughout; the
// same binary runs natively and as WebAssembly under Node.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "conv_direct.h"
#include "conv_im2row.h"
#include "conv_kernels.h"
#include "dataset.h"
#include "gemm.h"
#include "layer_types.h"
#include "model.h"
#include "model_io.h"
#include "rng.h"
#include "train.h"
#include "winograd.h"

using namespace dl;

namespace {

std::vector<float> random_vec(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(lo, hi);
  return v;
}

std::vector<float> abs_of(std::vector<float> v) {
  for (auto& x : v) x = std::fabs(x);
  return v;
}

ConvGeometry geometry(int C, int H, int W, int k, int pad) {
  return ConvGeometry{C, H, W, k, 1, pad, H + 2 * pad - k + 1, W + 2 * pad - k + 1};
}

// The reference convolution of `images` images, and the bound sum |w| |x| per output (the scale
// of the rounding a reordered sum may show).
void reference(const ConvGeometry& g, int F, const std::vector<float>& w, const std::vector<float>& x, int images,
               std::vector<float>* y, std::vector<float>* mag) {
  const size_t in = static_cast<size_t>(g.C) * g.H * g.W, out = static_cast<size_t>(F) * g.OH * g.OW;
  y->assign(out * images, 0.0f);
  mag->assign(out * images, 0.0f);
  const std::vector<float> aw = abs_of(w), ax = abs_of(x);
  for (int n = 0; n < images; ++n) {
    conv_reference(g, F, w.data(), nullptr, x.data() + n * in, y->data() + n * out);
    conv_reference(g, F, aw.data(), nullptr, ax.data() + n * in, mag->data() + n * out);
  }
}

// Largest |got - want| / (mag + 1e-3) over all outputs, and the largest |got - want|.
struct Err {
  double rel = 0, abs = 0;
};
Err compare(const std::vector<float>& got, const std::vector<float>& want, const std::vector<float>& mag) {
  Err e;
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
    e.abs = std::max(e.abs, d);
    e.rel = std::max(e.rel, d / (mag[i] + 1e-3));
  }
  return e;
}

// Bound on the error relative to sum |w| |x|: a few units in the last place for F(2x2,3x3), more
// for the six-point tiles (their transforms scale by up to 8 and 1/24).
double tolerance(Winograd v) { return v == Winograd::F2x3 ? 2e-6 : 2e-5; }

struct Case {
  int C, H, W, F, pad, images;
};

}  // namespace

TEST(Winograd, MatchesReferenceInEveryVariant) {
  const Case cases[] = {{1, 5, 5, 1, 0, 1},   {3, 7, 9, 5, 1, 2},  {2, 13, 11, 3, 2, 1}, {5, 6, 6, 7, 0, 3},
                        {4, 12, 12, 8, 1, 2}, {6, 10, 9, 4, 1, 1}, {3, 28, 28, 5, 2, 2}, {9, 8, 8, 6, 0, 1}};
  for (Winograd v : {Winograd::F2x3, Winograd::F4x3, Winograd::F2x5}) {
    const int r = winograd_kernel(v);
    for (const Case& c : cases) {
      if (c.pad > r - 1 || c.H + 2 * c.pad < r || c.W + 2 * c.pad < r) continue;
      const ConvGeometry g = geometry(c.C, c.H, c.W, r, c.pad);
      const std::vector<float> w = random_vec(static_cast<size_t>(c.F) * c.C * r * r, 11 + c.C);
      const std::vector<float> x = random_vec(static_cast<size_t>(c.images) * c.C * c.H * c.W, 7 + c.H);
      std::vector<float> want, mag;
      reference(g, c.F, w, x, c.images, &want, &mag);
      for (int block_cols : {0, 8, 13}) {  // default blocks, and blocks that cut images and tile rows
        WinogradConv wc;
        wc.plan(v, c.C, c.H, c.W, c.F, c.pad, c.images, 1, block_cols);
        // What plan() allocated is what resources.cpp counts for it, without allocating.
        EXPECT_EQ(wc.allocated_floats(),
                  WinogradConv::planned_floats(v, c.C, c.H, c.W, c.F, c.pad, c.images, 1, block_cols));
        wc.set_weights(w.data(), false, false);
        std::vector<float> got(want.size(), -7.0f);
        wc.run(x.data(), c.images, got.data(), ConvEpilogue{}, 0);
        const Err e = compare(got, want, mag);
        EXPECT_LT(e.rel, tolerance(v)) << winograd_name(v) << " C " << c.C << " H " << c.H << " W " << c.W << " F "
                                       << c.F << " pad " << c.pad << " images " << c.images << " block " << block_cols;
      }
    }
  }
}

// With transpose_flip the same weights give the input gradient: dx = col2im(W^T dy).
TEST(Winograd, FlippedWeightsGiveTheInputGradient) {
  for (Winograd v : {Winograd::F2x3, Winograd::F4x3, Winograd::F2x5}) {
    const int r = winograd_kernel(v);
    for (int pad = 0; pad < r; ++pad) {
      const int C = 3, F = 5, H = 11, W = 9;
      const ConvGeometry g = geometry(C, H, W, r, pad);
      const int K = C * r * r, N = g.OH * g.OW;
      const std::vector<float> w = random_vec(static_cast<size_t>(F) * K, 3 + pad);
      const std::vector<float> dy = random_vec(static_cast<size_t>(2) * F * N, 5 + pad);
      std::vector<float> want(static_cast<size_t>(2) * C * H * W), mag(want.size()), dcol(static_cast<size_t>(K) * N);
      const std::vector<float> aw = abs_of(w), ady = abs_of(dy);
      for (int n = 0; n < 2; ++n) {
        gemm_reference(true, false, K, N, F, w.data(), K, dy.data() + n * F * N, N, dcol.data(), N, false);
        col2im_reference(g, dcol.data(), want.data() + n * C * H * W);
        gemm_reference(true, false, K, N, F, aw.data(), K, ady.data() + n * F * N, N, dcol.data(), N, false);
        col2im_reference(g, dcol.data(), mag.data() + n * C * H * W);
      }
      WinogradConv wc;
      wc.plan(v, F, g.OH, g.OW, C, r - 1 - pad, 2, 1, 8);
      wc.set_weights(w.data(), true, false);
      std::vector<float> got(want.size());
      wc.run(dy.data(), 2, got.data(), ConvEpilogue{}, 0);
      EXPECT_LT(compare(got, want, mag).rel, tolerance(v)) << winograd_name(v) << " pad " << pad;
    }
  }
}

// The epilogue: bias, then BatchNorm's affine, then ReLU, each written to its own buffer.
TEST(Winograd, EpilogueWritesBiasAffineAndRelu) {
  const int C = 4, H = 9, W = 10, F = 6, pad = 1, images = 2;
  const ConvGeometry g = geometry(C, H, W, 3, pad);
  const std::vector<float> w = random_vec(static_cast<size_t>(F) * C * 9, 21);
  const std::vector<float> x = random_vec(static_cast<size_t>(images) * C * H * W, 22);
  const std::vector<float> bias = random_vec(F, 23), scale = random_vec(F, 24, 0.5f, 2.0f), shift = random_vec(F, 25);
  std::vector<float> want, mag;
  reference(g, F, w, x, images, &want, &mag);
  const size_t plane = static_cast<size_t>(g.OH) * g.OW;
  WinogradConv wc;
  wc.plan(Winograd::F2x3, C, H, W, F, pad, images, 1);
  wc.set_weights(w.data(), false, false);
  std::vector<float> y(want.size()), z(want.size()), rl(want.size());
  ConvEpilogue ep;
  ep.bias = bias.data();
  ep.scale = scale.data();
  ep.shift = shift.data();
  ep.affine = z.data();
  ep.relu = rl.data();
  wc.run(x.data(), images, y.data(), ep, 0);
  for (size_t i = 0; i < want.size(); ++i) {
    const int f = static_cast<int>((i / plane) % F);
    const float yy = want[i] + bias[f], zz = yy * scale[f] + shift[f];
    const float tol = 1e-5f * (mag[i] + 1.0f) * 4;
    ASSERT_NEAR(y[i], yy, tol) << i;
    ASSERT_NEAR(z[i], zz, tol) << i;
    ASSERT_NEAR(rl[i], zz > 0 ? zz : 0.0f, tol) << i;
    ASSERT_GE(rl[i], 0.0f);
  }
}

// The cache keeps U only while the weights keep their bits.
TEST(Winograd, WeightCacheNoticesAChangedWeight) {
  const int C = 3, H = 8, W = 8, F = 4;
  const ConvGeometry g = geometry(C, H, W, 3, 1);
  std::vector<float> w = random_vec(static_cast<size_t>(F) * C * 9, 31);
  const std::vector<float> x = random_vec(static_cast<size_t>(C) * H * W, 32);
  WinogradConv wc;
  wc.plan(Winograd::F4x3, C, H, W, F, 1, 1, 1);
  for (int round = 0; round < 3; ++round) {
    if (round == 1) w[17] += 0.25f;
    if (round == 2) w[0] = -w[0];
    wc.set_weights(w.data(), false, true);
    std::vector<float> want, mag, got(static_cast<size_t>(F) * H * W);
    reference(g, F, w, x, 1, &want, &mag);
    wc.run(x.data(), 1, got.data(), ConvEpilogue{}, 0);
    EXPECT_LT(compare(got, want, mag).rel, tolerance(Winograd::F4x3)) << "round " << round;
  }
}

TEST(ConvDirect, ForwardMatchesReference) {
  for (int k : {3, 5}) {
    for (int pad = 0; pad <= 2; ++pad) {
      for (int F : {1, 3, 5, 8}) {
        const int H = 11 + pad, W = 13 - pad, images = 2;
        const ConvGeometry g = geometry(1, H, W, k, pad);
        const std::vector<float> w = random_vec(static_cast<size_t>(F) * k * k, 41 + F);
        const std::vector<float> bias = random_vec(F, 42);
        const std::vector<float> x = random_vec(static_cast<size_t>(images) * H * W, 43 + k);
        std::vector<float> want, mag;
        reference(g, F, w, x, images, &want, &mag);
        std::vector<float> got(want.size()), rl(want.size());
        ConvEpilogue ep;
        ep.bias = bias.data();
        ep.relu = rl.data();
        // The scratch exactly as large as Conv2D plans it (ASan catches a kernel reading past it).
        std::vector<float> scratch(conv_direct_forward_scratch_floats(g));
        conv_direct_forward(g, F, w.data(), x.data(), images, got.data(), ep, scratch.data());
        const size_t plane = static_cast<size_t>(g.OH) * g.OW;
        for (size_t i = 0; i < want.size(); ++i) {
          const float yy = want[i] + bias[(i / plane) % F];
          ASSERT_NEAR(got[i], yy, 1e-6f * (mag[i] + 1.0f)) << "k " << k << " pad " << pad << " F " << F << " at " << i;
          ASSERT_EQ(rl[i], yy > 0 ? got[i] : 0.0f);
        }
      }
    }
  }
}

// The weight gradient of any channel count, over a few images, accumulated onto what dw held.
TEST(ConvDirect, WeightGradientMatchesReference) {
  for (int k : {3, 5}) {
    for (int pad = 0; pad <= 2; ++pad) {
      for (int C : {1, 3}) {
        for (int F : {1, 2, 5}) {
          const int H = 9 + pad, W = 13 - pad, images = 3;
          const ConvGeometry g = geometry(C, H, W, k, pad);
          const size_t in = static_cast<size_t>(C) * H * W, out = static_cast<size_t>(F) * g.OH * g.OW;
          const std::vector<float> x = random_vec(images * in, 46 + k), dy = random_vec(images * out, 44 + F);
          std::vector<float> dw_want = random_vec(static_cast<size_t>(F) * C * k * k, 45), dw_got = dw_want;
          for (int n = 0; n < images; ++n)
            conv_weight_grad_reference(g, F, x.data() + n * in, dy.data() + n * out, dw_want.data());
          std::vector<float> scratch(conv_direct_weight_grad_scratch_floats(g, F));
          conv_direct_weight_grad(g, F, x.data(), dy.data(), images, dw_got.data(), scratch.data());
          for (size_t i = 0; i < dw_want.size(); ++i)
            ASSERT_NEAR(dw_got[i], dw_want[i], 1e-5f * (1.0f + images * g.OH * g.OW))
                << "k " << k << " pad " << pad << " C " << C << " F " << F << " at " << i;
        }
      }
    }
  }
}

// The im2row weight gradient: any kernel, stride and padding, blocks of pixels that cut image rows.
TEST(ConvIm2row, WeightGradientMatchesReference) {
  struct G {
    int C, H, W, F, k, stride, pad, images;
  };
  const G cases[] = {{1, 9, 11, 3, 3, 1, 1, 2},  {3, 13, 12, 5, 5, 1, 2, 2}, {4, 9, 9, 7, 3, 2, 1, 1},
                     {2, 28, 28, 8, 5, 1, 2, 1}, {5, 10, 8, 4, 3, 1, 0, 3},  {2, 11, 11, 3, 7, 1, 3, 1},
                     {3, 16, 16, 33, 3, 1, 1, 1}};
  for (const G& c : cases) {
    const int OH = (c.H + 2 * c.pad - c.k) / c.stride + 1, OW = (c.W + 2 * c.pad - c.k) / c.stride + 1;
    const ConvGeometry g{c.C, c.H, c.W, c.k, c.stride, c.pad, OH, OW};
    const size_t in = static_cast<size_t>(c.C) * c.H * c.W, out = static_cast<size_t>(c.F) * OH * OW;
    const std::vector<float> x = random_vec(c.images * in, 91 + c.k), dy = random_vec(c.images * out, 92 + c.F);
    std::vector<float> want = random_vec(static_cast<size_t>(c.F) * c.C * c.k * c.k, 93), got = want;
    for (int n = 0; n < c.images; ++n)
      conv_weight_grad_reference(g, c.F, x.data() + n * in, dy.data() + n * out, want.data());
    std::vector<float> scratch(conv_weight_grad_im2row_scratch_floats(g, c.F));
    conv_weight_grad_im2row(g, c.F, x.data(), dy.data(), c.images, got.data(), scratch.data());
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(got[i], want[i], 1e-5f * (1.0f + c.images * OH * OW))
          << "C " << c.C << " k " << c.k << " stride " << c.stride << " pad " << c.pad << " at " << i;
  }
}

namespace {

// A model with every kernel forced to `a` in its convolutions.
Model build_with(const std::string& spec, Conv2D::Algo a, int threads = 1) {
  Model m;
  EXPECT_TRUE(Model::build(spec, 3, &m).ok());
  m.set_threads(threads);
  for (int i = 0; i < m.num_layers(); ++i)
    if (auto* c = dynamic_cast<Conv2D*>(&m.layer(i))) c->set_algorithm(a);
  return m;
}

std::vector<float> images(int B, uint64_t seed) {
  return random_vec(static_cast<size_t>(B) * kImageSize, seed, 0.0f, 1.0f);
}

double max_abs_diff(const float* a, const float* b, size_t n) {
  double d = 0;
  for (size_t i = 0; i < n; ++i) d = std::max(d, std::fabs(static_cast<double>(a[i]) - b[i]));
  return d;
}

}  // namespace

// Every forced kernel gives the im2col model's logits, activations and gradients (to rounding).
TEST(ConvKernels, EveryKernelGivesTheSameModel) {
  const std::string spec = "c5k3p1 c6k5 p2 c7k3p0b c4k5p2 f10";
  const int B = 3;
  const std::vector<float> x = images(B, 51);
  std::vector<uint8_t> labels = {1, 7, 3};
  for (Conv2D::Algo a :
       {Conv2D::Algo::Auto, Conv2D::Algo::Direct, Conv2D::Algo::F2x3, Conv2D::Algo::F4x3, Conv2D::Algo::F2x5}) {
    Model ref = build_with(spec, Conv2D::Algo::Im2col);  // fresh: a training forward moves BatchNorm's statistics
    Model m = build_with(spec, a);
    for (bool train : {false, true}) {
      Rng r1(9), r2(9);
      const float* za = ref.forward(x.data(), B, train, &r1);
      const float* zb = m.forward(x.data(), B, train, &r2);
      EXPECT_LT(max_abs_diff(za, zb, B * kClasses), 2e-4) << "algo " << static_cast<int>(a) << " train " << train;
      for (int i = 0; i < m.num_layers(); ++i) {
        const size_t n = static_cast<size_t>(B) * m.layer(i).out().size();
        EXPECT_LT(max_abs_diff(ref.activation(i), m.activation(i), n), 2e-4)
            << m.layer(i).name() << " algo " << static_cast<int>(a) << " train " << train;
      }
    }
    // Gradients (train mode, as a training step), and the input gradient (the saliency path).
    std::vector<float> dl(B * kClasses), dxa(B * kImageSize), dxb(B * kImageSize);
    Rng r1(9), r2(9);
    softmax_cross_entropy(ref.forward(x.data(), B, true, &r1), labels.data(), B, nullptr, dl.data());
    ref.zero_grads();
    ref.backward(dl.data(), dxa.data());
    softmax_cross_entropy(m.forward(x.data(), B, true, &r2), labels.data(), B, nullptr, dl.data());
    m.zero_grads();
    m.backward(dl.data(), dxb.data());
    EXPECT_LT(max_abs_diff(ref.grads().data(), m.grads().data(), ref.grads().size()), 1e-4) << static_cast<int>(a);
    EXPECT_LT(max_abs_diff(dxa.data(), dxb.data(), dxa.size()), 1e-5) << static_cast<int>(a);
  }
}

// The fused forward (a convolution writing its BatchNorm and ReLU outputs) leaves the same
// activations as the layers run one by one, and a later backward sees the same BatchNorm state.
TEST(ConvKernels, FusedForwardEqualsLayerByLayer) {
  Model m;
  ASSERT_TRUE(Model::build("c6k3p0b c8k3b p2 d.2 c5k5 f10", 4, &m).ok());
  const int B = 2;
  const std::vector<float> x = images(B, 61);
  for (auto& v : m.buffers()) v += 0.25f;  // running statistics that are not the defaults
  m.forward(x.data(), B, false);
  std::vector<std::vector<float>> fused;
  for (int i = 0; i < m.num_layers(); ++i)
    fused.emplace_back(m.activation(i), m.activation(i) + static_cast<size_t>(B) * m.layer(i).out().size());
  ForwardContext ctx;
  std::vector<float> in(x), out;
  for (int i = 0; i < m.num_layers(); ++i) {
    out.assign(static_cast<size_t>(B) * m.layer(i).out().size(), 0.0f);
    m.layer(i).forward(in.data(), out.data(), B, ctx);
    EXPECT_LT(max_abs_diff(out.data(), fused[i].data(), out.size()), 1e-6) << m.layer(i).name();
    in = out;
  }
}

// Same seed and threads, same bits, with the fast kernels in the loop.
TEST(ConvKernels, TrainingWithFastKernelsIsRepeatable) {
  auto run = [](int threads) {
    Model m = build_with("c6k5 p2 c8k3 c8k5 p2 f10", Conv2D::Algo::Auto, threads);
    Trainer t(&m, OptimizerConfig{}, 5);
    const std::vector<float> x = images(8, 71);
    std::vector<uint8_t> y = {0, 1, 2, 3, 4, 5, 6, 7};
    for (int s = 0; s < 3; ++s) t.step(x.data(), y.data(), 8, 1e-2f);
    return m.params();
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_EQ(run(2), run(2));
}

// The shipped model's kernels against im2col + GEMM on test images: the largest difference per
// convolution output and in the logits (printed; the README quotes it), and the same predictions.
TEST(ConvKernels, ShippedModelErrorAgainstIm2col) {
  const std::string file = std::string(DIGITLAB_SOURCE_DIR) + "/assets/digitlab.safetensors";
  Model fast, ref;
  ASSERT_TRUE(load_model_file(file, &fast).ok());
  ASSERT_TRUE(load_model_file(file, &ref).ok());
  for (int i = 0; i < ref.num_layers(); ++i)
    if (auto* c = dynamic_cast<Conv2D*>(&ref.layer(i))) c->set_algorithm(Conv2D::Algo::Im2col);
  const int B = 64;
  std::vector<float> x = images(B, 81);
  Dataset test;
  const char* dir = std::getenv("MNIST_DIR");
  if (dir && load_mnist(dir, "test", &test).ok())
    std::copy(test.images.begin(), test.images.begin() + x.size(), x.begin());
  for (int batch : {1, B}) {
    double worst_logit = 0;
    std::string report;
    for (int n0 = 0; n0 < B; n0 += batch) {
      ref.forward(x.data() + static_cast<size_t>(n0) * kImageSize, batch);
      fast.forward(x.data() + static_cast<size_t>(n0) * kImageSize, batch);
      if (n0 == 0) {
        for (int i = 0; i < fast.num_layers(); ++i) {
          auto* c = dynamic_cast<Conv2D*>(&fast.layer(i));
          if (!c) continue;
          const size_t n = static_cast<size_t>(batch) * c->out().size();
          char line[160];
          std::snprintf(line, sizeof line, " %s %s %.2e;", c->name().c_str(), c->forward_kernel(),
                        max_abs_diff(ref.activation(i), fast.activation(i), n));
          report += line;
        }
      }
      worst_logit =
          std::max(worst_logit, max_abs_diff(ref.logits(), fast.logits(), static_cast<size_t>(batch) * kClasses));
      for (int n = 0; n < batch; ++n)
        EXPECT_EQ(argmax10(ref.logits() + n * kClasses), argmax10(fast.logits() + n * kClasses));
    }
    std::printf("[ shipped ] batch %d, max abs error vs im2col:%s logits %.2e\n", batch, report.c_str(), worst_logit);
    EXPECT_LT(worst_logit, 1e-3);
  }
}
