// optimizer.cpp — the update rules and learning-rate schedules of optimizer.h.
//   SGD      v = momentum * v + g;            p -= lr * v           (nesterov: p -= lr * (g + momentum * v))
//   Adam     m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr * mhat / (sqrt(vhat) + eps)
//   RMSprop  v = rho v + (1-rho) g^2;         p -= lr * g / (sqrt(v) + eps)        (Keras's form)
// Weight decay is decoupled (AdamW): p -= lr * wd * p, on weight tensors only.
#include "optimizer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace dl {

Status parse_optimizer(const std::string& name, OptimizerConfig::Kind* kind) {
  if (name == "sgd") *kind = OptimizerConfig::SGD;
  else if (name == "adam") *kind = OptimizerConfig::Adam;
  else if (name == "rmsprop") *kind = OptimizerConfig::RMSprop;
  else return Status::Error("unknown optimizer '" + name + "': use sgd, adam or rmsprop");
  return Status::Ok();
}

const char* optimizer_name(OptimizerConfig::Kind kind) {
  switch (kind) {
    case OptimizerConfig::SGD: return "sgd";
    case OptimizerConfig::Adam: return "adam";
    case OptimizerConfig::RMSprop: return "rmsprop";
  }
  return "?";
}

Optimizer::Optimizer(const OptimizerConfig& cfg, size_t num_params, const std::vector<TensorInfo>& tensors)
    : cfg_(cfg) {
  m_.assign(num_params, 0.0f);
  if (cfg.kind != OptimizerConfig::SGD) v_.assign(num_params, 0.0f);
  decay_mask_.assign(num_params, 0.0f);
  for (const TensorInfo& t : tensors)
    if (t.decay) std::fill(decay_mask_.begin() + t.offset, decay_mask_.begin() + t.offset + t.count, 1.0f);
}

void Optimizer::step(float* p, const float* g, float lr) {
  ++t_;
  const size_t n = m_.size();
  const float wd = cfg_.weight_decay * lr;
  float* m = m_.data();
  float* v = v_.data();
  const float* mask = decay_mask_.data();
  switch (cfg_.kind) {
    case OptimizerConfig::SGD: {
      const float mu = cfg_.momentum;
      for (size_t i = 0; i < n; ++i) {
        m[i] = mu * m[i] + g[i];
        const float upd = cfg_.nesterov ? g[i] + mu * m[i] : m[i];
        p[i] -= lr * upd + wd * mask[i] * p[i];
      }
      break;
    }
    case OptimizerConfig::Adam: {
      const float b1 = cfg_.beta1, b2 = cfg_.beta2, eps = cfg_.eps;
      const float c1 = 1.0f / (1.0f - static_cast<float>(std::pow(static_cast<double>(b1), static_cast<double>(t_))));
      const float c2 = 1.0f / (1.0f - static_cast<float>(std::pow(static_cast<double>(b2), static_cast<double>(t_))));
      // A plain loop that the compiler vectorises: optimizer.cpp is built with -fno-math-errno
      // (engine/CMakeLists.txt), without which std::sqrt kept it scalar and a scalar sqrt + divide
      // per parameter took 42% of an `mlp` training step. (Eigen arrays vectorise it too, but peel
      // scalar ends whose position depends on the block's address, and their rounding differed
      // from the packets': the same run gave different bits from one allocation to the next.)
      for (size_t i = 0; i < n; ++i) {
        m[i] = b1 * m[i] + (1.0f - b1) * g[i];
        v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        p[i] -= lr * (m[i] * c1) / (std::sqrt(v[i] * c2) + eps) + wd * mask[i] * p[i];
      }
      break;
    }
    case OptimizerConfig::RMSprop: {
      const float rho = cfg_.rho, eps = cfg_.eps;
      for (size_t i = 0; i < n; ++i) {
        v[i] = rho * v[i] + (1.0f - rho) * g[i] * g[i];
        p[i] -= lr * g[i] / (std::sqrt(v[i]) + eps) + wd * mask[i] * p[i];
      }
      break;
    }
  }
}

