// main.cpp — the `digitlab` command line: picks the command and hands it the rest of argv.
// Each command lives in its own cmd_*.cpp; the option parser and exit codes are in args.h.
#include <cstdio>
#include <cstring>
#include <string>

#include "common.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int argc, char** argv, int first);
  const char* summary;
};

const Command kCommands[] = {
    {"train", digitlab::cmd_train, "train a network on MNIST and write a model file (.safetensors)"},
    {"eval", digitlab::cmd_eval, "accuracy, per-class table, confusion matrix and worst mistakes on the test set"},
    {"predict", digitlab::cmd_predict, "recognise digits in image files (PNG, PGM, JPG, ...)"},
    {"info", digitlab::cmd_info, "layers, output shapes, parameters and FLOPs of a spec, preset or model file"},
    {"sweep", digitlab::cmd_sweep, "train several presets with the same budget: table (CSV) and accuracy curves (PNG)"},
    {"activations", digitlab::cmd_activations,
     "every layer's output for one test image, as JSON (the layer view's reference)"},
    {"probe", digitlab::cmd_probe, "a linear probe on every step: how much of the digit each layer makes readable"},
    {"embed", digitlab::cmd_embed, "a map (PCA or t-SNE) of 2,000 test images at one step, as a PNG"},
    {"ablate", digitlab::cmd_ablate, "test accuracy with channels or units of a step switched off"},
    {"finetune", digitlab::cmd_finetune, "teach a model your digits (an exported IDX pair) without forgetting MNIST"},
    {"pen", digitlab::cmd_pen, "accuracy per writer on recorded pen digits, through the page's drawing pipeline"},
};

void print_usage(FILE* f) {
  std::fprintf(f,
               "digitlab - train, inspect and run DigitLab's handwritten-digit networks\n\n"
               "usage: digitlab <command> [arguments] [options]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(f, "  %-11s %s\n", c.name, c.summary);
  std::fprintf(f, "  %-11s %s\n", "help", "this page (digitlab <command> --help: the command's options)");
  std::fprintf(
      f,
      "\nexamples:\n"
      "  digitlab train --epochs 1 --subset 5000     a quick run (MNIST_DIR names the MNIST folder)\n"
      "  digitlab info digitlab                      the shipped architecture\n"
      "  digitlab eval digitlab.safetensors --grid mistakes.png\n"
      "  digitlab predict digitlab.safetensors my_digit.png\n"
      "  digitlab sweep --epochs 2 --threads 2       hidden layers vs accuracy: sweep.csv, sweep.png\n"
      "\nexit codes: 0 ok, 1 runtime error (bad file, missing data, diverged), 2 usage error, 130 interrupted\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return digitlab::kExitUsage;
  }
  const std::string cmd = argv[1];
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    if (cmd == "help" && argc >= 3) {  // digitlab help train == digitlab train --help
      for (const Command& c : kCommands) {
        if (argv[2] == std::string(c.name)) {
          char help[] = "--help";
          char* args[] = {argv[0], argv[2], help};
          return c.run(3, args, 2);
        }
      }
      std::fprintf(stderr,
                   "digitlab: unknown command '%s' (commands: train, eval, predict, info, sweep, activations, probe, "
                   "embed, ablate, finetune, pen)\n",
                   argv[2]);
      return digitlab::kExitUsage;
    }
    print_usage(stdout);
    return digitlab::kExitOk;
  }
  for (const Command& c : kCommands)
    if (cmd == c.name) return c.run(argc, argv, 2);
  std::fprintf(stderr,
               "digitlab: unknown command '%s' (commands: train, eval, predict, info, sweep, activations, probe, "
               "embed, ablate, finetune, pen; see digitlab help)\n",
               cmd.c_str());
  return digitlab::kExitUsage;
}
