// cmd_finetune.cpp — `digitlab finetune`: teaches a model a person's digits (an IDX pair the page
// exported, or any folder with one *images-idx3-ubyte / *labels-idx1-ubyte pair) with the page's
// recipe (dl::FinetuneRun), prints before/after on the held-out digits and on the MNIST test set,
// and writes the taught model.
#include <cstdio>
#include <map>
#include <string>

#include "common.h"
#include "finetune.h"
#include "model_io.h"
#include "my_digits.h"

namespace digitlab {

namespace {

constexpr const char* kCommand = "finetune";

const std::vector<OptionDef>& options() {
  static const std::vector<OptionDef> kOptions = {
      {"digits", "DIR", "", "folder with your digits as an IDX pair (the page's My digits > Export)"},
      {"out", "FILE", "", "where to write the taught model (.safetensors)"},
      {"data", "DIR", "$MNIST_DIR", "folder with the four MNIST files (mixed in, and the forgetting check)"},
      {"steps", "N", "60", "training batches"},
      {"batch", "N", "32", "images per batch, half of them yours"},
      {"lr", "RATE", "0.0001", "Adam's learning rate (cosine-decayed over the steps)"},
      {"holdout", "FRACTION", "0.2", "newest fraction of your digits kept out of training for the before/after"},
      {"seed", "N", "1", "seed of the MNIST draw, shuffles and augmentation"},
      {"threads", "N", "1", "worker threads"},
  };
  return kOptions;
}

const char* kUsage = "digitlab finetune MODEL_FILE --digits DIR --out FILE [options]";
const char* kSummary =
    "Teaches a trained network your handwriting, as the page's Teach it does: a short run on your digits\n"
    "mixed half and half with MNIST training images (augmented), then the accuracy before and after on\n"
    "your newest digits (held out) and on the MNIST test set. It warns when MNIST accuracy drops by more\n"
    "than 0.3 points (the model forgot some of MNIST).";

}  // namespace

void print_finetune_report(const dl::FinetuneReport& r) {
  std::printf("your digits   %d taught, %d held out\n", r.taught, r.held_out);
  std::printf("%-13s %s -> %s (%d -> %d of %d%s)\n", r.held_out ? "held out" : "taught (all)", percent_text(r.before(), 1).c_str(),
              percent_text(r.after(), 1).c_str(), r.before_correct, r.after_correct, r.reported(),
              r.held_out ? "" : "; none held out");
  if (r.mnist_images)
    std::printf("MNIST test    %s -> %s (%+.2f points, %s images)\n", percent_text(r.mnist_before).c_str(),
                percent_text(r.mnist_after).c_str(), 100.0 * (r.mnist_after - r.mnist_before),
                with_commas(r.mnist_images).c_str());
  std::printf("time          %.1f s training, %.1f s measuring\n", r.train_seconds, r.eval_seconds);
  if (r.forgot())
    std::printf("warning: MNIST test accuracy dropped by more than %.1f points: fewer steps or a lower --lr forget less\n",
                dl::kMaxForgettingPoints);
}

int cmd_finetune(int argc, char** argv, int first) {
  Args args;
  const CommandDef def{kCommand, kUsage, kSummary, options()};
  if (const int done = begin_command(def, argc, argv, first, &args); done >= 0) return done;
  dl::FinetuneOptions opt;
  int threads = 1;
  float holdout = static_cast<float>(opt.holdout);
  args.get_int("steps", 1, 10000, &opt.steps);
  args.get_int("batch", 2, 256, &opt.batch);
  args.get_float("lr", 1e-7, 1.0, &opt.lr);
  args.get_float("holdout", 0.0, 0.9, &holdout);
  opt.holdout = holdout;
  args.get_u64("seed", &opt.seed);
  args.get_int("threads", 1, 256, &threads);
  if (!args.ok()) return usage_error(kCommand, args.error());
  if (args.positional().size() != 1)
    return usage_error(kCommand, "give one model file, e.g. digitlab finetune assets/digitlab.safetensors --digits my-digits --out mine.safetensors");
  const std::string digits_dir = args.text("digits"), out = args.text("out");
  if (digits_dir.empty()) return usage_error(kCommand, "--digits DIR names the folder with your exported digits");
  if (out.empty()) return usage_error(kCommand, "--out FILE names where the taught model goes");

  std::string dir, error;
  if (!data_dir(args, &dir, &error)) return usage_error(kCommand, error);
  dl::Dataset mine, train, test;
  if (dl::Status s = dl::load_digits_dir(digits_dir, &mine); !s) return runtime_error(kCommand, s.message());
  if (!load_split(kCommand, dir, "train", &train) || !load_split(kCommand, dir, "test", &test)) return kExitRuntime;
  dl::Model model;
  std::map<std::string, std::string> metadata;
  if (!load_model(kCommand, args.positional()[0], &model, &metadata)) return kExitRuntime;
  model.set_threads(threads);

  dl::FinetuneRun run;
  if (dl::Status s = run.begin(&model, &mine, &train, &test, opt); !s) return runtime_error(kCommand, s.message());
  std::printf("teaching %s %s of your digits (%d steps of %d)\n", args.positional()[0].c_str(),
              with_commas(mine.count).c_str(), opt.steps, opt.batch);
  while (!run.advance(1e9)) {
  }
  const dl::FinetuneReport& r = run.report();
  print_finetune_report(r);
  if (r.diverged) return runtime_error(kCommand, "training diverged; the model was not written (try a lower --lr)");
  // How it was taught, without the folders of this machine (a shared file must not name them).
  metadata["finetune"] = "digitlab finetune --digits DIR --steps " + std::to_string(opt.steps) + " --batch " +
                         std::to_string(opt.batch) + " --lr " + format_float(opt.lr, "%g") + " --holdout " +
                         format_float(opt.holdout, "%g") + " --seed " + std::to_string(opt.seed) + " (" +
                         std::to_string(r.taught) + " digits taught)";
  if (r.mnist_images == 10000) metadata["test_accuracy"] = format_float(r.mnist_after, "%.4f");
  if (dl::Status s = dl::save_model_file(out, model, metadata, nullptr); !s) return runtime_error(kCommand, s.message());
  std::printf("model written to %s\n", out.c_str());
  return kExitOk;
}

}  // namespace digitlab
