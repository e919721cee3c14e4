// cmd_activations.cpp — `digitlab activations`: every layer's output for one MNIST test image, as
// JSON on stdout. It is the native reference the browser tests compare the web app's layer view
// against (the same engine, compiled natively instead of to WebAssembly), and a way to look at a
// layer's numbers outside the app.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common.h"
#include "model.h"

namespace digitlab {

namespace {

constexpr const char* kCommand = "activations";

const std::vector<OptionDef>& options() {
  static const std::vector<OptionDef> kOptions = {
      {"data", "DIR", "$MNIST_DIR", "folder with the four MNIST files"},
      {"index", "N", "0", "the test image (0..9999)"},
      {"layer", "L", "all", "only this layer (0-based, as `digitlab info` numbers them)"},
  };
  return kOptions;
}

const char* kUsage = "digitlab activations MODEL_FILE [--index N] [--layer L]";
const char* kSummary =
    "Runs the model (evaluation mode) on test image N and prints, as JSON, the image's label, the\n"
    "input, every layer's output (name, kind, shape [C, H, W], values in NCHW order) and the softmax\n"
    "probabilities.";

void print_values(const float* v, int n) {
  std::putchar('[');
  for (int i = 0; i < n; ++i) {
    if (i) std::putchar(',');
    // %.9g round-trips a float exactly.
    if (std::isfinite(v[i])) std::printf("%.9g", static_cast<double>(v[i]));
    else std::printf("null");
  }
  std::putchar(']');
}

}  // namespace

int cmd_activations(int argc, char** argv, int first) {
  Args args;
  const CommandDef def{kCommand, kUsage, kSummary, options()};
  if (const int done = begin_command(def, argc, argv, first, &args); done >= 0) return done;
  int index = 0, only = -1;
  args.get_int("index", 0, 59999, &index);
  args.get_int("layer", 0, 100000, &only);
  if (!args.ok()) return usage_error(kCommand, args.error());
  if (args.positional().size() != 1)
    return usage_error(kCommand, "give one model file, e.g. digitlab activations digitlab.safetensors --index 0");
  dl::Model model;
  std::map<std::string, std::string> metadata;
  if (!load_model(kCommand, args.positional()[0], &model, &metadata)) return kExitRuntime;
  if (only >= model.num_layers())
    return usage_error(kCommand, "--layer " + std::to_string(only) + ": the model has layers 0.." +
                                     std::to_string(model.num_layers() - 1));
  std::string dir, error;
  if (!data_dir(args, &dir, &error)) return usage_error(kCommand, error);
  dl::Dataset test;
  if (!load_split(kCommand, dir, "test", &test)) return kExitRuntime;
  if (index >= test.count)
    return usage_error(kCommand, "--index " + std::to_string(index) + ": the test set has images 0.." +
                                     std::to_string(test.count - 1));

  const float* logits = model.forward(test.image(index), 1);
  float probs[dl::kClasses];
  dl::softmax(logits, 1, probs);
  std::printf("{\"index\":%d,\"label\":%d,\"spec\":\"%s\",\"input\":", index, test.labels[index], model.spec().c_str());
  print_values(test.image(index), dl::kImageSize);
  std::printf(",\"layers\":[");
  bool first_layer = true;
  for (int i = 0; i < model.num_layers(); ++i) {
    if (only >= 0 && i != only) continue;
    const dl::Layer& l = model.layer(i);
    const dl::Shape s = l.out();
    std::printf("%s{\"index\":%d,\"name\":\"%s\",\"kind\":\"%s\",\"shape\":[%d,%d,%d],\"values\":",
                first_layer ? "" : ",", i, l.name().c_str(), dl::layer_kind_name(l.kind()), s.c, s.h, s.w);
    print_values(model.activation(i), s.size());
    std::putchar('}');
    first_layer = false;
  }
  std::printf("],\"probabilities\":");
  print_values(probs, dl::kClasses);
  std::printf("}\n");
  return kExitOk;
}

}  // namespace digitlab
