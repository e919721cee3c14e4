// train_run.h — one training run as an engine object, stepped from outside. Every front end drives
// the same object: the CLI (`digitlab train`, `sweep`) calls step() in a loop, the page calls
// advance() with the time left in a frame, the tests step it one batch at a time. So "cosine",
// "resume" and "diverged" mean one thing wherever a person trains.
//
// The run owns: the data order (a shuffle per epoch from the seed), the batches (gathered into one
// preallocated buffer, augmented into a second), the seeded streams (shuffle, augmentation and
// dropout from (seed, epoch, step)), the learning-rate schedule (LrSchedule, optimizer.h), the
// Trainer with its optimizer, snapshots of the last good state with rollback when a step diverges,
// and the state a checkpoint or a saved run stores. Not here: the model's construction (the caller
// builds it, from a spec or a file, and keeps it), what happens at an epoch's end (validation,
// checkpoints, curves: the front ends decide), and evaluation, which runs through
// ChunkedEvaluation (metrics.h) on model() between steps or between the chunks of a batch.
//
// Reproducibility: every random draw is seeded from the seed and the position in the run, so the
// same seed and thread count give bit-identical tensors, and a run restored at step s (or paused
// there) continues exactly as one that never stopped. step() trains a batch in one piece; advance()
// may split a batch into chunks sized from the time it measures (Trainer::accumulate), which
// changes the order of additions in the gradients (and BatchNorm's statistics, per chunk): a run
// driven by a time budget is reproducible only where no batch was split.
//
// Memory: begin() checks the training memory at the batch size on the model's threads
// (plan_resources, Use::Training: optimizer, snapshot, checkpoint copies, batch buffers) against the
// model's budget before it allocates anything.
#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dataset.h"
#include "model.h"
#include "model_io.h"
#include "optimizer.h"
#include "status.h"
#include "train.h"

namespace dl {

struct RunConfig {
  OptimizerConfig optimizer;  // kind, base learning rate (lr), momentum, weight decay
  ScheduleConfig schedule;    // the learning rate over the run, warm-up included
  int batch = 64;             // images per step (the last step of an epoch may have fewer)
  double epochs = 1.0;        // passes over the images; may be fractional (1.5)
  int images = 0;             // train on the first `images` of the dataset (0 or more than it holds: all)
  bool augment = false;       // random rotation, zoom and shift (AugmentConfig's defaults)
  uint64_t seed = 1;          // of the shuffles, augmentation and dropout (the weights' seed is the model's)
  int snapshot_every = 50;    // steps between divergence snapshots; one is also taken at each epoch end
};

// Steps of a run: ceil(epochs * steps_per_epoch), at least 1 (a run of 1.5 epochs ends mid-epoch).
int64_t run_total_steps(double epochs, int steps_per_epoch);

// How much advance() may do: until `ms` milliseconds have passed or `steps` batches are complete.
struct Budget {
  double ms = std::numeric_limits<double>::infinity();
  int64_t steps = std::numeric_limits<int64_t>::max();
};

// What one call of step() or advance() did.
struct RunProgress {
  int steps = 0;          // batches completed (updates applied)
  int64_t images = 0;     // images of those batches
  int64_t correct = 0;    // of those, classified right (train mode, before the update)
  double loss_sum = 0;    // sum over those images of the loss
  float lr = 0;           // the learning rate of the last completed step
  bool diverged = false;  // a step was refused and the run rolled back: see TrainRun::divergence()

  double mean_loss() const { return images ? loss_sum / images : 0.0; }
  double accuracy() const { return images ? static_cast<double>(correct) / images : 0.0; }
};

// The last divergence: a step whose loss or gradients were not finite (nothing applied), or whose
// update made a parameter non-finite. The run then holds the last good snapshot again.
struct Divergence {
  int64_t step = 0;           // the 0-based step that was refused
  float loss = 0;             // its loss (NaN or infinite, or finite when a gradient was not)
  float lr = 0;               // its learning rate
  int64_t restored_step = 0;  // the run's step after the rollback (the snapshot's)
  // "the loss is NaN", "the loss is infinite" or "a gradient or the update is not finite".
  const char* cause() const;
};

class TrainRun {
 public:
  TrainRun() = default;
  TrainRun(TrainRun&&) = default;
  TrainRun& operator=(TrainRun&&) = default;

  // Starts a run at step 0 from the model's current weights, with a fresh optimizer. model and
  // train must outlive the run (and stay where they are). Checks the options and the memory of
  // training at cfg.batch on the model's threads within the model's budget first; on an error
  // nothing is allocated and *this is unchanged.
  Status begin(Model* model, const Dataset* train, const RunConfig& cfg);
  bool active() const { return model_ != nullptr; }

