// optimizer.h — SGD with momentum, Adam and RMSprop over the model's flat parameter block, with
// weight decay and learning-rate schedules. The moments are blocks of the parameters' layout, so an
// update is one flat loop; nothing is keyed by pointer.
#pragma once
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
  int warmup_epochs = 0;       // linear warm-up (all kinds)
};
Status parse_schedule(const std::string& text, ScheduleConfig* out);  // "constant", "step:10:0.1", "cosine", "plateau:0.5:3"

class LrSchedule {
 public:
  LrSchedule() = default;
  LrSchedule(const ScheduleConfig& cfg, float base_lr, int total_epochs);
  // Learning rate during (fractional) epoch e, e in [0, total_epochs).
  float lr(float epoch) const;
  // Plateau: report a validation accuracy at the end of an epoch. Returns true if the rate dropped.
  bool on_epoch_end(float val_accuracy);
  float plateau_scale() const { return plateau_scale_; }

 private:
  ScheduleConfig cfg_;
  float base_lr_ = 1e-3f;
  int total_epochs_ = 1;
  float plateau_scale_ = 1.0f;
  float best_ = -1.0f;
  int bad_epochs_ = 0;
};

}  // namespace dl
