// training_loop.cpp — see training_loop.h.
#include "training_loop.h"

#include <algorithm>
#include <csignal>

#include "common.h"

namespace digitlab {

namespace {

// Set by the SIGINT handler, read by the loop after each step.
volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_sigint(int) {
  g_interrupted = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the program at once
}

}  // namespace

void install_sigint() { std::signal(SIGINT, on_sigint); }
void restore_sigint() { std::signal(SIGINT, SIG_DFL); }
bool interrupted() { return g_interrupted != 0; }

dl::RunConfig run_config(const dl::OptimizerConfig& optimizer, const dl::ScheduleConfig& schedule, int batch,
                         float epochs, bool augment, uint64_t seed) {
  dl::RunConfig c;
  c.optimizer = optimizer;
  c.schedule = schedule;
  c.batch = batch;
  c.epochs = epochs;
  c.augment = augment;
  c.seed = seed;
  return c;
}

EpochResult run_epoch(dl::TrainRun* run, int epochs, Progress* progress) {
  const int epoch = run->epoch();
  const int steps_per_epoch = run->steps_per_epoch();
  const int64_t end = std::min(run->total_steps(), static_cast<int64_t>(epoch + 1) * steps_per_epoch);
  progress->begin_epoch(epoch + 1, epochs, steps_per_epoch);
  EpochResult r;
  r.next_step = run->step_in_epoch();
  while (run->steps_done() < end) {
    const double t0 = now_seconds();
    const dl::RunProgress p = run->step();
    if (p.diverged) {
      progress->clear();
      r.end = EpochResult::Diverged;
      r.divergence = run->divergence();
      r.diverged_step = static_cast<int>(r.divergence.step % steps_per_epoch);
      return r;
    }
    r.seconds += now_seconds() - t0;
    r.seen += static_cast<long>(p.images);
    r.correct += static_cast<long>(p.correct);
    r.loss_sum += p.loss_sum;
    r.next_step = static_cast<int>(run->steps_done() - static_cast<int64_t>(epoch) * steps_per_epoch);
    progress->update(r.next_step, r.seen, r.seconds, r.loss_sum / r.seen, static_cast<double>(r.correct) / r.seen);
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
