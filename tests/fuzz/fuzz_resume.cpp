// fuzz_resume.cpp — libFuzzer target for what `digitlab train --resume` reads from a checkpoint's
// __metadata__ (issue 12, finding 3): the input is "key=value" lines. read_resume_point (epochs,
// epoch_steps, training time, validation accuracy), the checkpoint's options applied as defaults
// of the train options and read with the same typed getters and ranges as cmd_train.cpp, then the
// position checked against an epoch of the run.
//
// Any metadata must be refused with a message or give a position inside the run; never a crash
// (atoi, a negative index) or a hang.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "args.h"
#include "resume.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::map<std::string, std::string> md;
  const std::string text(reinterpret_cast<const char*>(data), size);
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(at, end - at);
    const size_t eq = line.find('=');
    if (eq != std::string::npos) md[line.substr(0, eq)] = line.substr(eq + 1);
    at = end + 1;
  }
  digitlab::ResumePoint p;
  dl::Status s = digitlab::read_resume_point(md, "the checkpoint", &p);
  if (!s.ok()) {
    if (s.message().empty()) std::abort();
    return 0;
  }
  if (p.epochs_done < 0 || p.epochs_done > digitlab::kMaxEpochs || p.epoch_steps < 0 || !(p.training_seconds >= 0))
    std::abort();
  // cmd_train's options, from the checkpoint (same getters and ranges as cmd_train.cpp).
  static const std::vector<digitlab::OptionDef> defs = {{"epochs", "N", "", ""},       {"batch", "N", "", ""},
                                                        {"optimizer", "NAME", "", ""}, {"lr", "X", "", ""},
                                                        {"momentum", "X", "", ""},     {"weight-decay", "X", "", ""},
                                                        {"schedule", "S", "", ""},     {"warmup", "E", "", ""},
                                                        {"augment", nullptr, "", ""},  {"no-augment", nullptr, "", ""},
                                                        {"seed", "N", "", ""},         {"validation", "N", "", ""},
                                                        {"subset", "N", "", ""},       {"threads", "N", "", ""}};
  digitlab::Args args;
  char prog[] = "digitlab";
  char* argv[] = {prog};
  if (!args.parse("train", defs, 1, argv, 1)) std::abort();
  digitlab::apply_checkpoint_options(md, "the checkpoint", &args);
  int epochs = 10, batch = 64, warmup = 0, validation = 5000, subset = -1, threads = 1;
  uint64_t seed = 1;
  float lr = 1e-3f, momentum = 0.9f, wd = 0.0f;
  args.get_int("epochs", 1, 100000, &epochs);
  args.get_int("batch", 1, 65536, &batch);
  args.get_float("lr", 1e-12, 100.0, &lr);
  args.get_float("momentum", 0.0, 0.999999, &momentum);
  args.get_float("weight-decay", 0.0, 1.0, &wd);
  args.get_int("warmup", 0, 100000, &warmup);
  args.get_u64("seed", &seed);
  args.get_int("validation", 0, 1000000, &validation);
  args.get_int("subset", 1, 100000000, &subset);
  args.get_int("threads", 1, 256, &threads);
  if (!args.ok()) {
    if (args.error().find("checkpoint") == std::string::npos) std::abort();  // the message names where it came from
    return 0;
  }
  if (batch < 1 || epochs < 1 || !(lr > 0)) std::abort();
  // The position against an epoch of 1,000 images in batches of `batch`.
  const int steps_per_epoch = (1000 + batch - 1) / batch;
  s = digitlab::check_resume_step(p, steps_per_epoch, "the checkpoint");
  if (s.ok() && (p.epoch_steps < 0 || p.epoch_steps > steps_per_epoch)) std::abort();
  return 0;
}