namespace {
std::vector<std::string> split_colon(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, ':');) parts.push_back(part);
  return parts;
}
bool to_float(const std::string& s, float* v) {
  char* end = nullptr;
  *v = std::strtof(s.c_str(), &end);
  return !s.empty() && *end == '\0' && std::isfinite(*v);
}
bool to_int(const std::string& s, int* v) {
  char* end = nullptr;
  long x = std::strtol(s.c_str(), &end, 10);
  *v = static_cast<int>(x);
  return !s.empty() && *end == '\0' && x >= 0 && x < 100000;
}
}  // namespace

Status parse_schedule(const std::string& text, ScheduleConfig* out) {
  std::vector<std::string> p = split_colon(text);
  ScheduleConfig c;
  const std::string usage = "schedule '" + text +
                            "' not understood: use constant, step:EPOCHS:GAMMA (e.g. step:10:0.1), cosine, or "
                            "plateau:FACTOR:PATIENCE (e.g. plateau:0.5:3)";
  if (p.empty()) return Status::Error(usage);
  if (p[0] == "constant" && p.size() == 1) c.kind = ScheduleConfig::Constant;
  else if (p[0] == "cosine" && p.size() == 1) c.kind = ScheduleConfig::Cosine;
  else if (p[0] == "step" && (p.size() == 1 || p.size() == 3)) {
    c.kind = ScheduleConfig::Step;
    if (p.size() == 3 && (!to_int(p[1], &c.step_epochs) || c.step_epochs < 1 || !to_float(p[2], &c.gamma) ||
                          c.gamma <= 0.0f || c.gamma > 1.0f))
      return Status::Error(usage);
  } else if (p[0] == "plateau" && (p.size() == 1 || p.size() == 3)) {
    c.kind = ScheduleConfig::Plateau;
    if (p.size() == 3 &&
        (!to_float(p[1], &c.factor) || c.factor <= 0.0f || c.factor >= 1.0f || !to_int(p[2], &c.patience)))
      return Status::Error(usage);
  } else {
    return Status::Error(usage);
  }
  *out = c;
  return Status::Ok();
}

LrSchedule::LrSchedule(const ScheduleConfig& cfg, float base_lr, int64_t total_steps, int steps_per_epoch)
    : cfg_(cfg),
      base_lr_(base_lr),
      total_steps_(total_steps < 1 ? 1 : total_steps),
      steps_per_epoch_(steps_per_epoch < 1 ? 1 : steps_per_epoch) {}

float LrSchedule::lr(int64_t step) const {
  float lr = base_lr_;
  switch (cfg_.kind) {
    case ScheduleConfig::Constant: break;
    case ScheduleConfig::Step: {
      const int64_t drops = step / steps_per_epoch_ / std::max(1, cfg_.step_epochs);
      lr = base_lr_ * std::pow(cfg_.gamma, static_cast<float>(drops));
      break;
    }
    case ScheduleConfig::Cosine: {
      // t = (fractional epoch) / (epochs of the run), computed in this order so that runs of whole
      // epochs get the rates, to the bit, of the schedule defined in epochs that trained the
      // shipped model.
      const float epoch =
          static_cast<float>(step / steps_per_epoch_) + static_cast<float>(step % steps_per_epoch_) / steps_per_epoch_;
      const float epochs = static_cast<float>(total_steps_) / steps_per_epoch_;
      const float t = std::min(1.0f, std::max(0.0f, epoch / epochs));
      lr = cfg_.min_lr + 0.5f * (base_lr_ - cfg_.min_lr) * (1.0f + std::cos(3.14159265358979f * t));
      break;
    }
    case ScheduleConfig::Plateau: lr = std::max(cfg_.min_lr, base_lr_ * state_.scale); break;
  }
  const float warm = cfg_.warmup_epochs * static_cast<float>(steps_per_epoch_);
  if (warm > 0.0f && static_cast<float>(step) < warm) lr *= std::min(1.0f, static_cast<float>(step + 1) / warm);
  return lr;
}

bool LrSchedule::on_epoch_end(float val_accuracy) {
  if (cfg_.kind != ScheduleConfig::Plateau) return false;
  if (val_accuracy > state_.best) {
    state_.best = val_accuracy;
    state_.bad_epochs = 0;
    return false;
  }
  if (++state_.bad_epochs >= std::max(1, cfg_.patience)) {
    state_.bad_epochs = 0;
    state_.scale *= cfg_.factor;
    return true;
  }
  return false;
}

}  // namespace dl
