// analysis_jobs.h — the Layers view's background work: linear probes, the map of a layer and the
// test accuracy with units knocked out. Each job owns a copy of the network (dl::clone_model), so the
// model on the Draw view keeps answering while the job computes, and works in slices of a time
// budget through an engine run (dl::ProbeRun, dl::EmbeddingRun, dl::ChunkedEvaluation).
//
// Where the build has threads (the desktop app, and the page when it is cross-origin isolated), one
// thread of its own runs the jobs, a slice at a time in turn, and the frame loop only draws: the
// thread is created from the main thread at the first job and lives until the app ends. A job that is
// no longer wanted (a new model, another step) is asked to stop: the thread drops it after its slice,
// and nobody waits for it. Without threads (a page that is not cross-origin isolated) the main loop
// gives the jobs kFrameSliceMs per iteration (Pump), drawn or not, and the page gives them slices of
// the same length between frames.
//
// Not here: ImGui, GL or the page. The panels (probes_panel.h, map_panel.h, knockouts.h) start jobs
// and read their results once finished() says so; until then only progress() is read.
#pragma once
#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dataset.h"
#include "embedding.h"
#include "metrics.h"
#include "model.h"
#include "probe.h"

namespace app {

class Job {
 public:
  virtual ~Job() = default;
  Job() = default;
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  // Read from any thread.
  float progress() const { return progress_.load(std::memory_order_relaxed); }
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  void Cancel() { cancel_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancel_.load(std::memory_order_relaxed); }
  // Valid once finished(): the sentence when the job failed ("" when it succeeded), and the time from
  // its first slice to its last (on the thread that worked it).
  const std::string& error() const { return error_; }
  double seconds() const { return seconds_; }

  // Works for about budget_ms (the runner calls it; one thread at a time). Sets finished().
  void Run(double budget_ms);

 protected:
  // The job's own work: true when it is finished (done, or failed with error_ set).
  virtual bool Work(double budget_ms) = 0;
  std::atomic<float> progress_{0.0f};
  std::string error_;

 private:
  std::atomic<bool> finished_{false}, cancel_{false};
  double first_ms_ = -1, seconds_ = 0;
};

class JobRunner {
 public:
  static constexpr double kSliceMs = 8.0;       // on the thread: a slice between looks at Cancel
  static constexpr double kFrameSliceMs = 4.0;  // without threads: work per main-loop iteration

  JobRunner() = default;
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // From the main thread only (it may create the thread).
  void Submit(std::shared_ptr<Job> job);
  // Without threads: works about budget_ms on the next job, in turn; true while jobs are left. With
  // threads: nothing (false).
  bool Pump(double budget_ms = kFrameSliceMs);
  static bool Threaded();
  // Without threads the page also works the jobs between frames, in the time it would wait for the
  // next one (platform_web.cpp, as for training): set while that is under way.
  bool between_frames = false;

 private:
  void Loop();
  std::shared_ptr<Job> Next();  // with mu_ held: the next job to work on, dropping cancelled ones

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Job>> jobs_;  // guarded by mu_
  size_t next_ = 0;
  bool quit_ = false;
};

// --- the jobs ------------------------------------------------------------------------------------

// The training images of a probe: the first kProbePool of the seeded shuffle that dl::ProbeRun makes
// of the 60,000 (seed 1), kept when the MNIST files arrive (31 MB instead of the 188 MB of all of them).
constexpr int kProbePool = 10000;
constexpr uint64_t kProbeSeed = 1;  // ProbeOptions::seed, the CLI's default
// The pool from the whole training set (in the order ProbeRun draws its images from it).
std::shared_ptr<const dl::Dataset> make_probe_pool(const dl::Dataset& train);

class ProbeJob : public Job {
 public:
  // images: N, 10..pool->count. The model is a copy with no units knocked out.
  ProbeJob(dl::Model model, std::shared_ptr<const dl::Dataset> pool, std::shared_ptr<const dl::Dataset> test,
           int images);
  const std::vector<dl::ProbeResult>& results() const { return results_; }  // once finished()
  int images() const { return options_.train_images; }

 protected:
  bool Work(double budget_ms) override;

 private:
  dl::Model model_;
  std::shared_ptr<const dl::Dataset> pool_, test_;
  dl::Dataset train_;  // the N images, arranged so that ProbeRun draws the CLI's N in the CLI's order
  dl::ProbeOptions options_;
  std::unique_ptr<dl::ProbeRun> run_;
  std::vector<dl::ProbeResult> results_;
};

class MapJob : public Job {
 public:
  MapJob(dl::Model model, std::shared_ptr<const dl::Dataset> test, int step, dl::EmbeddingMethod method);
  int step() const { return step_; }
  dl::EmbeddingMethod method() const { return options_.method; }
  // Once finished() without an error: the map (the job keeps the model and images it read).
  const dl::EmbeddingRun& run() const { return *run_; }

 protected:
  bool Work(double budget_ms) override;

 private:
  dl::Model model_;
  std::shared_ptr<const dl::Dataset> test_;
  int step_ = 0;
  dl::EmbeddingOptions options_;
  std::unique_ptr<dl::EmbeddingRun> run_;
};

// Test accuracy of a copy of the model (with whatever units it has knocked out) over the test set.
class AccuracyJob : public Job {
 public:
  static constexpr int kBatch = 64;
  AccuracyJob(dl::Model model, std::shared_ptr<const dl::Dataset> test);
  float accuracy() const { return accuracy_; }  // once finished()
  const std::array<float, dl::kClasses>& per_class() const { return per_class_; }

 protected:
  bool Work(double budget_ms) override;

 private:
  dl::Model model_;
  std::shared_ptr<const dl::Dataset> test_;
  dl::ChunkedEvaluation eval_;
  bool begun_ = false;
  double ms_per_image_ = 0.5;  // measured as it goes
  float accuracy_ = 0;
  std::array<float, dl::kClasses> per_class_{};
};

}  // namespace app
