// training_loop.h — the body of an epoch, shared by `digitlab train` and `digitlab sweep`.
//
// One epoch: a seeded shuffle of the training indices, batches gathered into one preallocated
// buffer, optional augmentation into a second one, dropout reseeded per step, the learning rate
// from the schedule at the fractional epoch, Trainer::step, the progress bar. It stops early when a
// step diverges (nothing applied) or when Ctrl-C was pressed (after the current step).
//
// Reproducibility: every random draw is seeded from the seed and the position in the run (epoch for
// the shuffle; epoch and step for augmentation and dropout), so the same seed and thread count give
// bit-identical tensors, and a run resumed at (epoch, step) sees the same batches as one that was
// never stopped.
//
// Not here: what happens at an epoch's end (validation, checkpoints, curves): the commands decide.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/dataset.h"
#include "engine/optimizer.h"
#include "engine/train.h"
#include "progress.h"

namespace digitlab {

struct LoopSettings {
  int epochs = 1;      // in the whole run: the progress bar shows "epoch e/epochs"
  int batch = 64;      // images per step (the last step of an epoch may have fewer)
  uint64_t seed = 1;   // of the shuffles, augmentation and dropout
  bool augment = false;
};

// What one call of EpochLoop::run did.
struct EpochResult {
  enum End { Done, Interrupted, Diverged } end = Done;
  int next_step = 0;      // the first step not run (steps_per_epoch when Done)
  long seen = 0;          // images trained in this call
  long correct = 0;       // of those, classified right (train mode, before the update)
  double loss_sum = 0;    // sum over images of the loss
  double seconds = 0;     // spent in training steps (gathering, augmentation, step)
  // Diverged: the step that was refused, its loss and learning rate.
  int diverged_step = 0;  // 0-based
  float diverged_loss = 0;
  float diverged_lr = 0;

  double mean_loss() const { return seen ? loss_sum / seen : 0.0; }
  double accuracy() const { return seen ? static_cast<double>(correct) / seen : 0.0; }
  double images_per_second() const { return seconds > 0 ? seen / seconds : 0.0; }
};

class EpochLoop {
 public:
  // trainer, train and schedule must outlive the loop. Allocates the batch buffers once.
  EpochLoop(dl::Trainer* trainer, const dl::Dataset* train, const dl::LrSchedule* schedule, const LoopSettings& s);

  int steps_per_epoch() const { return steps_per_epoch_; }
  int images() const { return n_; }

  // Runs steps [first_step, steps_per_epoch) of `epoch` (0-based), drawing progress on `progress`
  // (its line is cleared before returning, so a normal line can follow).
  EpochResult run(int epoch, int first_step, Progress* progress);

 private:
  dl::Trainer* trainer_;
  const dl::Dataset* train_;
  const dl::LrSchedule* schedule_;
  LoopSettings settings_;
  int n_ = 0;
  int steps_per_epoch_ = 0;
  const dl::AugmentConfig aug_cfg_{};
  std::vector<int> order_;             // (n) dataset index per position in the epoch
  std::vector<float> batch_images_;    // (batch, 784)
  std::vector<float> aug_images_;      // (batch, 784), empty without augmentation
  std::vector<uint8_t> batch_labels_;  // (batch)
};

// Ctrl-C: after install_sigint(), the first SIGINT sets a flag that EpochLoop checks after each
// step (a second one ends the program at once). restore_sigint() puts the default back.
void install_sigint();
void restore_sigint();
bool interrupted();

// "loss is NaN", "loss is infinite" or "a gradient is not finite", for a diverged step's loss.
const char* divergence_cause(float loss);

}  // namespace digitlab
