// cmd_sweep.cpp — `digitlab sweep`: trains several presets with the same budget and compares them.
//
// The question behind it: how does the number of hidden layers change what a network learns in a
// given budget? Every preset gets the same training images, epochs, batch size, optimizer, learning
// rate and schedule (cosine by default) and seed; after each epoch it is tested on the 10,000 test
// images. Out: a progress line per epoch and preset, an aligned table on stdout, the same table as
// CSV (with the accuracy after each epoch) and a PNG chart of test accuracy against epochs.
// The CSV and the chart are rewritten after each preset, so an interrupted sweep keeps the presets
// it finished.
//
// Each preset is a dl::TrainRun stepped by run_epoch (training_loop.h), as in `digitlab train`. No validation split:
// nothing is decided from the test accuracy, it is only measured.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common.h"
#include "dataset.h"
#include "metrics.h"
#include "model.h"
#include "model_io.h"
#include "optimizer.h"
#include "resources.h"
#include "spec.h"
#include "train_run.h"
#include "plot.h"
#include "progress.h"
#include "training_loop.h"

namespace digitlab {

namespace {

constexpr const char* kCommand = "sweep";
constexpr const char* kDefaultPresets = "softmax,mlp,conv1,R1,conv3,R2";

const std::vector<OptionDef>& options() {
  static const std::vector<OptionDef> kOptions = {
      {"presets", "A,B,...", kDefaultPresets, "the presets to train, in this order (see digitlab info --presets)"},
      {"epochs", "N", "3", "epochs per preset"},
      {"batch", "N", "64", "images per training step"},
      {"optimizer", "NAME", "adam", "adam, sgd or rmsprop"},
      {"lr", "X", "0.001", "learning rate"},
      {"schedule", "S", "cosine", "learning-rate schedule: cosine, constant or step:E:G"},
      {"augment", nullptr, "", "random rotation, zoom and shift of training images"},
      {"no-augment", nullptr, "on", "train on the images as they are"},
      {"seed", "N", "1", "seed of the initial weights, the shuffles, augmentation and dropout"},
      {"data", "DIR", "$MNIST_DIR", "folder with the four MNIST files"},
      {"subset", "N", "all", "use only the first N training images (quick experiments)"},
      {"threads", "N", "1", "worker threads"},
      {"csv", "FILE", "sweep.csv", "the table as CSV, with the test accuracy after each epoch"},
      {"plot", "FILE.png", "sweep.png", "chart of test accuracy (%) against epochs, one line per preset"},
      {"out-dir", "DIR", "", "also save each trained model as DIR/<preset>.safetensors"},
  };
  return kOptions;
}

const char* kUsage = "digitlab sweep [options]";
const char* kSummary =
    "Trains each preset with the same budget (images, epochs, batch, optimizer, learning rate, schedule,\n"
    "seed) and tests it on the 10,000 MNIST test images after every epoch, to show what the hidden\n"
    "layers buy. Prints a line per epoch and a table (preset, spec, hidden layers, parameters, FLOPs per\n"
    "image, training time, images/s, test accuracy); writes the table as CSV (accuracies in percent,\n"
    "acc_epoch1..N after each epoch) and the test accuracy curves as a PNG. Both files are rewritten\n"
    "after each preset. Ctrl-C stops and keeps the presets already finished.";

struct Row {
  const dl::Preset* preset = nullptr;
  std::string spec;
  int64_t params = 0;
  int64_t flops = 0;             // per image, 2 x MACs
  double train_seconds = 0;      // in training steps (not testing)
  long images = 0;               // trained
  std::vector<double> accuracy;  // (epochs) test accuracy in percent after each epoch

