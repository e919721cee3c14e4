// training_session.h — a training run in the app: the data, the model being trained, its Trainer
// and schedule, the curves, the validation and test evaluations, and the time-budgeted stepping that
// lets the browser train inside its frame loop. No ImGui, GL or Emscripten here: the training panel
// (training_panel.h) draws it, the automation API (platform_web.cpp) drives it, and it could run in
// a test or a worker as it is.
//
// Time budget: advance(ms) runs work until `ms` have passed, then returns so the frame can draw.
// A batch is split into chunks sized from the measured time per image (Trainer::accumulate), so a
// frame never waits for a whole batch of a big network; the optimizer steps when the batch is
// complete. Validation and test evaluation run in chunks between batches in the same budget.
//
// Reproducibility: the epoch's order is shuffled from (seed, epoch), augmentation and dropout from
// (seed, epoch, step), as in the CLI's epoch loop, so a run paused, saved and resumed sees the same
// batches as one that never stopped.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataset.h"
#include "metrics.h"
#include "model.h"
#include "optimizer.h"
#include "parallel.h"
#include "resources.h"
#include "status.h"
#include "train.h"

namespace app {

struct TrainOptions {
  std::string spec = "R1";  // preset name or architecture spec
  dl::OptimizerConfig::Kind optimizer = dl::OptimizerConfig::Adam;
  float lr = 3e-3f;
  bool cosine = true;       // cosine decay to 0 over the run after a short linear warm-up; else constant
  int batch = 32;
  float epochs = 1.0f;      // may be fractional: 1.5 = one and a half passes over the subset
  bool augment = false;
  int subset = 0;           // training images used (0 or more than there are = all)
  uint64_t seed = 1;
};

// One point of the training curves: means over the steps since the previous point.
struct CurvePoint {
  float epoch = 0;      // fractional epoch at the end of the interval
  int step = 0;
  float loss = 0;       // mean training loss
  float accuracy = 0;   // training accuracy (train mode, before each update)
};
struct ValPoint {
  float epoch = 0;
  int step = 0;
  float accuracy = 0;   // on the validation images
};

class TrainingSession {
 public:
  enum class Status { Empty, Running, Paused, Finished };
  TrainingSession() = default;

  // --- data ---
  // The 60,000 training and 10,000 test images. The last kValidation training images are held out
  // for the validation curve; the subset is taken from the rest.
  static constexpr int kValidation = 1000;
  void SetData(dl::Dataset train, dl::Dataset test);
  bool HasData() const { return test_.count > 0; }
  int PoolSize() const { return pool_.count; }
  const dl::Dataset& Test() const { return test_; }

  // --- the run ---
  // Builds a fresh model from options.spec and starts training (needs data). On a bad spec or
  // option, or a network whose training at options.batch would exceed the page's memory budget
  // (check_train_options, train_options.h), nothing changes and the status says why.
  dl::Status Start(const TrainOptions& options);
  void Pause();
  void Resume();
  // Trains exactly one batch now (paused or not; starts nothing). Needs data.
  void StepOnce();
  void Reset();  // forgets the run (the model, the curves, the evaluation)
  // Runs training / evaluation work for about budget_ms milliseconds. Returns true if it did any.
  bool Advance(double budget_ms);

  // Evaluates the current model on the first `count` test images (0 = all), in chunks in Advance.
  void RequestEvaluation(int count = 0);
  bool Evaluating() const { return eval_pending_; }

  // --- state for the panels and the API ---
  Status status() const { return status_; }
  bool HasModel() const { return model_ != nullptr; }
  const dl::Model& model() const { return *model_; }
  const TrainOptions& options() const { return options_; }
  const std::string& message() const { return message_; }  // the last event a person should read
  // Shows a sentence about the session that is not an event of a run (e.g. a saved run that could
  // not be restored), unless a run is under way.
  void Notice(const std::string& sentence);
  bool diverged() const { return diverged_; }
  int step() const { return step_; }
  int total_steps() const { return total_steps_; }
  int steps_per_epoch() const { return steps_per_epoch_; }
  float epoch() const { return steps_per_epoch_ ? static_cast<float>(step_) / steps_per_epoch_ : 0.0f; }
  int train_images() const { return train_count_; }
  double images_seen() const { return images_seen_; }
  double elapsed() const { return elapsed_; }  // seconds of training (running, not paused)
  double images_per_second() const { return ips_; }
  // The memory a run may take (engine/resources.h): the platform's default (256 MiB in the page,
  // 2 GiB on the desktop); the fuzz targets set the page's. Checked by Start and RestoreBytes.
  void SetBudget(uint64_t bytes) { budget_ = bytes; }
  uint64_t budget() const { return budget_; }
  // Threads the model trains and evaluates with (1 to MaxThreads()); takes effect at once.
  void SetThreads(int threads);
  int threads() const { return threads_; }
  // The most this build can use: 1 in a WebAssembly build without pthreads (the page is not
  // cross-origin isolated), else the cores reported, at most 4.
  static int MaxThreads();
  // Why there is only one thread, for the person training, or nullptr when threads are available.
  static const char* ThreadsNote();
  double eta() const;                          // seconds left at the current speed, -1 unknown
  float lr_now() const { return lr_now_; }
  float last_loss() const { return curve_.empty() ? 0.0f : curve_.back().loss; }
  float last_train_accuracy() const { return curve_.empty() ? 0.0f : curve_.back().accuracy; }
  float last_val_accuracy() const { return val_.empty() ? -1.0f : val_.back().accuracy; }
  const std::vector<CurvePoint>& curve() const { return curve_; }
  const std::vector<ValPoint>& validation() const { return val_; }
  bool HasEvaluation() const { return has_eval_; }
  const dl::Evaluation& evaluation() const { return eval_; }
  int evaluation_step() const { return eval_step_; }     // the training step it was made at
  int weights_version() const { return weights_version_; }  // bumps whenever the weights change