  // --- the position ---
  int64_t steps_done() const { return step_; }  // = the index of the next step
  int64_t total_steps() const { return total_steps_; }
  int steps_per_epoch() const { return steps_per_epoch_; }
  int images() const { return images_; }                                    // training images per epoch
  int epoch() const { return static_cast<int>(step_ / steps_per_epoch_); }  // of the next step, 0-based
  int step_in_epoch() const { return static_cast<int>(step_ % steps_per_epoch_); }
  double epochs_done() const { return static_cast<double>(step_) / steps_per_epoch_; }
  bool finished() const { return step_ >= total_steps_; }
  bool between_batches() const { return batch_pos_ == 0; }  // no batch half-accumulated
  float lr() const { return schedule_.lr(step_); }          // the next step's learning rate

  // --- training ---
  // One whole batch (or the rest of the batch advance() began). Does nothing when finished.
  RunProgress step();
  // Trains batches, in chunks sized to the time left, until the budget is spent, budget.steps
  // batches are complete, the run is finished or a step diverged. A split batch is continued by
  // the next call.
  RunProgress advance(const Budget& budget);
  const Divergence& divergence() const { return divergence_; }

  // Plateau: the validation accuracy at an epoch's end. Returns true when the rate dropped.
  bool on_epoch_end(float val_accuracy) { return schedule_.on_epoch_end(val_accuracy); }
  const LrSchedule& schedule() const { return schedule_; }

  // --- snapshots ---
  // Keeps the current state (parameters, statistics, optimizer, schedule, step) as the one a
  // divergence rolls back to, if every value is finite; otherwise the previous snapshot stays.
  // Taken by begin() and restore(), every config().snapshot_every steps and at each epoch end.
  // Returns whether it was taken.
  bool snapshot();
  int64_t snapshot_step() const { return good_.step; }

  // --- the state a checkpoint or a saved run keeps ---
  // With the model's tensors and the optimizer's moments (save_model_bytes(model, md, &optimizer())),
  // these metadata keys are the whole run state: "run_step", "run_steps_per_epoch" and the
  // schedule's "plateau_scale", "plateau_best", "plateau_bad_epochs".
  std::map<std::string, std::string> state_metadata() const;
  // The model, the optimizer and state_metadata() merged into `extra` (empty when a value is not
  // finite: a poisoned run is never stored).
  std::vector<uint8_t> save_bytes(const std::map<std::string, std::string>& extra) const;
  // Continues a run from a file that save_bytes (or a checkpoint) wrote: the optimizer's moments
  // and step count, the position and the schedule's state. The model's tensors are the caller's:
  // it built the model from the same file (model_from_safetensors) before begin(). Every value is
  // typed and range-checked; on an error nothing changes.
  Status restore(const SafeTensorsFile& file);

  Model& model() { return *model_; }
  const Model& model() const { return *model_; }
  Optimizer& optimizer() { return trainer_->optimizer(); }
  const Optimizer& optimizer() const { return trainer_->optimizer(); }
  const RunConfig& config() const { return cfg_; }

 private:
  void gather_batch();                      // batch images (augmented) and labels of step_, dropout reseeded
  bool train_chunk(int n, RunProgress* p);  // n images of the current batch; false when it diverged
  void roll_back(float loss, float lr);

  Model* model_ = nullptr;
  const Dataset* train_ = nullptr;
  RunConfig cfg_;
  std::unique_ptr<Trainer> trainer_;
  LrSchedule schedule_;
  int images_ = 0, steps_per_epoch_ = 1;
  int64_t total_steps_ = 1, step_ = 0;

  int order_epoch_ = -1;
  std::vector<int> order_;             // (images) dataset index per position in the epoch
  std::vector<float> batch_images_;    // (batch, 784)
  std::vector<float> aug_images_;      // (batch, 784), empty without augmentation
  std::vector<uint8_t> batch_labels_;  // (batch)
  int batch_n_ = 0, batch_pos_ = 0;    // images in the current batch, how many are accumulated
  double batch_loss_ = 0;              // weighted mean loss of its chunks so far
  int batch_correct_ = 0;
  double ms_per_image_ = 5.0;  // measured training time per image (chunk sizes)

  // The last good state, put back when a step diverges.
  struct Snapshot {
    int64_t step = -1;
    std::vector<float> params, buffers, m, v;  // parameter / buffer / moment layouts
    int64_t optimizer_steps = 0;
    LrSchedule::State schedule;
  } good_;
  Divergence divergence_;
};

}  // namespace dl
