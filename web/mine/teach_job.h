// teach_job.h — "Teach it" off the frame loop: a dl::FinetuneRun (engine/finetune.h) on a copy of the
// Draw view's model, run by the Layers view's JobRunner (analysis_jobs.h): on its thread where the
// build has threads, in slices of the main loop and between frames where it has none. The job owns
// everything it reads (the model copy, the person's digits as they were when Teach it was pressed)
// except the MNIST images, which it shares with the Layers view (they never change once loaded).
//
// Not here: ImGui, the page, the State. my_digits_app.cpp starts the job and, once finished() says
// so, takes the taught model out of it on the main thread.
#pragma once
#include <atomic>
#include <memory>

#include "analysis_jobs.h"
#include "dataset.h"
#include "finetune.h"
#include "model.h"

namespace app {

class TeachJob : public Job {
 public:
  // model: a copy of the pad's model (trained in place); mine: the person's digits; pool: MNIST
  // training images mixed into every batch; test: the MNIST test set of the forgetting check.
  TeachJob(dl::Model model, dl::Dataset mine, std::shared_ptr<const dl::Dataset> pool,
           std::shared_ptr<const dl::Dataset> test, const dl::FinetuneOptions& options);

  // Read from any thread: the engine's phase name ("measuring before", "training", ...).
  const char* phase() const { return phase_.load(std::memory_order_relaxed); }
  // Once finished() without an error: the figures and the taught model (moved out by the caller).
  const dl::FinetuneReport& report() const { return report_; }
  dl::Model& model() { return model_; }

 protected:
  bool Work(double budget_ms) override;

 private:
  dl::Model model_;
  dl::Dataset mine_;
  std::shared_ptr<const dl::Dataset> pool_, test_;
  dl::FinetuneOptions options_;
  dl::FinetuneRun run_;
  bool begun_ = false;
  std::atomic<const char*> phase_{"starting"};
  dl::FinetuneReport report_;
};

}  // namespace app
