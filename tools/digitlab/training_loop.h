// training_loop.h — the CLI's epoch, shared by `digitlab train` and `digitlab sweep`: the rest of
// the run's current epoch, one dl::TrainRun::step() after another, with the progress bar, Ctrl-C
// and the time spent in steps. The run (engine/train_run.h) owns everything else: the data order,
// batches, seeded streams, learning-rate schedule, snapshots and the rollback of a diverged step.
//
// Not here: what happens at an epoch's end (validation, checkpoints, curves): the commands decide.
#pragma once
#include <cstdint>

#include "train_run.h"
#include "progress.h"

namespace digitlab {

// What one call of run_epoch did.
struct EpochResult {
  enum End { Done, Interrupted, Diverged } end = Done;
  int next_step = 0;    // the first step of the epoch not run (steps_per_epoch when Done)
  long seen = 0;        // images trained in this call
  long correct = 0;     // of those, classified right (train mode, before the update)
  double loss_sum = 0;  // sum over images of the loss
  double seconds = 0;   // spent in training steps
  // Diverged: the step that was refused (0-based, within its epoch) and the run's divergence().
  int diverged_step = 0;
  dl::Divergence divergence;

  double mean_loss() const { return seen ? loss_sum / seen : 0.0; }
  double accuracy() const { return seen ? static_cast<double>(correct) / seen : 0.0; }
  double images_per_second() const { return seconds > 0 ? seen / seconds : 0.0; }
};

// The run `train` and `sweep` begin: their recipe options as the engine's run configuration.
dl::RunConfig run_config(const dl::OptimizerConfig& optimizer, const dl::ScheduleConfig& schedule, int batch,
                         float epochs, bool augment, uint64_t seed);

// Runs the steps left in run's current epoch (run->epoch(), from run->step_in_epoch()), drawing
// progress on `progress` as "epoch e/epochs" (its line is cleared before returning, so a normal
// line can follow). Stops early when a step diverges (the run has rolled back to its last good
// snapshot) or when Ctrl-C was pressed (after the current step).
EpochResult run_epoch(dl::TrainRun* run, int epochs, Progress* progress);

// Ctrl-C: after install_sigint(), the first SIGINT sets a flag that run_epoch checks after each
// step (a second one ends the program at once). restore_sigint() puts the default back.
void install_sigint();
void restore_sigint();
bool interrupted();

}  // namespace digitlab
