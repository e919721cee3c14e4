// metrics.cpp — evaluation: the model's logits for a whole dataset, then the counting (accuracy,
// per-class accuracy, confusion matrix, loss, mistakes ranked by confidence).
#include "metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

namespace dl {

float Evaluation::class_accuracy(int c) const {
  assert(c >= 0 && c < kClasses);
  int total = 0;
  for (int p = 0; p < kClasses; ++p) total += confusion[c][p];
  return total ? static_cast<float>(confusion[c][c]) / total : 0.0f;
}

Evaluation evaluate_logits(const float* logits, const uint8_t* labels, int n) {
  assert(n >= 0 && (n == 0 || (logits && labels)));
  Evaluation ev;
  ev.count = n;
  double loss = 0.0;
  float probs[kClasses];
  for (int i = 0; i < n; ++i) {
    const float* z = logits + static_cast<size_t>(i) * kClasses;
    const int label = labels[i];
    assert(label < kClasses && "labels are 0..9");
    int pred = 0;
    for (int k = 1; k < kClasses; ++k)
      if (z[k] > z[pred]) pred = k;
    // Cross-entropy = log(sum_k exp(z_k - max)) - (z_label - max), exact even where the
    // probability of the label underflows to 0.
    double sum = 0.0;
    for (int k = 0; k < kClasses; ++k) sum += std::exp(static_cast<double>(z[k]) - z[pred]);
    loss += std::log(sum) - (static_cast<double>(z[label]) - z[pred]);
    ++ev.confusion[label][pred];
    if (pred == label) {
      ++ev.correct;
    } else {
      softmax(z, 1, probs);
      ev.mistakes.push_back(Mistake{i, label, pred, probs[pred]});
    }
  }
  ev.loss = n ? static_cast<float>(loss / n) : 0.0f;
  std::sort(ev.mistakes.begin(), ev.mistakes.end(), [](const Mistake& a, const Mistake& b) {
    return a.confidence != b.confidence ? a.confidence > b.confidence : a.index < b.index;
  });
  return ev;
}

Evaluation evaluate(Model& model, const Dataset& data, int batch) {
  assert(batch > 0);
  assert(model.output_shape().size() == kClasses && "evaluate needs a model with 10 logits");
  const int n = data.count;
  assert(data.labels.size() == static_cast<size_t>(n) && data.images.size() == static_cast<size_t>(n) * kImageSize);
  std::vector<float> logits(static_cast<size_t>(n) * kClasses);  // (n, 10)
  // A smaller batch when the model at `batch` images would exceed its memory budget (resources.h);
  // one image always fits a model that was built.
  while (batch > 1 && !model.plan(batch).ok()) batch /= 2;
  for (int first = 0; first < n; first += batch) {
    const int B = std::min(batch, n - first);  // a smaller last batch reuses the plan for `batch`
    model.forward(data.image(first), B, /*train=*/false);
    std::memcpy(logits.data() + static_cast<size_t>(first) * kClasses, model.logits(),
                sizeof(float) * static_cast<size_t>(B) * kClasses);
  }
  return evaluate_logits(logits.data(), data.labels.data(), n);
}

}  // namespace dl
