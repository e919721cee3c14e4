// metrics.h — evaluation of a model on a dataset: accuracy, per-class accuracy, the confusion
// matrix and the most confident mistakes.
#pragma once
#include <array>
#include <vector>

#include "dataset.h"
#include "model.h"

namespace dl {

struct Mistake {
  int index = 0;  // into the dataset
  int label = 0;  // true class
  int predicted = 0;
  float confidence = 0;  // probability of the predicted class
};

struct Evaluation {
  int count = 0;
  int correct = 0;
  float loss = 0;                                               // mean cross-entropy
  std::array<std::array<int, kClasses>, kClasses> confusion{};  // [true][predicted]
  std::vector<Mistake> mistakes;                                // all mistakes, most confident first
  float accuracy() const { return count ? static_cast<float>(correct) / count : 0.0f; }
  float class_accuracy(int c) const;  // correct of class c / images of class c
};

// Runs the model in eval mode over the dataset in batches of `batch` images.
Evaluation evaluate(Model& model, const Dataset& data, int batch = 256);

// The same evaluation spread over several calls, for a caller that must return in between (the
// page evaluates between frames and between the chunks of a training batch): evaluate_some(model,
// n) runs the next n images at most, then result() is what evaluate() gives once done(). Images are
// forwarded in batches of at most max_batch, counted from the first image, so evaluate_some with
// n >= count equals evaluate() with batch = max_batch bit for bit. Only the logits are kept.
class ChunkedEvaluation {
 public:
  ChunkedEvaluation() = default;
  // The first `count` images of data (0 or more than there are: all); data must outlive this.
  ChunkedEvaluation(const Dataset* data, int count);
  // Evaluates up to n more images (n >= 1); returns how many it did.
  int evaluate_some(Model& model, int n, int max_batch = 256);
  bool active() const { return data_ != nullptr; }  // begun and not reset
  bool done() const { return data_ && position_ >= count_; }
  int position() const { return position_; }
  int count() const { return count_; }
  Evaluation result() const;  // counts of the first position() images (all of them once done)

 private:
  const Dataset* data_ = nullptr;
  int count_ = 0, position_ = 0;
  std::vector<float> logits_;  // (count, 10)
};

// The counting behind evaluate(), from given logits (n, 10) and labels (n): predictions are the
// argmax (lowest class on ties), confidences the softmax probability of the prediction, the loss
// the mean cross-entropy (log-sum-exp, in double), mistakes sorted by descending confidence and
// then by index.
Evaluation evaluate_logits(const float* logits, const uint8_t* labels, int n);

}  // namespace dl
