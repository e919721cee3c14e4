// cmd_ablate.cpp — `digitlab ablate`: test accuracy, overall and per digit, with channels (feature
// maps) or units of one step switched off (Model::set_unit_off), next to the accuracy with all on.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common.h"
#include "metrics.h"
#include "step_features.h"

namespace digitlab {

namespace {

constexpr const char* kCommand = "ablate";

const std::vector<OptionDef>& options() {
  static const std::vector<OptionDef> kOptions = {
      {"data", "DIR", "$MNIST_DIR", "folder with the four MNIST files"},
      {"step", "N", "", "the step whose channels go off: N is the output of the N-th layer (digitlab info)"},
      {"channels", "LIST", "all", "channels (or units) to switch off: 'all', or e.g. 0,3,5-7"},
      {"threads", "N", "1", "worker threads"},
  };
  return kOptions;
}

const char* kUsage = "digitlab ablate MODEL_FILE --step N [--channels LIST] [options]";
const char* kSummary =
    "Switches channels (feature maps) or units of one step off (their output forced to 0 for every later\n"
    "layer) and evaluates the model on the 10,000 MNIST test images: accuracy and per-digit accuracy with\n"
    "them off against all on. What a unit costs when it is gone.";

// Parses "all" or "0,3,5-7" into channel flags of `count`. False with *error on a bad list.
bool parse_channels(const std::string& text, int count, std::vector<uint8_t>* off, std::string* error) {
  off->assign(count, 0);
  if (text == "all") {
    off->assign(count, 1);
    return true;
  }
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string part = text.substr(pos, comma - pos);
    const size_t dash = part.find('-');
    int lo = -1, hi = -1;
    try {
      size_t used = 0;
      lo = std::stoi(part.substr(0, dash), &used);
      if (used != (dash == std::string::npos ? part.size() : dash)) lo = -1;
      hi = lo;
      if (dash != std::string::npos) {
        hi = std::stoi(part.substr(dash + 1), &used);
        if (used != part.size() - dash - 1) lo = -1;
      }
    } catch (...) { lo = -1; }
    if (lo < 0 || hi < lo || hi >= count) {
      *error = "--channels: '" + part + "' is not a channel or range within 0.." + std::to_string(count - 1);
      return false;
    }
    for (int c = lo; c <= hi; ++c) (*off)[c] = 1;
    pos = comma + 1;
  }
  return true;
}

}  // namespace

int cmd_ablate(int argc, char** argv, int first) {
  Args args;
  const CommandDef def{kCommand, kUsage, kSummary, options()};
  if (const int done = begin_command(def, argc, argv, first, &args); done >= 0) return done;
  int step = -1, threads = 1;
  args.get_int("step", 1, 1000, &step);
  args.get_int("threads", 1, 256, &threads);
  if (!args.ok()) return usage_error(kCommand, args.error());
  if (args.positional().size() != 1) return usage_error(kCommand, "give exactly one model file");
  if (step < 1) return usage_error(kCommand, "give the step with --step N (1 is the first layer's output)");

  dl::Model model;
  std::map<std::string, std::string> metadata;
  const std::string path = args.positional()[0];
  if (!load_model(kCommand, path, &model, &metadata)) return kExitRuntime;
  if (step >= dl::num_steps(model))
    return usage_error(kCommand, "--step " + std::to_string(step) + ": the model's steps are 1.." +
                                     std::to_string(dl::num_steps(model) - 1));
  const int channels = dl::step_shape(model, step).c;
  std::vector<uint8_t> off;
  std::string error;
  if (!parse_channels(args.text("channels", "all"), channels, &off, &error)) return usage_error(kCommand, error);
  std::string dir;
  if (!data_dir(args, &dir, &error)) return usage_error(kCommand, error);
  dl::Dataset test;
  if (!load_split(kCommand, dir, "test", &test)) return kExitRuntime;
  model.set_threads(threads);

  const dl::Evaluation on = dl::evaluate(model, test);
  int n_off = 0;
  for (int c = 0; c < channels; ++c)
    if (off[c]) {
      model.set_unit_off(step - 1, c, true);
      ++n_off;
    }
  const dl::Evaluation without = dl::evaluate(model, test);
  std::printf("model %s, step %d (%s): %d of %d %s off\n", path.c_str(), step, dl::step_name(model, step).c_str(),
              n_off, channels, dl::step_shape(model, step).h > 1 ? "channels" : "units");
  std::printf("test accuracy %s with them off, %s with all on (%+.2f points)\n\n",
              percent_text(without.accuracy()).c_str(), percent_text(on.accuracy()).c_str(),
              100.0 * (without.accuracy() - on.accuracy()));
  std::printf("%5s %9s %9s %8s\n", "digit", "all on", "off", "change");
  for (int c = 0; c < dl::kClasses; ++c)
    std::printf("%5d %9s %9s %+8.2f\n", c, percent_text(on.class_accuracy(c)).c_str(),
                percent_text(without.class_accuracy(c)).c_str(),
                100.0 * (without.class_accuracy(c) - on.class_accuracy(c)));
  return kExitOk;
}

}  // namespace digitlab
