// finetune.cpp — the "teach it your handwriting" run (finetune.h).
#include "finetune.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "rng.h"

namespace dl {

namespace {

// The mixed training set holds at most this many images (the run cycles over it): 12.8 MB.
constexpr int kMixedMax = 4096;
// Expected share of the time in each phase, for progress(): two evaluations of 10,000 images cost
// about what 1,500 training images do.
constexpr double kEvalWeight = 0.25;

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

void append_image(Dataset* d, const float* image, uint8_t label) {
  d->images.insert(d->images.end(), image, image + kImageSize);
  d->labels.push_back(label);
  ++d->count;
}

}  // namespace

double FinetuneReport::before() const { return reported() ? static_cast<double>(before_correct) / reported() : 0.0; }
double FinetuneReport::after() const { return reported() ? static_cast<double>(after_correct) / reported() : 0.0; }

Status FinetuneRun::begin(Model* model, const Dataset* mine, const Dataset* mnist_train, const Dataset* mnist_test,
                          const FinetuneOptions& o) {
  if (!model || !mine || !mnist_train) return Status::Error("teaching needs a model, your digits and MNIST training images");
  if (mine->count < 1) return Status::Error("add at least one of your digits before teaching");
  if (mnist_train->count < 1) return Status::Error("teaching needs MNIST training images (they mix in so it does not forget)");
  if (o.steps < 1 || o.steps > 10000) return Status::Error("steps must be 1-10,000, not " + std::to_string(o.steps));
  if (o.batch < 2 || o.batch > 256) return Status::Error("batch must be 2-256, not " + std::to_string(o.batch));
  if (!(o.lr > 0.0f && o.lr <= 1.0f)) return Status::Error("the learning rate must be in (0, 1]");
  if (!(o.holdout >= 0.0 && o.holdout <= 0.9)) return Status::Error("holdout must be a fraction 0-0.9");
  if (o.mnist_test < 0 || (o.mnist_test > 0 && !mnist_test))
    return Status::Error("the forgetting check needs the MNIST test images (or mnist_test 0)");
  if (!(o.mnist_before == -1 || (o.mnist_before >= 0 && o.mnist_before <= 1)))
    return Status::Error("mnist_before must be an accuracy 0-1 or -1");

  // The newest `holdout` of the digits are only measured; with fewer than five, none are.
  const int n = mine->count;
  const int held = n >= 5 && o.holdout > 0 ? std::max(1, static_cast<int>(std::floor(o.holdout * n))) : 0;
  const int taught = n - held;
  if (taught < 1) return Status::Error("holdout leaves no digit to teach");

  // The training set: the taught digits repeated and as many MNIST images (a seeded draw), at
  // most kMixedMax in all; the run cycles over it with a fresh shuffle each pass.
  const int64_t total = static_cast<int64_t>(o.steps) * o.batch;
  const int mixed = static_cast<int>(std::min<int64_t>(total, kMixedMax));
  const int mine_n = mixed / 2, mnist_n = mixed - mine_n;
  Dataset taught_set, held_set, mixed_set;
  taught_set.images.assign(mine->images.begin(), mine->images.begin() + static_cast<size_t>(taught) * kImageSize);
  taught_set.labels.assign(mine->labels.begin(), mine->labels.begin() + taught);
  taught_set.count = taught;
  held_set.images.assign(mine->images.begin() + static_cast<size_t>(taught) * kImageSize, mine->images.end());
  held_set.labels.assign(mine->labels.begin() + taught, mine->labels.end());
  held_set.count = held;
  mixed_set.images.reserve(static_cast<size_t>(mixed) * kImageSize);
  mixed_set.labels.reserve(mixed);
  // Every taught digit the same number of times (give or take one); when there are more than
  // the mixed set holds, a seeded choice of them.
  Rng rng(o.seed, 7);
  std::vector<int> order(taught);
  for (int i = 0; i < taught; ++i) order[i] = i;
  if (taught > mine_n) rng.shuffle(order.begin(), order.end());
  for (int i = 0; i < mine_n; ++i) {
    const int j = order[i % taught];
    append_image(&mixed_set, taught_set.image(j), taught_set.labels[j]);
  }
  for (int i = 0; i < mnist_n; ++i) {
    const int j = static_cast<int>(rng.below(static_cast<uint32_t>(mnist_train->count)));
    append_image(&mixed_set, mnist_train->image(j), mnist_train->labels[j]);
  }

  RunConfig cfg;
  cfg.optimizer.kind = OptimizerConfig::Adam;
  cfg.optimizer.lr = o.lr;
  cfg.schedule.kind = ScheduleConfig::Cosine;
  cfg.batch = o.batch;
  cfg.augment = o.augment;
  cfg.seed = o.seed;
  cfg.epochs = static_cast<double>(total) / mixed;
  // The run keeps a pointer to the dataset: it lives in *this from here on.
  Dataset old_mixed = std::move(mixed_);
  mixed_ = std::move(mixed_set);
  TrainRun run;
  if (Status s = run.begin(model, &mixed_, cfg); !s) {
    mixed_ = std::move(old_mixed);
    return s;
  }
  model_ = model;
  mnist_test_ = mnist_test;
  options_ = o;
  taught_ = std::move(taught_set);
  held_ = std::move(held_set);
  run_ = std::move(run);
  report_ = FinetuneReport();
  report_.taught = taught;
  report_.held_out = held;
  report_.mnist_images = o.mnist_test > 0 ? std::min(o.mnist_test, mnist_test->count) : 0;
  held_eval_ = ChunkedEvaluation(held > 0 ? &held_ : &taught_, 0);
  mnist_eval_ = report_.mnist_images > 0 && o.mnist_before < 0 ? ChunkedEvaluation(mnist_test, report_.mnist_images)
                                                                  : ChunkedEvaluation();
  if (report_.mnist_images > 0 && o.mnist_before >= 0) report_.mnist_before = o.mnist_before;
  phase_ = Phase::Before;
  return Status::Ok();
}

bool FinetuneRun::advance(double budget_ms) {
  if (phase_ == Phase::Done || phase_ == Phase::Idle) return phase_ == Phase::Done;
  const double end = now_ms() + budget_ms;
  while (phase_ != Phase::Done && now_ms() < end) {
    if (phase_ == Phase::Before || phase_ == Phase::After) {
      const bool before = phase_ == Phase::Before;
      const double t = now_ms();
      if (!held_eval_.done()) {
        held_eval_.evaluate_some(*model_, 64);
      } else if (mnist_eval_.active() && !mnist_eval_.done()) {
        mnist_eval_.evaluate_some(*model_, 64);
      } else {
        const int correct = held_eval_.result().correct;
        (before ? report_.before_correct : report_.after_correct) = correct;
        if (mnist_eval_.active()) (before ? report_.mnist_before : report_.mnist_after) = mnist_eval_.result().accuracy();
        if (before) {
          phase_ = Phase::Train;
        } else {
          phase_ = Phase::Done;
        }
        held_eval_ = ChunkedEvaluation(report_.held_out > 0 ? &held_ : &taught_, 0);
        mnist_eval_ = report_.mnist_images > 0 ? ChunkedEvaluation(mnist_test_, report_.mnist_images) : ChunkedEvaluation();
      }
      report_.eval_seconds += (now_ms() - t) / 1000.0;
    } else {
      Budget b;
      b.ms = std::max(1.0, end - now_ms());
      const double t = now_ms();
      const RunProgress p = run_.advance(b);
      report_.train_seconds += (now_ms() - t) / 1000.0;
      if (p.diverged) report_.diverged = true;
      if (run_.finished()) phase_ = Phase::After;
    }
  }
  return phase_ == Phase::Done;
}

double FinetuneRun::progress() const {
  const double train = run_.active() ? static_cast<double>(run_.steps_done()) / run_.total_steps() : 0.0;
  auto eval_part = [&]() {
    const double h = held_eval_.count() ? static_cast<double>(held_eval_.position()) / held_eval_.count() : 1.0;
    const double m = mnist_eval_.active() && mnist_eval_.count() ? static_cast<double>(mnist_eval_.position()) / mnist_eval_.count() : 1.0;
    return 0.1 * h + 0.9 * m;
  };
  const double w = kEvalWeight, tw = 1.0 - 2 * kEvalWeight;
  switch (phase_) {
    case Phase::Idle: return 0.0;
    case Phase::Before: return w * eval_part();
    case Phase::Train: return w + tw * train;
    case Phase::After: return w + tw + w * eval_part();
    case Phase::Done: return 1.0;
  }
  return 0.0;
}

const char* FinetuneRun::phase_name() const {
  switch (phase_) {
    case Phase::Idle: return "idle";
    case Phase::Before: return "measuring before";
    case Phase::Train: return "training";
    case Phase::After: return "measuring after";
    case Phase::Done: return "done";
  }
  return "";
}

}  // namespace dl
