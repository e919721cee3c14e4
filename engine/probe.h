// probe.h — linear probes (Alain & Bengio, "Understanding intermediate layers using linear classifier
// probes", 2016): for every step of a frozen network, a softmax regression trained on that step's
// features (step_features.h) of N training images, scored on the test images. Probe accuracy against
// depth says how much of the digit a linear read-out can already find after each layer.
//
// The recipe (the same in the CLI, the page and the tests): N training images drawn by a seeded
// shuffle (default 5,000, seed 1); features standardised with the N images' mean and deviation; a
// softmax regression (10 x features + 10) trained by Adam (lr 0.01, L2 1e-4 on the weights, batch
// 100, 10 epochs, seeded order), starting from zero; test accuracy over the test images (default all
// 10,000). Dropout and flatten steps repeat the step before them (step_repeats_previous), and a
// BatchNorm step is a per-channel affine map of it, which standardised features cannot tell apart:
// these get the probe of the step before them. A ProbeRun is advanced in time slices, so the page can compute it between frames or on a
// thread, with progress; the model is only read (forward passes in eval mode write its activations).
//
// Memory: the training features of a group of steps are held at once; steps are grouped so that a
// group's N x features floats stay under options.feature_budget_bytes (a step that alone is larger is
// refused with a sentence before anything is allocated), and every group runs the training images
// forward once more.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataset.h"
#include "model.h"
#include "status.h"
#include "step_features.h"

namespace dl {

struct ProbeOptions {
  int train_images = 5000;  // N, drawn from the training set by a seeded shuffle; 10..count
  // true: the N images are the first N of probe_draw(count, seed); false: the set's first N as
  // given (a front end that keeps only probe_draw's first images passes them in that order).
  bool draw = true;
  int test_images = 0;  // the first ones of the test set; 0 = all
  int epochs = 10;
  int batch = 100;
  float lr = 0.01f;
  float weight_decay = 1e-4f;
  uint64_t seed = 1;
  int max_features = kDefaultMaxFeatures;
  uint64_t feature_budget_bytes = uint64_t{128} << 20;
  int forward_batch = 50;  // images per forward pass
};

struct ProbeResult {
  int step = 0;
  std::string name;  // step_name
  std::string kind;  // step_kind
  int features = 0;
  float train_accuracy = 0;  // on the N training images
  float accuracy = 0;        // on the test images
};

class ProbeRun {
 public:
  // Checks the options and the memory they ask for; the run reads model, train and test, which must
  // outlive it and stay unchanged (the model's activations are written by its forward passes).
  static Status Begin(Model* model, const Dataset* train, const Dataset* test, const ProbeOptions& options,
                      std::unique_ptr<ProbeRun>* out);
  ~ProbeRun();

  // Works for about budget_ms (at least one unit of work); true once every probe is scored.
  bool Advance(double budget_ms);
  bool done() const;
  float progress() const;  // 0..1, by units of work
  // One per step from the input to the logits, complete once done().
  const std::vector<ProbeResult>& results() const;

 private:
  ProbeRun();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The order ProbeRun draws its training images in: a seeded shuffle of 0..count-1.
std::vector<int> probe_draw(int count, uint64_t seed);

// Runs a ProbeRun to the end.
Status run_probes(Model* model, const Dataset& train, const Dataset& test, const ProbeOptions& options,
                  std::vector<ProbeResult>* out);

}  // namespace dl
