// knockout_test.cpp — switching units off (Model::set_unit_off): the layers after see zeros, fused
// convolutions included; switching them back on gives today's outputs bit for bit; every channel of a
// layer off leaves the network one answer (chance accuracy on MNIST); a clone carries them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "dataset.h"
#include "metrics.h"
#include "model_io.h"

using namespace dl;

namespace {

const std::string kShipped = std::string(DIGITLAB_SOURCE_DIR) + "/assets/digitlab.safetensors";

std::vector<float> some_images(int n) {
  std::vector<float> x(static_cast<size_t>(n) * kImageSize);
  Rng rng(11);
  for (float& v : x) v = rng.uniform();
  return x;
}

std::vector<float> logits_of(Model& m, const std::vector<float>& x, int n) {
  const float* out = m.forward(x.data(), n);
  return std::vector<float>(out, out + n * kClasses);
}

TEST(KnockOut, OffThenOnRestoresTheOutputsExactly) {
  Model m;
  ASSERT_TRUE(load_model_file(kShipped, &m).ok());
  const std::vector<float> x = some_images(4);
  const std::vector<float> before = logits_of(m, x, 4);
  m.set_unit_off(2, 5, true);     // relu1, channel 5
  m.set_unit_off(17, 100, true);  // fc1, unit 100
  EXPECT_EQ(m.units_off(), 2);
  EXPECT_TRUE(m.unit_off(2, 5));
  EXPECT_FALSE(m.unit_off(2, 4));
  const std::vector<float> changed = logits_of(m, x, 4);
  EXPECT_NE(changed, before);
  // The knocked-out map is zero in the layer's output.
  const Shape s = m.layer(2).out();
  for (int i = 0; i < s.h * s.w; ++i) ASSERT_EQ(m.activation(2)[5 * s.h * s.w + i], 0.0f);
  m.set_unit_off(2, 5, false);
  m.set_unit_off(17, 100, false);
  EXPECT_EQ(m.units_off(), 0);
  EXPECT_EQ(logits_of(m, x, 4), before);
  m.set_unit_off(8, 1, true);
  m.clear_units_off();
  EXPECT_EQ(logits_of(m, x, 4), before);
}

// A convolution followed by BatchNorm and ReLU runs fused; its knocked-out channel must reach the
// BatchNorm as zeros, exactly as a convolution whose filter is all zeros would.
TEST(KnockOut, AFusedConvolutionsChannelIsZeroBeforeItsBatchNorm) {
  Model a, b;
  ASSERT_TRUE(load_model_file(kShipped, &a).ok());
  ASSERT_TRUE(load_model_file(kShipped, &b).ok());
  const TensorInfo* w = nullptr;
  for (const TensorInfo& t : b.param_tensors())
    if (t.name == "conv2.weight") w = &t;
  ASSERT_NE(w, nullptr);
  const size_t per_filter = w->count / w->shape[0];
  std::fill_n(b.params().begin() + w->offset + 7 * per_filter, per_filter, 0.0f);  // filter 7 of conv2
  a.set_unit_off(3, 7, true);                                                      // conv2, channel 7
  const std::vector<float> x = some_images(3);
  const std::vector<float> la = logits_of(a, x, 3), lb = logits_of(b, x, 3);
  for (size_t i = 0; i < la.size(); ++i) EXPECT_NEAR(la[i], lb[i], 1e-5f);
}

TEST(KnockOut, EveryChannelOffLeavesOneAnswerForEveryImage) {
  Model m;
  ASSERT_TRUE(load_model_file(kShipped, &m).ok());
  for (int c = 0; c < m.layer(13).out().c; ++c) m.set_unit_off(13, c, true);  // relu4: all 64 maps
  const std::vector<float> x = some_images(5);
  const std::vector<float> l = logits_of(m, x, 5);
  for (int n = 1; n < 5; ++n)
    for (int k = 0; k < kClasses; ++k) EXPECT_NEAR(l[n * kClasses + k], l[k], 1e-5f);

  const char* dir = std::getenv("MNIST_DIR");
  if (!dir) GTEST_SKIP() << "MNIST_DIR is not set (the chance-accuracy half needs the test set)";
  Dataset test;
  ASSERT_TRUE(load_mnist(dir, "test", &test).ok());
  const Dataset part = subset(test, 2000);
  const Evaluation e = evaluate(m, part);
  EXPECT_LE(e.accuracy(), 0.12f) << "one answer for every image is right only for that digit's share";
}

TEST(KnockOut, ACloneCarriesThemAndTheOriginalStaysItself) {
  Model m, copy;
  ASSERT_TRUE(load_model_file(kShipped, &m).ok());
  m.set_unit_off(0, 3, true);
  ASSERT_TRUE(clone_model(m, &copy).ok());
  EXPECT_TRUE(copy.unit_off(0, 3));
  EXPECT_EQ(copy.units_off(), 1);
  const std::vector<float> x = some_images(2);
  EXPECT_EQ(logits_of(copy, x, 2), logits_of(m, x, 2));
  copy.clear_units_off();
  EXPECT_TRUE(m.unit_off(0, 3));
}

}  // namespace
