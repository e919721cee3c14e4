// analysis_jobs.cpp — see analysis_jobs.h.
#include "analysis_jobs.h"

#include <algorithm>
#include <numeric>

#include "parallel.h"
#include "rng.h"
#include "ui_common.h"

namespace app {

void Job::Run(double budget_ms) {
  const double t0 = now_ms();
  if (first_ms_ < 0) first_ms_ = t0;
  const bool done = Work(budget_ms);
  if (!done) return;
  seconds_ = (now_ms() - first_ms_) / 1000.0;
  progress_.store(1.0f, std::memory_order_relaxed);
  finished_.store(true, std::memory_order_release);
}

namespace {
// Images per forward pass of the probes and the map: an engine run's unit of work is one pass, so
// without threads (4 ms of a frame) a pass must be short; on a thread a larger one is faster.
int forward_batch() { return JobRunner::Threaded() ? 50 : 6; }
}  // namespace

// --- the runner ----------------------------------------------------------------------------------

bool JobRunner::Threaded() { return dl::kThreadsAvailable; }

JobRunner::~JobRunner() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
    for (auto& j : jobs_) j->Cancel();
  }
  cv_.notify_all();
  thread_.join();  // the app is ending: the thread stops after its slice
}

void JobRunner::Submit(std::shared_ptr<Job> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  if (Threaded() && !thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  cv_.notify_one();
}

std::shared_ptr<Job> JobRunner::Next() {
  jobs_.erase(std::remove_if(jobs_.begin(), jobs_.end(),
                             [](const std::shared_ptr<Job>& j) { return j->cancelled() || j->finished(); }),
              jobs_.end());
  if (jobs_.empty()) return nullptr;
  return jobs_[next_++ % jobs_.size()];
}

bool JobRunner::Pump(double budget_ms) {
  if (Threaded()) return false;
  std::shared_ptr<Job> job = Next();
  if (!job) return false;
  job->Run(budget_ms);
  return !job->finished() || jobs_.size() > 1;
}

void JobRunner::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!quit_) {
    std::shared_ptr<Job> job = Next();
    if (!job) {
      cv_.wait(lock);
      continue;
    }
    lock.unlock();
    job->Run(kSliceMs);
    job.reset();  // a job cancelled meanwhile may end here, on this thread
    lock.lock();
  }
}

// --- probes --------------------------------------------------------------------------------------

std::shared_ptr<const dl::Dataset> make_probe_pool(const dl::Dataset& train) {
  // dl::ProbeRun draws its N images as the first N of dl::probe_draw: the pool is its first
  // kProbePool, in that order.
  const std::vector<int> order = dl::probe_draw(train.count, kProbeSeed);
  auto pool = std::make_shared<dl::Dataset>();
  pool->count = std::min(kProbePool, train.count);
  pool->images.resize(static_cast<size_t>(pool->count) * dl::kImageSize);
  pool->labels.resize(pool->count);
  for (int i = 0; i < pool->count; ++i) {
    std::copy(train.image(order[i]), train.image(order[i]) + dl::kImageSize,
              pool->images.begin() + static_cast<size_t>(i) * dl::kImageSize);
    pool->labels[i] = train.labels[order[i]];
  }
  return pool;
}

ProbeJob::ProbeJob(dl::Model model, std::shared_ptr<const dl::Dataset> pool, std::shared_ptr<const dl::Dataset> test,
                   int images)
    : model_(std::move(model)), pool_(std::move(pool)), test_(std::move(test)) {
  options_.train_images = images;
  options_.seed = kProbeSeed;
  options_.forward_batch = forward_batch();
}

bool ProbeJob::Work(double budget_ms) {
  if (!run_) {
    // The pool holds probe_draw's first images in its order, so its first N taken as given
    // (ProbeOptions::draw false) are the CLI's N in the CLI's order: the page's probes are the CLI's.
    const int n = std::min(options_.train_images, pool_->count);
    train_ = dl::subset(*pool_, n);
    options_.draw = false;
    const dl::Status st = dl::ProbeRun::Begin(&model_, &train_, test_.get(), options_, &run_);
    if (!st.ok()) {
      error_ = st.message();
      return true;
    }
    return false;  // the copy was this slice's work
  }
  const bool done = run_->Advance(budget_ms);
  progress_.store(run_->progress(), std::memory_order_relaxed);
  if (!done) return false;
  results_ = run_->results();
  run_.reset();  // the features and probes: the results are all that is kept
  std::vector<float>().swap(train_.images);
  return true;
}

// --- the map -------------------------------------------------------------------------------------

MapJob::MapJob(dl::Model model, std::shared_ptr<const dl::Dataset> test, int step, dl::EmbeddingMethod method)
    : model_(std::move(model)), test_(std::move(test)), step_(step) {
  options_.method = method;
  options_.images = std::min(options_.images, test_->count);
  options_.forward_batch = forward_batch();
}

bool MapJob::Work(double budget_ms) {
  if (!run_) {
    const dl::Status st = dl::EmbeddingRun::Begin(&model_, test_.get(), step_, options_, &run_);
    if (!st.ok()) {
      error_ = st.message();
      return true;
    }
  }
  const bool done = run_->Advance(budget_ms);
  progress_.store(run_->progress(), std::memory_order_relaxed);
  return done;
}

// --- accuracy with knock-outs --------------------------------------------------------------------

AccuracyJob::AccuracyJob(dl::Model model, std::shared_ptr<const dl::Dataset> test)
    : model_(std::move(model)), test_(std::move(test)) {}

bool AccuracyJob::Work(double budget_ms) {
  if (!begun_) {
    const dl::Status st = model_.plan(kBatch);
    if (!st.ok()) {
      error_ = st.message();
      return true;
    }
    eval_ = dl::ChunkedEvaluation(test_.get(), 0);
    begun_ = true;
  }
  // Chunks sized from the measured time per image, so that a slice ends near its budget (the frame
  // loop gives 4 ms where there are no threads; a batch of 64 takes ten times that).
  const double t0 = now_ms();
  do {
    const double left = budget_ms - (now_ms() - t0);
    const int n = std::clamp(static_cast<int>(left / ms_per_image_), 1, kBatch);
    const double c0 = now_ms();
    const int did = eval_.evaluate_some(model_, n, kBatch);
    ms_per_image_ = 0.7 * ms_per_image_ + 0.3 * (now_ms() - c0) / std::max(1, did);
  } while (!eval_.done() && now_ms() - t0 < budget_ms);
  progress_.store(static_cast<float>(eval_.position()) / std::max(1, eval_.count()), std::memory_order_relaxed);
  if (!eval_.done()) return false;
  const dl::Evaluation e = eval_.result();
  accuracy_ = e.accuracy();
  for (int c = 0; c < dl::kClasses; ++c) per_class_[c] = e.class_accuracy(c);
  return true;
}

}  // namespace app
