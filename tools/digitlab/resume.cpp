// resume.cpp — see resume.h.
#include "resume.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>

namespace digitlab {

namespace {

// Checkpoint metadata key for each option a resumed run takes from its checkpoint.
const struct {
  const char* option;
  const char* key;
} kResumable[] = {
    {"epochs", "epochs_planned"},
    {"batch", "batch"},
    {"optimizer", "optimizer"},
    {"lr", "lr"},
    {"momentum", "momentum"},
    {"weight-decay", "weight_decay"},
    {"schedule", "schedule"},
    {"warmup", "warmup"},
    {"seed", "seed"},
    {"validation", "validation_images"},
    {"subset", "subset"},
    {"threads", "threads"},
};

std::string quoted(const std::string& s) {  // a metadata value in a message, shortened
  return "'" + (s.size() > 40 ? s.substr(0, 37) + "..." : s) + "'";
}

}  // namespace

dl::Status read_resume_point(const std::map<std::string, std::string>& md, const std::string& origin,
                             ResumePoint* out) {
  if (!md.count("epochs") || !md.count("optimizer_steps"))
    return dl::Status::Error(origin +
                             " is a model without training state (no epochs or optimizer state in its "
                             "metadata), so training cannot resume from it");
  ResumePoint p;
  int64_t v = 0;
  const std::string& epochs = md.at("epochs");
  if (!parse_whole(epochs, 0, kMaxEpochs, &v))
    return dl::Status::Error(origin + "'s epochs " + quoted(epochs) + " is not a whole number from 0 to " +
                             std::to_string(kMaxEpochs) + "; the checkpoint is damaged");
  p.epochs_done = static_cast<int>(v);
  auto it = md.find("epoch_steps");
  if (it != md.end()) {
    if (!parse_whole(it->second, 0, INT_MAX, &v))
      return dl::Status::Error(origin + "'s epoch_steps " + quoted(it->second) + " is not a whole number from 0 to " +
                               std::to_string(INT_MAX) + "; the checkpoint is damaged");
    p.epoch_steps = static_cast<int>(v);
  }
  it = md.find("training_seconds");
  if (it != md.end() && !parse_real(it->second, 0, 1e12, &p.training_seconds))
    return dl::Status::Error(origin + "'s training_seconds " + quoted(it->second) +
                             " is not a number of seconds; the checkpoint is damaged");
  it = md.find("validation_accuracy");
  if (it != md.end()) {
    double acc = 0;
    if (!parse_real(it->second, 0, 1, &acc))
      return dl::Status::Error(origin + "'s validation_accuracy " + quoted(it->second) +
                               " is not a fraction from 0 to 1; the checkpoint is damaged");
    p.validation_accuracy = it->second;
  }
  *out = p;
  return dl::Status::Ok();
}

dl::Status check_resume_step(const ResumePoint& p, int steps_per_epoch, const std::string& origin) {
  if (p.epoch_steps < 0 || p.epoch_steps > steps_per_epoch)
    return dl::Status::Error(origin + " stopped after step " + std::to_string(p.epoch_steps) + " of epoch " +
                             std::to_string(p.epochs_done + 1) + ", but an epoch of this run has " +
                             std::to_string(steps_per_epoch) +
                             " steps: the data, --subset, --validation or --batch differ from the run that wrote it");
  return dl::Status::Ok();
}

void apply_checkpoint_options(const std::map<std::string, std::string>& md, const std::string& origin, Args* args) {
  for (const auto& r : kResumable) {
    auto it = md.find(r.key);
    if (it != md.end()) args->set_default(r.option, it->second, origin);
  }
  auto aug = md.find("augment");
  if (aug != md.end() && !args->flag("augment") && !args->flag("no-augment"))
    args->set_default(aug->second == "no" ? "no-augment" : "augment", "1", origin);
}

}  // namespace digitlab
