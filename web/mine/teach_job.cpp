// teach_job.cpp — see teach_job.h.
#include "teach_job.h"

#include <utility>

namespace app {

TeachJob::TeachJob(dl::Model model, dl::Dataset mine, std::shared_ptr<const dl::Dataset> pool,
                   std::shared_ptr<const dl::Dataset> test, const dl::FinetuneOptions& options)
    : model_(std::move(model)), mine_(std::move(mine)), pool_(std::move(pool)), test_(std::move(test)),
      options_(options) {}

bool TeachJob::Work(double budget_ms) {
  if (!begun_) {
    const dl::Status st = run_.begin(&model_, &mine_, pool_.get(), test_.get(), options_);
    if (!st.ok()) {
      error_ = st.message();
      return true;
    }
    begun_ = true;
    phase_.store(run_.phase_name(), std::memory_order_relaxed);
    return false;  // planning the model for training was this slice's work
  }
  const bool done = run_.advance(budget_ms);
  progress_.store(static_cast<float>(run_.progress()), std::memory_order_relaxed);
  phase_.store(run_.phase_name(), std::memory_order_relaxed);
  if (!done) return false;
  report_ = run_.report();
  if (report_.diverged)
    error_ = "Teaching went wrong (the training diverged), so the model on the Draw view was kept as it was.";
  return true;
}

}  // namespace app