  double images_per_second() const { return train_seconds > 0 ? images / train_seconds : 0; }
};

// Splits "softmax, R1" into presets; on a bad list *error says why.
bool parse_presets(const std::string& list, std::vector<const dl::Preset*>* out, std::string* error) {
  std::string names;
  for (const dl::Preset& p : dl::presets()) names += (names.empty() ? "" : ", ") + std::string(p.name);
  std::set<std::string> seen;
  size_t start = 0;
  for (;;) {
    const size_t comma = list.find(',', start);
    std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (name.empty()) {
      *error =
          "--presets has an empty name in '" + list + "'; give names separated by commas, e.g. --presets softmax,R1";
      return false;
    }
    const dl::Preset* found = nullptr;
    for (const dl::Preset& p : dl::presets())
      if (name == p.name) found = &p;
    if (!found) {
      *error = "unknown preset '" + name + "' in --presets (presets: " + names + ")";
      return false;
    }
    if (!seen.insert(name).second) {
      *error = "the preset '" + name + "' is listed twice in --presets";
      return false;
    }
    out->push_back(found);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return true;
}

std::string hidden_text(const dl::Preset& p) { return p.hidden_layers >= 0 ? std::to_string(p.hidden_layers) : "-"; }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

dl::Status write_csv(const std::string& path, const std::vector<Row>& rows, int epochs) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return dl::Status::Error("cannot write '" + path + "': " + std::strerror(errno));
  std::fprintf(f, "preset,spec,hidden_layers,parameters,flops_per_image,train_seconds,images_per_second,test_accuracy");
  for (int e = 1; e <= epochs; ++e) std::fprintf(f, ",acc_epoch%d", e);
  std::fprintf(f, "\n");
  for (const Row& r : rows) {
    std::fprintf(f, "%s,%s,%s,%lld,%lld,%.1f,%.0f,%.2f", csv_field(r.preset->name).c_str(), csv_field(r.spec).c_str(),
                 r.preset->hidden_layers >= 0 ? std::to_string(r.preset->hidden_layers).c_str() : "",
                 static_cast<long long>(r.params), static_cast<long long>(r.flops), r.train_seconds,
                 r.images_per_second(), r.accuracy.empty() ? 0.0 : r.accuracy.back());
    for (double a : r.accuracy) std::fprintf(f, ",%.2f", a);
    std::fprintf(f, "\n");
  }
  const bool ok = !std::ferror(f);
  if (std::fclose(f) != 0 || !ok) return dl::Status::Error("cannot write '" + path + "' (disk full?)");
  return dl::Status::Ok();
}

void print_table(const std::vector<Row>& rows) {
  const std::vector<std::string> head = {"preset",      "spec",           "hidden layers", "parameters",
                                         "FLOPs/image", "train time (s)", "images/s",      "test accuracy"};
  std::vector<std::vector<std::string>> cells;
  for (const Row& r : rows)
    cells.push_back({r.preset->name, r.spec, hidden_text(*r.preset), with_commas(r.params), with_commas(r.flops),
                     format_float(r.train_seconds, "%.1f"), format_float(r.images_per_second(), "%.0f"),
                     format_float(r.accuracy.empty() ? 0.0 : r.accuracy.back(), "%.2f%%")});
  std::vector<size_t> w(head.size());
  for (size_t c = 0; c < head.size(); ++c) {
    w[c] = head[c].size();
    for (const auto& row : cells) w[c] = std::max(w[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& v) {
    std::string s;
    for (size_t c = 0; c < v.size(); ++c) {
      const std::string pad(w[c] - v[c].size(), ' ');
      s += c < 2 ? v[c] + pad : pad + v[c];  // names left, numbers right
      if (c + 1 < v.size()) s += "  ";
    }
    std::printf("%s\n", s.c_str());
  };
  line(head);
  std::vector<std::string> rule;
  for (size_t c = 0; c < head.size(); ++c) rule.push_back(std::string(w[c], '-'));
  line(rule);
  for (const auto& row : cells) line(row);
}

}  // namespace

int cmd_sweep(int argc, char** argv, int first) {
  Args args;
  const CommandDef def{kCommand, kUsage, kSummary, options()};
  if (const int done = begin_command(def, argc, argv, first, &args); done >= 0) return done;
  if (!args.positional().empty())
    return usage_error(kCommand, "unexpected argument '" + args.positional()[0] +
                                     "'; name the presets with --presets, e.g. --presets softmax,R1");
  if (args.flag("augment") && args.flag("no-augment"))
    return usage_error(kCommand, "--augment and --no-augment contradict each other; give one of them");

  // ---- options ----
  std::vector<const dl::Preset*> presets;
  std::string error;
  if (!parse_presets(args.text("presets", kDefaultPresets), &presets, &error)) return usage_error(kCommand, error);
  int epochs = 3, batch = 64, subset_n = -1, threads = 1;
  uint64_t seed = 1;
  float lr = 1e-3f;
  args.get_int("epochs", 1, 100000, &epochs);
  args.get_int("batch", 1, 65536, &batch);
  args.get_float("lr", 1e-12, 100.0, &lr);
  args.get_u64("seed", &seed);
  args.get_int("subset", 1, 100000000, &subset_n);
  args.get_int("threads", 1, 256, &threads);
  if (!args.ok()) return usage_error(kCommand, args.error());
  dl::OptimizerConfig opt_cfg;
  dl::Status s = dl::parse_optimizer(args.text("optimizer", "adam"), &opt_cfg.kind);
  if (!s) return usage_error(kCommand, s.message());
  opt_cfg.lr = lr;
  const std::string schedule_text = args.text("schedule", "cosine");
  dl::ScheduleConfig sched_cfg;
  s = dl::parse_schedule(schedule_text, &sched_cfg);
  if (!s) return usage_error(kCommand, s.message());
  if (sched_cfg.kind == dl::ScheduleConfig::Plateau)
    return usage_error(kCommand,
                       "--schedule plateau needs a validation split, which a sweep does not hold out; "
                       "use cosine, constant or step:E:G");
  const bool augment = args.flag("augment");
  const std::string csv_path = args.text("csv", "sweep.csv");
  const std::string plot_path = args.text("plot", "sweep.png");
  const std::string out_dir = args.text("out-dir");
  if (csv_path.empty()) return usage_error(kCommand, "--csv needs a file name");
  if (plot_path.empty()) return usage_error(kCommand, "--plot needs a file name");
  if (args.given("out-dir") && out_dir.empty()) return usage_error(kCommand, "--out-dir needs a folder");
  // What each preset's training allocates at this batch on these threads, before anything loads.
  for (const dl::Preset* preset : presets) {
    s = dl::plan_resources(preset->spec, batch, threads, dl::Use::Training, dl::kCliBudgetBytes);
    if (!s)
      return usage_error(kCommand, std::string("cannot train ") + preset->name + " with --batch " +
                                       std::to_string(batch) + " and --threads " + std::to_string(threads) + ": " +
                                       s.message());
  }

  // ---- data, and the output files checked before hours of training ----
  std::string dir;
  if (!data_dir(args, &dir, &error)) return usage_error(kCommand, error);
  dl::Dataset train, test;
  if (!load_split(kCommand, dir, "train", &train) || !load_split(kCommand, dir, "test", &test)) return kExitRuntime;
  if (subset_n > 0) train = dl::subset(train, subset_n);
  if (!out_dir.empty() && ::mkdir(out_dir.c_str(), 0777) != 0 && errno != EEXIST)
    return runtime_error(kCommand, "cannot create the folder '" + out_dir + "': " + std::strerror(errno));
  std::vector<Row> rows;
  if (!(s = write_csv(csv_path, rows, epochs))) return runtime_error(kCommand, s.message());

  const std::string budget = with_commas(train.count) + " training images, " + std::to_string(epochs) + " epoch" +
                             (epochs == 1 ? "" : "s") + ", " + dl::optimizer_name(opt_cfg.kind) + " lr " +
                             format_float(lr, "%g") + " " + schedule_text + ", batch " + std::to_string(batch) + ", " +
                             (augment ? "augmentation" : "no augmentation") + ", seed " + std::to_string(seed);
  std::printf(
      "sweep of %zu presets, each with the same budget: %s; %d thread%s; tested on %s images after each epoch\n",
      presets.size(), budget.c_str(), threads, threads == 1 ? "" : "s", with_commas(test.count).c_str());
  std::fflush(stdout);

  LinePlot plot;
  plot.title = "MNIST test accuracy after each epoch, by number of hidden layers";
  plot.subtitle = budget;
  plot.x_label = "epoch";
  plot.y_label = "test accuracy (%)";
  // Writes the CSV and the chart with the presets finished so far.
  auto write_outputs = [&]() {
    dl::Status ws = write_csv(csv_path, rows, epochs);
    if (ws) {
      plot.series.clear();
      for (const Row& r : rows) {
        std::string label = std::string(r.preset->name) + ": ";
        if (r.preset->hidden_layers >= 0) label += std::to_string(r.preset->hidden_layers) + " hidden, ";
        plot.series.push_back({label + format_float(r.accuracy.back(), "%.2f%%"), r.accuracy});
      }
      ws = write_line_plot(plot_path, plot);
    }
    return ws;
  };

  // ---- the presets, one after the other ----
  install_sigint();
  Progress progress(stderr);
  for (const dl::Preset* preset : presets) {
    dl::Model model;
    s = dl::Model::build(preset->spec, seed, &model);
    if (!s)
      return runtime_error(kCommand, std::string("the preset '") + preset->name + "' does not build: " + s.message());
    model.set_threads(threads);
    const dl::RunConfig run_cfg = run_config(opt_cfg, sched_cfg, batch, epochs, augment, seed);
    dl::TrainRun run;
    s = run.begin(&model, &train, run_cfg);
    if (!s) return runtime_error(kCommand, std::string("cannot train ") + preset->name + ": " + s.message());
    progress.set_prefix(std::string(preset->name) + " ");

    Row row;
    row.preset = preset;
    row.spec = model.spec();
    row.params = model.num_params();
    row.flops = 2 * model.macs_per_image();
    for (int epoch = 0; epoch < epochs; ++epoch) {
      const EpochResult r = run_epoch(&run, epochs, &progress);
      row.train_seconds += r.seconds;
      row.images += r.seen;
      if (r.end != EpochResult::Done) {
        s = write_outputs();
        const std::string kept = rows.empty() ? "no preset finished"
                                              : std::to_string(rows.size()) + " finished preset" +
                                                    (rows.size() == 1 ? "" : "s") + " written to " + csv_path +
                                                    " and " + plot_path;
        if (!s) return runtime_error(kCommand, s.message());
        if (r.end == EpochResult::Interrupted) {
          std::fprintf(stderr, "digitlab sweep: interrupted in %s epoch %d; %s\n", preset->name, epoch + 1,
                       kept.c_str());
          return kExitInterrupted;
        }
        return runtime_error(kCommand, std::string(preset->name) + " diverged at epoch " + std::to_string(epoch + 1) +
                                           " step " + std::to_string(r.diverged_step + 1) + " (" +
                                           r.divergence.cause() + "): lower the learning rate, e.g. --lr " +
                                           format_float(lr / 10, "%g") + "; " + kept);
      }
      const dl::Evaluation ev = dl::evaluate(model, test);
      row.accuracy.push_back(100.0 * ev.accuracy());
      std::printf("%s epoch %d/%d: loss %.4f, train %s, test %s, lr %.3g, %.1f s, %.0f img/s\n", preset->name,
                  epoch + 1, epochs, r.mean_loss(), percent_text(r.accuracy()).c_str(),
                  percent_text(ev.accuracy()).c_str(), run.schedule().lr(run.steps_done() - 1), r.seconds,
                  r.images_per_second());
      std::fflush(stdout);
    }
    if (!out_dir.empty()) {
      std::map<std::string, std::string> md;
      md["epochs"] = std::to_string(epochs);
      md["state"] = "complete";
      md["seed"] = std::to_string(seed);
      md["optimizer"] = dl::optimizer_name(opt_cfg.kind);
      md["lr"] = format_float(lr, "%.9g");
      md["schedule"] = schedule_text;
      md["augment"] = augment ? "yes" : "no";
      md["batch"] = std::to_string(batch);
      md["train_images"] = std::to_string(train.count);
      md["threads"] = std::to_string(threads);
      md["test_accuracy"] = format_float(row.accuracy.back() / 100.0, "%.9g");
      md["date"] = utc_date();
      md["training_seconds"] = format_float(row.train_seconds, "%.1f");
      md["images_per_second"] = format_float(row.images_per_second(), "%.0f");
      md["command"] = args.command_line();
      const std::string path = out_dir + "/" + preset->name + ".safetensors";
      s = dl::save_model_file(path, model, md, nullptr);
      if (!s) return runtime_error(kCommand, s.message());
    }
    rows.push_back(row);
    s = write_outputs();
    if (!s) return runtime_error(kCommand, s.message());
  }
  restore_sigint();

  std::printf("\n");
  print_table(rows);
  std::printf("\ntable written to %s, test accuracy curves to %s%s\n", csv_path.c_str(), plot_path.c_str(),
              out_dir.empty() ? "" : (", models to " + out_dir + "/").c_str());
  return kExitOk;
}

}  // namespace digitlab
