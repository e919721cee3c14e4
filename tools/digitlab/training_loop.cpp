// training_loop.cpp — see training_loop.h.
#include "training_loop.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstring>

#include "common.h"
#include "engine/rng.h"

namespace digitlab {

namespace {

// Set by the SIGINT handler, read by the loop after each step.
volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_sigint(int) {
  g_interrupted = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the program at once
}

// A PCG stream per (epoch, step, purpose), so that any step's random draws can be recreated.
uint64_t stream_of(int epoch, int step, int purpose) {
  return ((static_cast<uint64_t>(epoch) << 32) | static_cast<uint32_t>(step)) * 4u + static_cast<uint64_t>(purpose);
}
enum Purpose { kShuffle = 1, kAugment = 2, kDropout = 3 };

}  // namespace

void install_sigint() { std::signal(SIGINT, on_sigint); }
void restore_sigint() { std::signal(SIGINT, SIG_DFL); }
bool interrupted() { return g_interrupted != 0; }

const char* divergence_cause(float loss) {
  return std::isnan(loss) ? "loss is NaN" : std::isinf(loss) ? "loss is infinite" : "a gradient is not finite";
}

EpochLoop::EpochLoop(dl::Trainer* trainer, const dl::Dataset* train, const dl::LrSchedule* schedule,
                     const LoopSettings& s)
    : trainer_(trainer),
      train_(train),
      schedule_(schedule),
      settings_(s),
      n_(train->count),
      steps_per_epoch_((train->count + s.batch - 1) / s.batch),
      order_(train->count),
      batch_images_(static_cast<size_t>(s.batch) * dl::kImageSize),
      aug_images_(s.augment ? batch_images_.size() : 0),
      batch_labels_(s.batch) {}

EpochResult EpochLoop::run(int epoch, int first_step, Progress* progress) {
  const int batch = settings_.batch;
  const uint64_t seed = settings_.seed;
  for (int i = 0; i < n_; ++i) order_[i] = i;
  dl::Rng shuffle_rng(seed, stream_of(epoch, 0, kShuffle));
  shuffle_rng.shuffle(order_.begin(), order_.end());

  progress->begin_epoch(epoch + 1, settings_.epochs, steps_per_epoch_);
  EpochResult r;
  r.next_step = first_step;
  for (int step = first_step; step < steps_per_epoch_; ++step) {
    const double t0 = now_seconds();
    const int b0 = step * batch;
    const int B = std::min(batch, n_ - b0);
    for (int j = 0; j < B; ++j) {
      const int idx = order_[b0 + j];
      std::memcpy(batch_images_.data() + static_cast<size_t>(j) * dl::kImageSize, train_->image(idx),
                  sizeof(float) * dl::kImageSize);
      batch_labels_[j] = train_->labels[idx];
    }
    const float* input = batch_images_.data();
    if (settings_.augment) {
      dl::Rng aug_rng(seed, stream_of(epoch, step, kAugment));
      dl::augment_batch(batch_images_.data(), aug_images_.data(), B, aug_cfg_, aug_rng);
      input = aug_images_.data();
    }
    trainer_->rng().reseed(seed, stream_of(epoch, step, kDropout));
    const float step_lr = schedule_->lr(epoch + static_cast<float>(step) / steps_per_epoch_);
    const dl::StepResult s = trainer_->step(input, batch_labels_.data(), B, step_lr);
    if (!s.finite) {
      progress->clear();
      r.end = EpochResult::Diverged;
      r.diverged_step = step;
      r.diverged_loss = s.loss;
      r.diverged_lr = step_lr;
      return r;
    }
    r.seconds += now_seconds() - t0;
    r.seen += B;
    r.correct += s.correct;
    r.loss_sum += static_cast<double>(s.loss) * B;
    r.next_step = step + 1;
    progress->update(step + 1, r.seen, r.seconds, r.loss_sum / r.seen, static_cast<double>(r.correct) / r.seen);
    if (g_interrupted) {
      progress->clear();
      r.end = EpochResult::Interrupted;
      return r;
    }
  }
  progress->clear();
  return r;
}

}  // namespace digitlab
