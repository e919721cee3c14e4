// finetune.h — teaching a trained network a person's handwriting: a short training run (TrainRun)
// on their digits mixed with MNIST training images, so it learns the new styles without forgetting
// MNIST, with before/after figures on the digits it did not train on and on the MNIST test set.
// The page's "Teach it" and `digitlab finetune` run this same object, in time slices or in a loop.
//
// The recipe (measured on the 30 writers of the pen-digit set; see README): batches of 32 drawn
// from a set that is half the person's taught digits (repeated) and half MNIST training images (a
// seeded draw), augmented as training is (rotation, zoom, shift; dataset.h), Adam at 1e-4 with a
// cosine decay, a fixed 60 steps (1,920 images: about 4 s natively, a few more in the page). The newest holdout fraction of the person's
// digits (at least one when there are five or more and holdout > 0) is not trained on: before/after on it is the
// honest figure. With fewer than five digits all are taught and the report says so.
//
// Phases, in order: measure before (held-out digits, MNIST test), train, measure after. The model
// passed to begin() is trained in place; the caller keeps a copy for Undo (dl::clone_model).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "dataset.h"
#include "metrics.h"
#include "model.h"
#include "status.h"
#include "train_run.h"

namespace dl {

struct FinetuneOptions {
  int steps = 60;             // training batches
  int batch = 32;             // images per batch, half the person's digits
  float lr = 1e-4f;           // Adam's base rate, cosine-decayed to 0 over the steps
  double holdout = 0.2;       // newest fraction of the digits kept out of training for the report
  int mnist_test = 10000;     // MNIST test images of the forgetting check (the first N; 0: none)
  double mnist_before = -1;   // the model's accuracy on those, when the caller knows it (-1: measure it)
  bool augment = true;
  uint64_t seed = 1;
};

// The forgetting check fails (the page warns and offers Undo) past this drop, in points.
constexpr double kMaxForgettingPoints = 0.3;

struct FinetuneReport {
  int taught = 0, held_out = 0;       // of the person's digits
  int before_correct = 0, after_correct = 0;  // on the held-out digits (on all when none held out)
  int mnist_images = 0;
  double mnist_before = 0, mnist_after = 0;  // accuracy in [0, 1] (0 when mnist_images == 0)
  double train_seconds = 0, eval_seconds = 0;
  bool diverged = false;
  double before() const;  // accuracy on the reported digits, [0, 1]
  double after() const;
  int reported() const { return held_out > 0 ? held_out : taught; }
  bool forgot() const { return mnist_images > 0 && 100.0 * (mnist_before - mnist_after) > kMaxForgettingPoints; }
};

class FinetuneRun {
 public:
  // model is trained in place; mine, mnist_train and mnist_test must outlive the run. Checks the
  // options (steps 1..10,000, batch 2..256, lr in (0, 1], holdout in [0, 0.9], at least one digit)
  // and the training memory before allocating; on an error nothing changes.
  Status begin(Model* model, const Dataset* mine, const Dataset* mnist_train, const Dataset* mnist_test,
               const FinetuneOptions& options);
  // Works for about budget_ms; true once finished (report() complete).
  bool advance(double budget_ms);
  bool finished() const { return phase_ == Phase::Done; }
  double progress() const;  // 0..1 over the three phases, weighted by their expected time
  const char* phase_name() const;  // "measuring before", "training", "measuring after", "done"
  const FinetuneReport& report() const { return report_; }

 private:
  enum class Phase { Idle, Before, Train, After, Done };
  Phase phase_ = Phase::Idle;
  Model* model_ = nullptr;
  const Dataset* mnist_test_ = nullptr;
  FinetuneOptions options_;
  Dataset taught_, held_, mixed_;
  TrainRun run_;
  ChunkedEvaluation held_eval_, mnist_eval_;
  FinetuneReport report_;
};

}  // namespace dl
