// cmd_probe.cpp — `digitlab probe`: a linear probe on every step of a model (probe.h): the test
// accuracy of a softmax regression on each step's features, as a table, and optionally a CSV and a
// PNG of accuracy against depth. Several models give one curve each on the same plot.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common.h"
#include "plot.h"
#include "probe.h"

namespace digitlab {

namespace {

constexpr const char* kCommand = "probe";

const std::vector<OptionDef>& options() {
  static const std::vector<OptionDef> kOptions = {
      {"data", "DIR", "$MNIST_DIR", "folder with the four MNIST files"},
      {"images", "N", "5000", "training images each probe learns from (a seeded draw from the 60,000)"},
      {"test-images", "N", "10000", "test images each probe is scored on (the first N)"},
      {"epochs", "N", "10", "epochs of each probe's softmax regression"},
      {"seed", "N", "1", "seed of the image draw and the probes' batch order"},
      {"threads", "N", "1", "worker threads of the network's forward passes"},
      {"csv", "FILE", "", "also write the table as CSV (model, step, name, kind, features, accuracy)"},
      {"plot", "FILE.png", "", "also draw probe accuracy against depth, one line per model"},
  };
  return kOptions;
}

const char* kUsage = "digitlab probe MODEL_FILE [MODEL_FILE...] [options]";
const char* kSummary =
    "Trains a linear probe (softmax regression, Alain & Bengio 2016) on every step of a frozen network,\n"
    "from the input to the output layer, and scores it on the MNIST test images: how much of the digit a\n"
    "linear read-out finds after each layer. Convolution outputs over 1,024 values are average-pooled to a\n"
    "small grid per channel first (the table's 'features' column).";

}  // namespace

int cmd_probe(int argc, char** argv, int first) {
  Args args;
  const CommandDef def{kCommand, kUsage, kSummary, options()};
  if (const int done = begin_command(def, argc, argv, first, &args); done >= 0) return done;
  dl::ProbeOptions opt;
  int threads = 1, test_images = 10000;
  args.get_int("images", 10, 60000, &opt.train_images);
  args.get_int("test-images", 1, 10000, &test_images);
  args.get_int("epochs", 1, 1000, &opt.epochs);
  args.get_u64("seed", &opt.seed);
  args.get_int("threads", 1, 256, &threads);
  if (!args.ok()) return usage_error(kCommand, args.error());
  if (args.positional().empty())
    return usage_error(kCommand, "give a model file, e.g. digitlab probe assets/digitlab.safetensors");
  opt.test_images = test_images;
  opt.feature_budget_bytes = uint64_t{512} << 20;  // the CLI may hold more than the page: one pass
  const std::string csv = args.text("csv"), png = args.text("plot");
  if ((args.given("csv") && csv.empty()) || (args.given("plot") && png.empty()))
    return usage_error(kCommand, "--csv and --plot need a file name");

  std::string dir, error;
  if (!data_dir(args, &dir, &error)) return usage_error(kCommand, error);
  dl::Dataset train, test;
  if (!load_split(kCommand, dir, "train", &train) || !load_split(kCommand, dir, "test", &test)) return kExitRuntime;

  FILE* csv_file = nullptr;
  if (!csv.empty() && !(csv_file = std::fopen(csv.c_str(), "w")))
    return runtime_error(kCommand, "cannot write " + csv + " (check the folder exists and is writable)");
  if (csv_file) std::fprintf(csv_file, "model,step,name,kind,features,train_accuracy,test_accuracy\n");
  LinePlot plot;
  plot.title = "Linear probe accuracy after each step";
  plot.subtitle = "softmax regression on " + with_commas(opt.train_images) + " training images, scored on " +
                  with_commas(test_images) + " test images";
  plot.x_label = "step (1 = the input, then each layer in order)";
  plot.y_label = "test accuracy %";
  for (const std::string& path : args.positional()) {
    dl::Model model;
    std::map<std::string, std::string> metadata;
    if (!load_model(kCommand, path, &model, &metadata)) {
      if (csv_file) std::fclose(csv_file);
      return kExitRuntime;
    }
    model.set_threads(threads);
    std::vector<dl::ProbeResult> results;
    const double t0 = now_seconds();
    dl::Status st = dl::run_probes(&model, train, test, opt, &results);
    if (!st) {
      if (csv_file) std::fclose(csv_file);
      return runtime_error(kCommand, path + ": " + st.message());
    }
    std::printf("model %s: %s\n", path.c_str(), model.spec().c_str());
    std::printf("%5s  %-9s %-10s %9s %10s %10s\n", "step", "name", "kind", "features", "train", "test");
    PlotSeries series;
    series.label = path.substr(path.find_last_of('/') + 1);
    for (const dl::ProbeResult& r : results) {
      std::printf("%5d  %-9s %-10s %9d %10s %10s\n", r.step, r.name.c_str(), r.kind.c_str(), r.features,
                  percent_text(r.train_accuracy).c_str(), percent_text(r.accuracy).c_str());
      series.y.push_back(100.0 * r.accuracy);
      if (csv_file)
        std::fprintf(csv_file, "%s,%d,%s,%s,%d,%.4f,%.4f\n", series.label.c_str(), r.step, r.name.c_str(),
                     r.kind.c_str(), r.features, r.train_accuracy, r.accuracy);
    }
    std::printf("probes computed in %.1f s (%d thread%s)\n\n", now_seconds() - t0, threads, threads == 1 ? "" : "s");
    plot.series.push_back(series);
  }
  if (csv_file) {
    std::fclose(csv_file);
    std::printf("table written to %s\n", csv.c_str());
  }
  if (!png.empty()) {
    double lowest = 100;
    for (const PlotSeries& s : plot.series)
      for (double v : s.y) lowest = std::min(lowest, v);
    plot.y_top = 100;
    dl::Status s = write_line_plot(png, plot);
    if (!s) return runtime_error(kCommand, s.message());
    std::printf("plot written to %s\n", png.c_str());
  }
  return kExitOk;
}

}  // namespace digitlab
