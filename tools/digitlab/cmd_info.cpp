// cmd_info.cpp — `digitlab info`: the layers of a spec, preset or model file (output shapes,
// parameters, multiply-accumulates), totals, and a model file's training metadata.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common.h"
#include "model.h"
#include "spec.h"

namespace digitlab {

namespace {

constexpr const char* kCommand = "info";

const std::vector<OptionDef>& options() {
  static const std::vector<OptionDef> kOptions = {
      {"presets", nullptr, "", "list the presets (names usable wherever a spec is)"},
  };
  return kOptions;
}

const char* kUsage = "digitlab info SPEC_OR_PRESET_OR_FILE | digitlab info --presets";
const char* kSummary =
    "Prints each layer (index, name, kind, output shape, parameters, multiply-accumulates per image),\n"
    "the totals and the FLOPs per image (2 x MACs). For a model file (.safetensors) also its metadata:\n"
    "how it was trained and how accurate it is.";

bool is_regular_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void print_presets() {
  size_t w = 4;
  for (const dl::Preset& p : dl::presets()) w = std::max(w, std::string(p.name).size());
  for (const dl::Preset& p : dl::presets()) {
    dl::Model m;
    const bool ok = dl::Model::build(p.spec, 1, &m).ok();
    std::printf("%-*s  %s\n%-*s  %s%s\n", static_cast<int>(w), p.name, p.spec, static_cast<int>(w), "", p.description,
                ok ? (", " + with_commas(m.num_params()) + " parameters").c_str() : "");
  }
}

int64_t layer_params(const dl::Layer& l) {
  int64_t n = 0;
  for (const dl::TensorInfo& t : l.param_tensors()) n += static_cast<int64_t>(t.count);
  return n;
}

void print_layers(const dl::Model& m) {
  std::printf("%3s  %-10s %-10s %-12s %12s %14s\n", "#", "name", "kind", "output", "params", "MACs");
  std::printf("%3s  %-10s %-10s %-12s %12s %14s\n", "-", "input", "-", m.input_shape().str().c_str(), "0", "0");
  for (int i = 0; i < m.num_layers(); ++i) {
    const dl::Layer& l = m.layer(i);
    std::printf("%3d  %-10s %-10s %-12s %12s %14s\n", i, l.name().c_str(), dl::layer_kind_name(l.kind()),
                l.out().str().c_str(), with_commas(layer_params(l)).c_str(), with_commas(l.macs()).c_str());
  }
  const int64_t macs = m.macs_per_image();
  std::printf("\nspec          %s\n", m.spec().c_str());
  std::printf("parameters    %s (%s KiB as float32)\n", with_commas(m.num_params()).c_str(),
              with_commas((m.num_params() * 4 + 1023) / 1024).c_str());
  std::printf("MACs/image    %s\n", with_commas(macs).c_str());
  std::printf("FLOPs/image   %s (%.2f MFLOP)\n", with_commas(2 * macs).c_str(), 2.0 * macs / 1e6);
}

}  // namespace

int cmd_info(int argc, char** argv, int first) {
  Args args;
  const CommandDef def{kCommand, kUsage, kSummary, options()};
  if (const int done = begin_command(def, argc, argv, first, &args); done >= 0) return done;
  if (args.flag("presets")) {
    if (!args.positional().empty()) return usage_error(kCommand, "--presets takes no other argument");
    print_presets();
    return kExitOk;
  }
  if (args.positional().empty())
    return usage_error(
        kCommand,
        "give a spec, a preset name or a model file (e.g. digitlab info R2; presets: digitlab info --presets)");

  std::string what;
  for (const std::string& p : args.positional()) what += (what.empty() ? "" : " ") + p;

  dl::Model model;
  std::map<std::string, std::string> metadata;
  const bool file = args.positional().size() == 1 && is_regular_file(what);
  if (file) {
    if (!load_model(kCommand, what, &model, &metadata)) return kExitRuntime;
  } else {
    // Not a file: a spec or a preset. A name that looks like a file gets a file message.
    const bool looks_like_file = what.find(".safetensors") != std::string::npos || what.find('/') != std::string::npos;
    dl::Status s = dl::Model::build(what, 1, &model);
    if (!s) {
      if (dl::parse_spec(what, nullptr).ok())  // a valid spec whose network is too large (resources.h)
        return usage_error(kCommand, "'" + what + "' is a valid spec, but " + s.message());
      if (looks_like_file) return runtime_error(kCommand, "the file '" + what + "' does not exist");
      return usage_error(kCommand, "'" + what + "' is neither a file nor a valid spec or preset: " + s.message());
    }
  }
  print_layers(model);
  if (file) {
    std::printf("\nmetadata of %s\n", what.c_str());
    size_t w = 0;
    for (const auto& kv : metadata) w = std::max(w, kv.first.size());
    for (const auto& kv : metadata)
      std::printf("  %-*s  %s\n", static_cast<int>(w), kv.first.c_str(), kv.second.c_str());
  }
  return kExitOk;
}

}  // namespace digitlab
