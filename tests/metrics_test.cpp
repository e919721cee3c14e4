// metrics_test.cpp — the evaluation counts: a hand-made case with known confusion matrix, per-class
// accuracy, loss and mistake order, then evaluate() on a real model checked against its own
// forward pass.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dataset.h"
#include "metrics.h"
#include "model.h"
#include "rng.h"

namespace dl {
namespace {

// Logits for one image: `value` at class k, 0 elsewhere.
void one_hot_logits(float* row, int k, float value) {
  for (int c = 0; c < kClasses; ++c) row[c] = 0.0f;
  row[k] = value;
}

TEST(Metrics, HandMadeCase) {
  // image: 0  1  2  3  4  5
  // label: 3  3  7  7  0  1
  // pred:  3  5  7  2  0  5      (by one-hot logits of the given heights)
  const std::vector<uint8_t> labels = {3, 3, 7, 7, 0, 1};
  const int pred[6] = {3, 5, 7, 2, 0, 5};
  const float height[6] = {2.0f, 1.0f, 4.0f, 3.0f, 0.5f, 1.0f};
  std::vector<float> logits(6 * kClasses);  // (6, 10)
  for (int i = 0; i < 6; ++i) one_hot_logits(&logits[i * kClasses], pred[i], height[i]);

  const Evaluation ev = evaluate_logits(logits.data(), labels.data(), 6);
  EXPECT_EQ(ev.count, 6);
  EXPECT_EQ(ev.correct, 3);
  EXPECT_FLOAT_EQ(ev.accuracy(), 0.5f);

  std::array<std::array<int, kClasses>, kClasses> expected{};
  expected[3][3] = 1;
  expected[3][5] = 1;
  expected[7][7] = 1;
  expected[7][2] = 1;
  expected[0][0] = 1;
  expected[1][5] = 1;
  EXPECT_EQ(ev.confusion, expected);
  int total = 0;
  for (const auto& row : ev.confusion)
    for (int n : row) total += n;
  EXPECT_EQ(total, ev.count);

  EXPECT_FLOAT_EQ(ev.class_accuracy(3), 0.5f);
  EXPECT_FLOAT_EQ(ev.class_accuracy(7), 0.5f);
  EXPECT_FLOAT_EQ(ev.class_accuracy(0), 1.0f);
  EXPECT_FLOAT_EQ(ev.class_accuracy(1), 0.0f);
  EXPECT_FLOAT_EQ(ev.class_accuracy(9), 0.0f);  // no images of class 9

  // One-hot logits of height h: p(pred) = e^h / (e^h + 9), p(other) = 1 / (e^h + 9).
  auto p_top = [](float h) { return std::exp(h) / (std::exp(h) + 9.0f); };
  // Mistakes: image 3 (h=3) is the most confident, then images 1 and 5 (h=1, tie: by index).
  ASSERT_EQ(ev.mistakes.size(), 3u);
  EXPECT_EQ(ev.mistakes[0].index, 3);
  EXPECT_EQ(ev.mistakes[0].label, 7);
  EXPECT_EQ(ev.mistakes[0].predicted, 2);
  EXPECT_NEAR(ev.mistakes[0].confidence, p_top(3.0f), 1e-6);
  EXPECT_EQ(ev.mistakes[1].index, 1);
  EXPECT_EQ(ev.mistakes[2].index, 5);
  EXPECT_NEAR(ev.mistakes[1].confidence, p_top(1.0f), 1e-6);
  EXPECT_EQ(ev.mistakes[2].predicted, 5);
  EXPECT_EQ(ev.mistakes[2].label, 1);

  // Loss: -log p(label). Correct images: -log p_top(h); wrong ones: -log(1 / (e^h + 9)).
  double loss = 0.0;
  for (int i = 0; i < 6; ++i) {
    const double z = std::exp(static_cast<double>(height[i])) + 9.0;
    loss += (pred[i] == labels[i]) ? -std::log(std::exp(static_cast<double>(height[i])) / z) : std::log(z);
  }
  EXPECT_NEAR(ev.loss, loss / 6.0, 1e-5);
}

TEST(Metrics, LossIsFiniteForExtremeLogitsAndTiesPickTheLowestClass) {
  std::vector<float> logits(2 * kClasses, 0.0f);
  one_hot_logits(&logits[0], 4, 200.0f);       // label 6 has probability e^-200: underflows in float
  const std::vector<uint8_t> labels = {6, 0};  // second row: all logits equal -> predicts 0
  const Evaluation ev = evaluate_logits(logits.data(), labels.data(), 2);
  EXPECT_EQ(ev.correct, 1);
  EXPECT_EQ(ev.confusion[6][4], 1);
  EXPECT_EQ(ev.confusion[0][0], 1);
  EXPECT_NEAR(ev.loss, (200.0 + std::log(10.0)) / 2.0, 1e-3);
  ASSERT_EQ(ev.mistakes.size(), 1u);
  EXPECT_NEAR(ev.mistakes[0].confidence, 1.0f, 1e-6);
}

TEST(Metrics, EmptyInput) {
  const Evaluation ev = evaluate_logits(nullptr, nullptr, 0);
  EXPECT_EQ(ev.count, 0);
  EXPECT_EQ(ev.accuracy(), 0.0f);
  EXPECT_EQ(ev.loss, 0.0f);
  EXPECT_TRUE(ev.mistakes.empty());
}

Dataset random_dataset(int n, uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.count = n;
  d.images.resize(static_cast<size_t>(n) * kImageSize);  // (n, 784)
  for (float& v : d.images) v = rng.uniform() < 0.8f ? 0.0f : rng.uniform();
  for (int i = 0; i < n; ++i) d.labels.push_back(static_cast<uint8_t>(rng.below(kClasses)));
  return d;
}

TEST(Metrics, EvaluateMatchesTheModelsOwnLogits) {
  Model m;
  Status s = Model::build("c4k3b p2 f16 d.5 f10", 11, &m);
  ASSERT_TRUE(s.ok()) << s.message();
  const int n = 23;
  const Dataset d = random_dataset(n, 5);

  // Reference: the whole dataset in one forward pass.
  const float* out = m.forward(d.images.data(), n, /*train=*/false);
  const std::vector<float> logits(out, out + static_cast<size_t>(n) * kClasses);
  const Evaluation ref = evaluate_logits(logits.data(), d.labels.data(), n);

  // Batches of 5 with a last batch of 3; eval mode, so dropout and BatchNorm statistics do not
  // depend on the batch.
  const Evaluation ev = evaluate(m, d, 5);
  EXPECT_EQ(ev.count, n);
  EXPECT_EQ(ev.correct, ref.correct);
  EXPECT_EQ(ev.confusion, ref.confusion);
  EXPECT_NEAR(ev.loss, ref.loss, 1e-4);
  ASSERT_EQ(ev.mistakes.size(), ref.mistakes.size());
  EXPECT_EQ(ev.mistakes.size(), static_cast<size_t>(n - ev.correct));
  for (size_t i = 0; i < ev.mistakes.size(); ++i) {
    EXPECT_EQ(ev.mistakes[i].label, d.labels[ev.mistakes[i].index]);
    EXPECT_NE(ev.mistakes[i].predicted, ev.mistakes[i].label);
    if (i > 0) { EXPECT_GE(ev.mistakes[i - 1].confidence, ev.mistakes[i].confidence); }
  }
  int total = 0;
  for (const auto& row : ev.confusion)
    for (int c : row) total += c;
  EXPECT_EQ(total, n);

  // Evaluating twice gives the same result (eval mode changes nothing in the model).
  const Evaluation again = evaluate(m, d, 5);
  EXPECT_EQ(again.confusion, ev.confusion);
  EXPECT_EQ(again.loss, ev.loss);
}

}  // namespace
}  // namespace dl
