// optimizer.h — SGD with momentum, Adam and RMSprop over the model's flat parameter block, with
// weight decay and learning-rate schedules. The moments are blocks of the parameters' layout, so an
// update is one flat loop; nothing is keyed by pointer.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "layers.h"
#include "status.h"

namespace dl {

struct OptimizerConfig {
  enum Kind { SGD, Adam, RMSprop } kind = Adam;
  float lr = 1e-3f;
  float momentum = 0.9f;      // SGD
  bool nesterov = false;      // SGD
  float beta1 = 0.9f;         // Adam
  float beta2 = 0.999f;       // Adam
  float rho = 0.9f;           // RMSprop (Keras default)
  float eps = 1e-8f;          // Adam and RMSprop
  float weight_decay = 0.0f;  // decoupled (AdamW-style: p -= lr * wd * p) on tensors with decay=true
};
Status parse_optimizer(const std::string& name, OptimizerConfig::Kind* kind);  // "sgd", "adam", "rmsprop"
const char* optimizer_name(OptimizerConfig::Kind kind);

class Optimizer {
 public:
  Optimizer() = default;
  Optimizer(const OptimizerConfig& cfg, size_t num_params, const std::vector<TensorInfo>& tensors);
  // One update of params from grads at learning rate lr (the schedule's current value).
  void step(float* params, const float* grads, float lr);
  const OptimizerConfig& config() const { return cfg_; }
  int64_t steps() const { return t_; }
  // Moment blocks, same layout as the parameters (m: momentum / Adam first moment;
  // v: Adam second moment / RMSprop mean square). Saved in checkpoints.
  std::vector<float>& m() { return m_; }
  std::vector<float>& v() { return v_; }
  const std::vector<float>& m() const { return m_; }
  const std::vector<float>& v() const { return v_; }
  void set_steps(int64_t t) { t_ = t; }

 private:
  OptimizerConfig cfg_;
  std::vector<float> m_, v_;
  std::vector<float> decay_mask_;  // 1 where weight decay applies, else 0 (parameter layout)
  int64_t t_ = 0;
};

struct ScheduleConfig {
  enum Kind { Constant, Step, Cosine, Plateau } kind = Constant;
  int step_epochs = 10;        // Step: multiply by gamma every step_epochs
  float gamma = 0.1f;          // Step
  float min_lr = 0.0f;         // Cosine floor, Plateau floor
  float factor = 0.5f;         // Plateau: multiply by factor ...
  int patience = 3;            // ... after this many epochs without improvement of validation accuracy
  float warmup_epochs = 0.0f;  // linear warm-up over the first (fractional) epochs, all kinds
};
Status parse_schedule(const std::string& text,
                      ScheduleConfig* out);  // "constant", "step:10:0.1", "cosine", "plateau:0.5:3"

// The learning rate at each step of a run: one family for every front end (the CLI's --schedule and
// --warmup, the page's "cosine" with its short warm-up), so a schedule's name means one thing.
// Defined in steps, the unit a run advances in:
//   warm-up   lr *= (step + 1) / warmup_steps while step < warmup_steps (warmup_steps = warmup_epochs
//             * steps_per_epoch), a linear ramp from base/warmup_steps to base;
//   Constant  base;   Step  base * gamma ^ floor(epoch / step_epochs), epoch = step / steps_per_epoch;
//   Cosine    min + (base - min) * (1 + cos(pi * t)) / 2 with t = step / total_steps (as a fractional
//             epoch over the run's epochs), from base to min at the end;
//   Plateau   max(min, base * scale), scale multiplied by factor at an epoch end without a better
//             validation accuracy for `patience` epochs (on_epoch_end).
class LrSchedule {
 public:
  // The plateau bookkeeping: part of a run's state, saved with checkpoints and snapshots.
  struct State {
    float scale = 1.0f;  // the plateau's factor so far
    float best = -1.0f;  // best validation accuracy seen
    int bad_epochs = 0;  // epochs since it improved
  };

  LrSchedule() = default;
  LrSchedule(const ScheduleConfig& cfg, float base_lr, int64_t total_steps, int steps_per_epoch);
  // Learning rate of step `step` (0-based) of the run.
  float lr(int64_t step) const;
  // Plateau: report a validation accuracy at the end of an epoch. Returns true if the rate dropped.
  bool on_epoch_end(float val_accuracy);
  const ScheduleConfig& config() const { return cfg_; }
  const State& state() const { return state_; }
  void set_state(const State& s) { state_ = s; }

 private:
  ScheduleConfig cfg_;
  float base_lr_ = 1e-3f;
  int64_t total_steps_ = 1;
  int steps_per_epoch_ = 1;
  State state_;
};

}  // namespace dl
