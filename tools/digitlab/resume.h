// resume.h — what `digitlab train --resume` takes from a checkpoint's __metadata__: the position in
// the run (epochs done, steps into the next epoch, training time so far) and the options the run
// was started with. A checkpoint is a file, so every value is typed and range-checked (issue 12,
// finding 3: no atoi; a negative or huge step count is a sentence, never an index).
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "args.h"
#include "numbers.h"
#include "status.h"

namespace digitlab {

struct ResumePoint {
  int epochs_done = 0;              // "epochs": whole epochs completed
  int epoch_steps = 0;              // "epoch_steps": steps of the next epoch done (0 when absent)
  double training_seconds = 0;      // "training_seconds" so far (0 when absent)
  std::string validation_accuracy;  // "validation_accuracy" as written ("" when absent)
};

constexpr int kMaxEpochs = 100000;  // --epochs' range

// Reads the position from a checkpoint's metadata (`origin` names the file in messages). Needs
// "epochs" and "optimizer_steps" (a model without them was not saved by a training run).
dl::Status read_resume_point(const std::map<std::string, std::string>& md, const std::string& origin, ResumePoint* out);
// The position must lie within an epoch of this run: 0 <= epoch_steps <= steps_per_epoch.
dl::Status check_resume_step(const ResumePoint& p, int steps_per_epoch, const std::string& origin);

// Supplies each option the checkpoint recorded (batch, lr, schedule, ...) as the default of its
// --option, unless given on the command line; a recorded value out of range is then reported as
// coming from `origin` (Args' typed getters check it like a typed one).
void apply_checkpoint_options(const std::map<std::string, std::string>& md, const std::string& origin, Args* args);

// Strict number parsing for metadata values: the whole text, in range, no overflow.
using dl::parse_real;
using dl::parse_whole;  // engine/numbers.h

}  // namespace digitlab
