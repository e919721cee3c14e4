// cmd_eval.cpp — `digitlab eval`: a model file on the 10,000-image MNIST test set: accuracy,
// per-class table, confusion matrix, the most confident mistakes (optionally as a PNG grid) and
// the inference time per image.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common.h"
#include "metrics.h"
#include "model.h"
#include "image_io.h"

namespace digitlab {

namespace {

constexpr const char* kCommand = "eval";

const std::vector<OptionDef>& options() {
  static const std::vector<OptionDef> kOptions = {
      {"data", "DIR", "$MNIST_DIR", "folder with the four MNIST files"},
      {"mistakes", "N", "20", "how many of the most confident mistakes to list"},
      {"grid", "FILE.png", "", "also draw those mistakes into a PNG grid, captioned true>predicted"},
      {"threads", "N", "1", "worker threads"},
  };
  return kOptions;
}

const char* kUsage = "digitlab eval MODEL_FILE [options]";
const char* kSummary =
    "Evaluates a model file on the 10,000 MNIST test images: accuracy, per-class accuracy, the confusion\n"
    "matrix, the most confident mistakes, and the inference time per image (batched and one at a time).";

void print_mistakes(const dl::Evaluation& ev, int n) {
  if (n == 0) return;
  std::printf("\n%d most confident mistakes\n", n);
  std::printf("%4s %6s %5s %5s %11s\n", "#", "index", "true", "pred", "confidence");
  for (int i = 0; i < n; ++i) {
    const dl::Mistake& m = ev.mistakes[i];
    std::printf("%4d %6d %5d %5d %11s\n", i + 1, m.index, m.label, m.predicted, percent_text(m.confidence).c_str());
  }
}

dl::Status write_grid(const std::string& path, const dl::Dataset& test, const dl::Evaluation& ev, int n) {
  constexpr int kScale = 4, kDigit = 28 * kScale, kPad = 6, kCaption = 40, kTitle = 30;
  const int cols = std::max(1, std::min(n, 10));
  const int rows = std::max(1, (n + cols - 1) / cols);
  const std::string title = std::to_string(n) + " most confident mistakes: true>predicted, confidence, test index";
  const int cell_w = kDigit + 2 * kPad, cell_h = kDigit + kCaption + 2 * kPad;
  const int width = std::max(cols * cell_w + kPad, 2 * text_width(title) + 2 * kPad);
  RgbImage img(width, kTitle + rows * cell_h + kPad, 24, 24, 28);
  img.text(kPad, 8, title, 2, 230, 230, 230);
  for (int i = 0; i < n; ++i) {
    const dl::Mistake& m = ev.mistakes[i];
    const int x = kPad + (i % cols) * cell_w, y = kTitle + (i / cols) * cell_h;
    img.fill_rect(x + kPad - 2, y + kPad - 2, kDigit + 4, kDigit + 4, 200, 40, 40);  // red frame: a mistake
    img.digit(x + kPad, y + kPad, test.image(m.index), kScale);
    const std::string caption =
        std::to_string(m.label) + ">" + std::to_string(m.predicted) + " " + percent_text(m.confidence, 1);
    img.text(x + kPad, y + kPad + kDigit + 6, caption, 2, 255, 210, 90);
    img.text(x + kPad, y + kPad + kDigit + 24, "#" + std::to_string(m.index), 2, 150, 150, 160);
  }
  return write_png(path, img);
}

}  // namespace

int cmd_eval(int argc, char** argv, int first) {
  Args args;
  const CommandDef def{kCommand, kUsage, kSummary, options()};
  if (const int done = begin_command(def, argc, argv, first, &args); done >= 0) return done;
  int mistakes = 20, threads = 1;
  args.get_int("mistakes", 0, 10000, &mistakes);
  args.get_int("threads", 1, 256, &threads);
  if (!args.ok()) return usage_error(kCommand, args.error());
  if (args.positional().size() != 1)
    return usage_error(kCommand, args.positional().empty()
                                     ? "give the model file to evaluate, e.g. digitlab eval digitlab.safetensors"
                                     : "give exactly one model file");
  const std::string grid = args.text("grid");
  if (args.given("grid") && grid.empty()) return usage_error(kCommand, "--grid needs a file name");

  const std::string path = args.positional()[0];
  dl::Model model;
  std::map<std::string, std::string> metadata;
  if (!load_model(kCommand, path, &model, &metadata)) return kExitRuntime;
  std::string dir, error;
  if (!data_dir(args, &dir, &error)) return usage_error(kCommand, error);
  dl::Dataset test;
  if (!load_split(kCommand, dir, "test", &test)) return kExitRuntime;
  model.set_threads(threads);
  dl::Status ps = model.plan(1);  // the threads' scratch, within the budget
  if (!ps) return usage_error(kCommand, "--threads " + std::to_string(threads) + ": " + ps.message());

  constexpr int kBatch = 256;  // or less when the model at 256 images exceeds the budget (dl::evaluate)
  const double t0 = now_seconds();
  const dl::Evaluation ev = dl::evaluate(model, test, kBatch);
  const double batched_us = (now_seconds() - t0) * 1e6 / std::max(1, ev.count);

  std::printf("model %s: %s, %s parameters\n", path.c_str(), model.spec().c_str(),
              with_commas(model.num_params()).c_str());
  std::printf("test accuracy %s (%d/%d), mean loss %.4f\n", percent_text(ev.accuracy()).c_str(), ev.correct, ev.count,
              ev.loss);

  std::printf("\n%5s %7s %8s %9s\n", "class", "images", "correct", "accuracy");
  for (int c = 0; c < dl::kClasses; ++c) {
    int images = 0;
    for (int p = 0; p < dl::kClasses; ++p) images += ev.confusion[c][p];
    std::printf("%5d %7d %8d %9s\n", c, images, ev.confusion[c][c], percent_text(ev.class_accuracy(c)).c_str());
  }

  std::printf("\nconfusion matrix (rows: true digit, columns: predicted digit)\n%6s", "");
  for (int p = 0; p < dl::kClasses; ++p) std::printf("%6d", p);
  std::printf("\n");
  for (int c = 0; c < dl::kClasses; ++c) {
    std::printf("%6d", c);
    for (int p = 0; p < dl::kClasses; ++p) std::printf("%6d", ev.confusion[c][p]);
    std::printf("\n");
  }

  const int shown = std::min(mistakes, static_cast<int>(ev.mistakes.size()));
  print_mistakes(ev, shown);

  // Latency of one image at a time, as the web app's live prediction sees it.
  const int single = std::min(test.count, 1000);
  const double t1 = now_seconds();
  for (int i = 0; i < single; ++i) model.forward(test.image(i), 1);
  const double single_us = (now_seconds() - t1) * 1e6 / std::max(1, single);
  std::printf("\ninference %.1f us/image in batches of %d, %.1f us/image one at a time (%d thread%s)\n", batched_us,
              kBatch, single_us, threads, threads == 1 ? "" : "s");

  if (!grid.empty()) {
    if (shown == 0) {
      std::printf("no mistakes to draw; %s not written\n", grid.c_str());
    } else {
      dl::Status s = write_grid(grid, test, ev, shown);
      if (!s) return runtime_error(kCommand, s.message());
      std::printf("mistakes grid written to %s\n", grid.c_str());
    }
  }
  return kExitOk;
}

}  // namespace digitlab
