// training_session.h — a training run in the app: the data, the model being trained, the
// dl::TrainRun that trains it (engine/train_run.h: data order, batches, seeded streams, the
// learning-rate schedule, snapshots, rollback), the curves, the validation and test evaluations in
// chunks, and the time-budgeted stepping that lets the browser train inside its frame loop. No
// ImGui, GL or Emscripten here: the training panel (training_panel.h) draws it, the automation API
// (platform_web.cpp) drives it, and the unit tests run it as it is.
//
// Time budget: Advance(ms) runs work until `ms` have passed, then returns so the frame can draw.
// TrainRun::advance splits a batch into chunks sized from the measured time per image, so a frame
// never waits for a whole batch of a big network; validation and test evaluation run in chunks
// (dl::ChunkedEvaluation) between batches in the same budget. StepOnce trains one whole batch, as
// the CLI's steps do: the same options and seed give the CLI's weights.
//
// Saved runs: SaveBytes writes the model, the optimizer and the run's state (TrainRun::save_bytes)
// with the options, position and curves as JSON ("digitlab_run", run_format 2). Runs saved before
// the page and the CLI shared one schedule (no run_format) are refused with a sentence.
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
#include "train_run.h"

namespace app {

struct TrainOptions {
  std::string spec = "R1";  // preset name or architecture spec
  dl::OptimizerConfig::Kind optimizer = dl::OptimizerConfig::Adam;
  float lr = 3e-3f;
  bool cosine = true;  // cosine decay to 0 after a linear warm-up over 3% of the run; else constant
  int batch = 32;
  float epochs = 1.0f;  // may be fractional: 1.5 = one and a half passes over the subset
  bool augment = false;
  int subset = 0;  // training images used (0 or more than there are = all)
  uint64_t seed = 1;
  // Start builds the run paused: Step and Resume train it (train.start({paused: true}), so that a
  // script steps a run without the training thread taking a slice first). Not part of a saved run.
  bool start_paused = false;
};

// One point of the training curves: means over the steps since the previous point.
struct CurvePoint {
  float epoch = 0;  // fractional epoch at the end of the interval
  int step = 0;
  float loss = 0;      // mean training loss
  float accuracy = 0;  // training accuracy (train mode, before each update)
};
struct ValPoint {
  float epoch = 0;
  int step = 0;
  float accuracy = 0;  // on the validation images
};

// The engine's run configuration for these options: the page's "cosine" is the engine's cosine
// schedule (optimizer.h) with a warm-up of 3% of the run's epochs (kWarmupShare).
constexpr float kWarmupShare = 0.03f;
dl::RunConfig RunConfigOf(const TrainOptions& o);

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
  bool Evaluating() const { return test_eval_.active(); }

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
  bool between_batches() const { return !ready_ || run_.between_batches(); }  // no batch half-trained
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
  // Threads the model trains and evaluates with (1 to MaxThreads()); takes effect at once (a batch
  // in progress is completed first). The caller's thread starts them.
  void SetThreads(int threads);
  int threads() const { return threads_; }
  // The most this build can use: 1 in a WebAssembly build without pthreads (the page is not
  // cross-origin isolated), else the cores reported, at most 4.
  static int MaxThreads();
  // Why there is only one thread, for the person training, or nullptr when threads are available.
  static const char* ThreadsNote();
  double eta() const;  // seconds left at the current speed, -1 unknown
  float lr_now() const { return lr_now_; }
  float last_loss() const { return curve_.empty() ? 0.0f : curve_.back().loss; }
  float last_train_accuracy() const { return curve_.empty() ? 0.0f : curve_.back().accuracy; }
  float last_val_accuracy() const { return val_.empty() ? -1.0f : val_.back().accuracy; }
  const std::vector<CurvePoint>& curve() const { return curve_; }
  const std::vector<ValPoint>& validation() const { return val_; }
  bool HasEvaluation() const { return has_eval_; }
  const dl::Evaluation& evaluation() const { return eval_; }
  int evaluation_step() const { return eval_step_; }        // the training step it was made at
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
  dl::Status BuildRun();                // begins run_ from options_ (and a restored run's state), with data
  bool EnsureRun();                     // BuildRun unless done; on an error the message says why
  void ApplyThreads();                  // gives the model threads_ threads (between batches only)
  void TrainChunk(double deadline_ms);  // trains until a batch is done or the deadline passed
  void EndStep(const dl::RunProgress& p);
  void Diverge();
  void SyncPosition();  // step_ and the sizes from run_
  // Evaluates as many of e's images as fit before the deadline (at least one); true when it is done.
  bool EvaluateSome(dl::ChunkedEvaluation* e, double deadline_ms);
  void ValidateChunk(double deadline_ms);
  void EvalChunk(double deadline_ms);
  int Chunk(double ms_left, double ms_per_image, int max) const;

  TrainOptions options_;
  Status status_ = Status::Empty;
  std::string message_;
  bool diverged_ = false;

  dl::Dataset pool_, val_set_, test_;  // pool: training images without the validation ones
  int train_count_ = 0;

  std::unique_ptr<dl::Model> model_;
  uint64_t budget_ = dl::kDefaultBudgetBytes;
  int threads_ = MaxThreads();
  dl::TrainRun run_;                                      // begun by BuildRun (needs the data)
  std::vector<uint8_t> restored_;                         // a restored run's bytes until run_ takes its state over
  int steps_per_epoch_ = 0, total_steps_ = 0, step_ = 0;  // run_'s, or the restored run's
  float lr_now_ = 0;

  // Statistics.
  double images_seen_ = 0, elapsed_ = 0, ips_ = 0;
  double ms_per_eval_image_ = 1.0;  // measured as we go
  double interval_loss_ = 0;
  long interval_correct_ = 0, interval_images_ = 0;
  int curve_every_ = 1, validate_every_ = 1;
  std::vector<CurvePoint> curve_;
  std::vector<ValPoint> val_;

  dl::ChunkedEvaluation val_eval_;   // validation at the current step, when active
  dl::ChunkedEvaluation test_eval_;  // the requested test evaluation, when active
  dl::Evaluation eval_;
  bool has_eval_ = false;
  int eval_step_ = 0;

  int weights_version_ = 0;
  bool ready_ = false;        // run_ begun for this run (false after RestoreBytes)
  double last_advance_ = -1;  // now_ms() of the last Advance while running
  double ips_window_t_ = -1, ips_window_images_ = 0;
};

}  // namespace app