  // --- files ---
  // The model with its optimizer state, options, position and curves (safetensors, the CLI's format).
  std::vector<uint8_t> SaveBytes() const;
  // Restores a run saved by SaveBytes (paused). Every value of the run's JSON is typed and
  // range-checked, the options are checked like Start's (the network's memory for training
  // included), and the file's model must be the run's network. On error nothing changes.
  dl::Status RestoreBytes(const uint8_t* bytes, size_t size);

 private:
  TrainingSession(dl::Dataset pool, dl::Dataset val, dl::Dataset test);  // Reset keeps the data
  void BuildRun();                 // from options_, with the data present
  void BeginEpochOrder(int epoch); // shuffles order_ for the epoch
  void GatherBatch();              // batch images (augmented) and labels for step_
  void ApplyThreads();             // gives the model threads_ threads (between batches only)
  bool TrainChunk(double deadline_ms);  // one chunk; false when the run stopped (finished/diverged)
  void EndStep(float lr);
  void Diverge(int step, float loss, float lr);
  void Snapshot();
  void ValidateChunk(double deadline_ms);
  void EvalChunk(double deadline_ms);
  int Chunk(double ms_left, double ms_per_image, int max) const;
  float LrAt(int step) const;

  TrainOptions options_;
  Status status_ = Status::Empty;
  std::string message_;
  bool diverged_ = false;

  dl::Dataset pool_, val_set_, test_;  // pool: training images without the validation ones
  dl::Dataset train_view_;             // the subset being trained on (a copy of the first n of pool_)
  int train_count_ = 0;

  std::unique_ptr<dl::Model> model_;
  uint64_t budget_ = dl::kDefaultBudgetBytes;
  int threads_ = MaxThreads();
  std::unique_ptr<dl::Trainer> trainer_;
  dl::LrSchedule schedule_;
  int steps_per_epoch_ = 0, total_steps_ = 0, step_ = 0;
  int order_epoch_ = -1;
  std::vector<int> order_;             // (train_count) index per position in the epoch
  std::vector<float> batch_images_;    // (batch, 784)
  std::vector<float> aug_images_;      // (batch, 784)
  std::vector<uint8_t> batch_labels_;  // (batch)
  int batch_n_ = 0, batch_pos_ = 0;    // images in the current batch, how many are done
  float batch_loss_ = 0;               // weighted mean loss of the chunks so far
  int batch_correct_ = 0;
  float lr_now_ = 0;

  // Statistics.
  double images_seen_ = 0, elapsed_ = 0, ips_ = 0;
  double ms_per_train_image_ = 5.0, ms_per_eval_image_ = 1.0;  // measured as we go
  double interval_loss_ = 0;
  long interval_correct_ = 0, interval_images_ = 0;
  int curve_every_ = 1, validate_every_ = 1, snapshot_every_ = 50;
  std::vector<CurvePoint> curve_;
  std::vector<ValPoint> val_;

  // Validation in chunks.
  bool val_pending_ = false;
  int val_pos_ = 0, val_correct_ = 0;

  // Test evaluation in chunks.
  bool eval_pending_ = false;
  int eval_count_ = 0, eval_pos_ = 0;
  std::vector<float> eval_logits_;  // (eval_count, 10)
  dl::Evaluation eval_;
  bool has_eval_ = false;
  int eval_step_ = 0;

  // The last good state, restored when a step diverges.
  struct Good {
    int step = -1;
    std::vector<float> params, buffers, m, v;
    int64_t opt_steps = 0;
    size_t curve = 0, val = 0;
    double images = 0;
  } good_;

  int weights_version_ = 0;
  bool ready_ = false;           // BuildRun done for this run (false after RestoreBytes)
  double last_advance_ = -1;     // now_ms() of the last Advance while running
  double ips_window_t_ = -1, ips_window_images_ = 0;
};

}  // namespace app
