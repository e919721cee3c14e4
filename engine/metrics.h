// metrics.h — evaluation of a model on a dataset: accuracy, per-class accuracy, the confusion
// matrix and the most confident mistakes.
#pragma once
#include <array>
#include <vector>

#include "dataset.h"
#include "model.h"

namespace dl {

struct Mistake {
  int index = 0;        // into the dataset
  int label = 0;        // true class
  int predicted = 0;
  float confidence = 0; // probability of the predicted class
};

struct Evaluation {
  int count = 0;
  int correct = 0;
  float loss = 0;  // mean cross-entropy
  std::array<std::array<int, kClasses>, kClasses> confusion{};  // [true][predicted]
  std::vector<Mistake> mistakes;  // all mistakes, most confident first
  float accuracy() const { return count ? static_cast<float>(correct) / count : 0.0f; }
  float class_accuracy(int c) const;  // correct of class c / images of class c
};

// Runs the model in eval mode over the dataset in batches of `batch` images.
Evaluation evaluate(Model& model, const Dataset& data, int batch = 256);

// The counting behind evaluate(), from given logits (n, 10) and labels (n): predictions are the
// argmax (lowest class on ties), confidences the softmax probability of the prediction, the loss
// the mean cross-entropy (log-sum-exp, in double), mistakes sorted by descending confidence and
// then by index.
Evaluation evaluate_logits(const float* logits, const uint8_t* labels, int n);

}  // namespace dl
