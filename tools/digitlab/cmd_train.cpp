// cmd_train.cpp — `digitlab train`: trains one network, epoch by epoch, with checkpoints.
//
// The run is a dl::TrainRun (engine/train_run.h: shuffle, batches, augmentation, learning rate,
// snapshots), each epoch stepped by run_epoch (training_loop.h). At each epoch end: validation
// accuracy, the plateau schedule fed with it, a summary line and a checkpoint (weights + optimizer
// state + the run's state + training facts) at --out. At the end: the accuracy on the 10,000-image
// test set, printed and stored in the file.
//
// Reproducibility: the same seed and the same --threads give bit-identical tensors, and a run
// resumed from a checkpoint sees the same batches as an uninterrupted one (train_run.h). The
// file's __metadata__ also holds the date and timings, so two files of identical runs differ in
// those strings only, never in their tensors.
//
// Not here: the training step itself (engine/train.h) and file formats (engine/model_io.h).
#include <dirent.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
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
#include "progress.h"
#include "resume.h"
#include "training_loop.h"

namespace digitlab {

namespace {

constexpr const char* kCommand = "train";
constexpr const char* kDefaultPreset = "digitlab";

const std::vector<OptionDef>& options() {
  static const std::vector<OptionDef> kOptions = {
      {"epochs", "N", "10", "number of epochs (in total, when resuming)"},
      {"batch", "N", "64", "images per training step"},
      {"optimizer", "NAME", "adam", "adam, sgd or rmsprop"},
      {"lr", "X", "0.001", "learning rate"},
      {"momentum", "X", "0.9", "momentum (sgd only)"},
      {"weight-decay", "X", "0", "decoupled weight decay on weights (not biases, not BatchNorm)"},
      {"schedule", "S", "constant",
       "learning-rate schedule: constant, step:E:G (x G every E epochs), cosine, plateau:F:P (x F after P epochs "
       "without better validation accuracy)"},
      {"warmup", "E", "0", "linear learning-rate warm-up over the first E epochs (may be fractional, e.g. 0.03)"},
      {"augment", nullptr, "on", "random rotation (+-10 deg), zoom (+-10%) and shift (+-10%) of training images"},
      {"no-augment", nullptr, "", "train on the images as they are"},
      {"seed", "N", "1", "seed of the initial weights, the shuffles, augmentation and dropout"},
      {"data", "DIR", "$MNIST_DIR", "folder with the four MNIST files"},
      {"validation", "N", "5000",
       "hold out the last N training images for validation (0: monitor the test set instead)"},
      {"subset", "N", "all", "use only the first N training images (quick experiments)"},
      {"threads", "N", "1", "worker threads (results are reproducible for a given thread count)"},
      {"out", "FILE", "digitlab.safetensors", "model file, rewritten after every epoch"},
      {"resume", "FILE", "", "continue from a checkpoint; options not given are taken from it"},
      {"weights-only", nullptr, "",
       "write the final file without the optimizer state (a third of the size; cannot be resumed)"},
  };
  return kOptions;
}

const char* kUsage = "digitlab train [SPEC_OR_PRESET] [options]";
const char* kSummary =
    "Trains a network on MNIST. SPEC_OR_PRESET is a preset name (see `digitlab info --presets`) or an\n"
    "architecture spec, quoted as one argument, e.g. \"c32k5 c32k5 p2 d.25 f256 d.5 f10\" (default: the\n"
    "preset 'digitlab', the shipped model). Progress goes to stderr, one summary line per epoch to\n"
    "stdout. Ctrl-C stops after the current step and leaves a checkpoint that --resume continues.";

std::string float_text(double v) { return format_float(v, "%.9g"); }

// Removes the temporary files (model_io's "<out>.<pid>.tmp") that runs writing `out` left when they
// were killed mid-save (a second Ctrl-C), telling which; a file of a process still alive stays.
void remove_stale_temporaries(const std::string& out) {
  const size_t slash = out.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : out.substr(0, slash));
  const std::string base = slash == std::string::npos ? out : out.substr(slash + 1);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    // base + "." + digits + ".tmp"
    if (name.size() <= base.size() + 5 || name.compare(0, base.size() + 1, base + ".") != 0 ||
        name.compare(name.size() - 4, 4, ".tmp") != 0)
      continue;
    const std::string digits = name.substr(base.size() + 1, name.size() - base.size() - 5);
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::strtol(digits.c_str(), nullptr, 10);
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)
      continue;  // a live process (or one we may not signal): not ours to remove
    const std::string path = (slash == std::string::npos ? "" : out.substr(0, slash + 1)) + name;
    if (std::remove(path.c_str()) == 0)
      std::fprintf(stderr, "digitlab train: removed %s, a stale temporary file of an interrupted save\n", path.c_str());
  }
  ::closedir(d);
}

}  // namespace

int cmd_train(int argc, char** argv, int first) {
  Args args;
  const CommandDef def{kCommand, kUsage, kSummary, options()};
  if (const int done = begin_command(def, argc, argv, first, &args); done >= 0) return done;
  if (args.flag("augment") && args.flag("no-augment"))
    return usage_error(kCommand, "--augment and --no-augment contradict each other; give one of them");

  // ---- the model: new from a spec, or from a checkpoint ----
  std::string spec_arg;
  for (const std::string& p : args.positional()) spec_arg += (spec_arg.empty() ? "" : " ") + p;

  dl::Model model;
  dl::SafeTensorsFile resume_file;
  const bool resuming = args.given("resume");
  const std::string resume_path = args.text("resume");
  ResumePoint resume;
  std::string last_val_text, last_test_text;  // accuracies for the metadata ("" = not measured)
  if (resuming) {
    std::vector<uint8_t> bytes;
    dl::Status s = dl::read_file_bytes(resume_path, dl::kMaxModelFileBytes, &bytes);
    if (s) s = dl::parse_safetensors(bytes.data(), bytes.size(), &resume_file);
    if (s) s = dl::model_from_safetensors(resume_file, &model);
    if (s) s = read_resume_point(resume_file.metadata, "the checkpoint", &resume);
    if (!s) return runtime_error(kCommand, "cannot resume from '" + resume_path + "': " + s.message());
    const auto& md = resume_file.metadata;
    if (!spec_arg.empty()) {
      std::vector<dl::LayerSpec> layers;
      std::string canonical;
      dl::Status ps = dl::parse_spec(spec_arg, &layers, &canonical);
      if (!ps) return usage_error(kCommand, "invalid architecture: " + ps.message());
      if (canonical != model.spec())
        return usage_error(kCommand, "the architecture '" + canonical + "' differs from the checkpoint's '" +
                                         model.spec() + "'; leave it out when resuming");
    }
    apply_checkpoint_options(md, "the checkpoint", &args);
    args.set_default("out", resume_path);
    last_val_text = resume.validation_accuracy;
  }
  int start_epoch = resume.epochs_done, start_step = resume.epoch_steps;
  const double previous_seconds = resume.training_seconds;

  // ---- options ----
  int epochs = 10, batch = 64, validation = 5000, subset_n = -1, threads = 1;
  uint64_t seed = 1;
  dl::OptimizerConfig opt_cfg;
  float lr = 1e-3f, momentum = opt_cfg.momentum, weight_decay = 0.0f, warmup = 0.0f;
  args.get_int("epochs", 1, 100000, &epochs);
  args.get_int("batch", 1, 65536, &batch);
  args.get_float("lr", 1e-12, 100.0, &lr);
  args.get_float("momentum", 0.0, 0.999999, &momentum);
  args.get_float("weight-decay", 0.0, 1.0, &weight_decay);
  args.get_float("warmup", 0.0, 100000.0, &warmup);
  args.get_u64("seed", &seed);
  args.get_int("validation", 0, 1000000, &validation);
  args.get_int("subset", 1, 100000000, &subset_n);
  args.get_int("threads", 1, 256, &threads);
  if (!args.ok()) return usage_error(kCommand, args.error());
  const std::string optimizer_text = args.text("optimizer", "adam");
  dl::Status s = dl::parse_optimizer(optimizer_text, &opt_cfg.kind);
  if (!s) return usage_error(kCommand, s.message());
  if (args.given("momentum") && opt_cfg.kind != dl::OptimizerConfig::SGD)
    return usage_error(kCommand, "--momentum applies to --optimizer sgd only");
  opt_cfg.lr = lr;
  opt_cfg.momentum = momentum;
  opt_cfg.weight_decay = weight_decay;
  const std::string schedule_text = args.text("schedule", "constant");
  dl::ScheduleConfig sched_cfg;
  s = dl::parse_schedule(schedule_text, &sched_cfg);
  if (!s) return usage_error(kCommand, s.message());
  sched_cfg.warmup_epochs = warmup;
  const bool augment = !args.flag("no-augment");
  const std::string out_path = args.text("out", "digitlab.safetensors");
  if (out_path.empty()) return usage_error(kCommand, "--out needs a file name");
  if (resuming && start_epoch >= epochs)
    return usage_error(kCommand, "'" + resume_path + "' has already trained " + std::to_string(start_epoch) +
                                     " epochs; ask for more with --epochs N (N > " + std::to_string(start_epoch) + ")");

  if (!resuming) {
    const std::string spec = spec_arg.empty() ? kDefaultPreset : spec_arg;
    s = dl::Model::build(spec, seed, &model);
    if (!s) return usage_error(kCommand, "invalid architecture: " + s.message());
  }
  // Everything training at this batch on these threads allocates, checked before the data loads.
  s = dl::plan_resources(model.layer_specs(), batch, threads, dl::Use::Training, dl::kCliBudgetBytes);
  if (!s)
    return usage_error(kCommand, "cannot train with --batch " + std::to_string(batch) + " and --threads " +
                                     std::to_string(threads) + ": " + s.message());

  // ---- data ----
  std::string dir, error;
  if (!data_dir(args, &dir, &error)) return usage_error(kCommand, error);
  dl::Dataset all, train, val, test;
  if (!load_split(kCommand, dir, "train", &all) || !load_split(kCommand, dir, "test", &test)) return kExitRuntime;
  if (subset_n > 0) all = dl::subset(all, subset_n);
  if (validation >= all.count)
    return usage_error(kCommand, "--validation " + std::to_string(validation) + " leaves no training images out of " +
                                     std::to_string(all.count) + "; choose a smaller --validation");
  // The validation split is the last N images, the same for every seed (a fixed hold-out set).
  dl::split_dataset(all, validation, /*shuffle_seed=*/0, &train, &val);
  all = dl::Dataset();  // free the copy

  // ---- the run ----
  model.set_threads(threads);
  const dl::RunConfig run_cfg = run_config(opt_cfg, sched_cfg, batch, epochs, augment, seed);
  dl::TrainRun run;
  s = run.begin(&model, &train, run_cfg);
  if (!s) return usage_error(kCommand, "cannot train: " + s.message());
  const int n = run.images();
  const int steps_per_epoch = run.steps_per_epoch();
  if (resuming) {
    s = check_resume_step(resume, steps_per_epoch, "the checkpoint");
    // Checkpoints written before the run kept its own state ("run_step") give their position in
    // epochs and steps, which is the same step.
    if (s && !resume_file.metadata.count("run_step"))
      resume_file.metadata["run_step"] =
          std::to_string(static_cast<int64_t>(start_epoch) * steps_per_epoch + start_step);
    if (s) s = run.restore(resume_file);
    if (!s) return runtime_error(kCommand, "cannot resume from '" + resume_path + "': " + s.message());
    resume_file = dl::SafeTensorsFile();
    start_epoch = run.epoch();
    start_step = run.step_in_epoch();
    if (run.finished()) start_epoch = epochs;
  }
  if (start_epoch >= epochs)
    return usage_error(kCommand, "'" + resume_path + "' has already trained " + std::to_string(start_epoch) +
                                     " epochs; ask for more with --epochs N (N > " + std::to_string(start_epoch) + ")");

  std::printf(
      "training %s (%s parameters) on %s images, %s; %s lr %g%s, schedule %s%s, batch %d, augmentation %s, "
      "seed %llu, %d thread%s\n",
      model.spec().c_str(), with_commas(model.num_params()).c_str(), with_commas(n).c_str(),
      validation > 0 ? ("validating on " + with_commas(val.count)).c_str()
                     : "no validation split (the test set is monitored, not used for decisions)",
      dl::optimizer_name(opt_cfg.kind), lr,
      opt_cfg.kind == dl::OptimizerConfig::SGD ? format_float(momentum, " momentum %g").c_str() : "",
      schedule_text.c_str(), warmup > 0 ? format_float(warmup, " after %g warm-up epochs").c_str() : "", batch,
      augment ? "on" : "off", static_cast<unsigned long long>(seed), threads, threads == 1 ? "" : "s");
  if (resuming)
    std::printf("resuming from %s after %d epochs%s\n", resume_path.c_str(), start_epoch,
                start_step ? (" and " + std::to_string(start_step) + " steps").c_str() : "");
  std::fflush(stdout);

  // ---- checkpoints ----
  double train_seconds = 0;  // time spent in training steps in this run
  long images_trained = 0;   // in this run
  int last_saved_epoch = resuming ? start_epoch : -1;
  auto save = [&](int epochs_done, int epoch_steps, const char* state, bool with_optimizer) {
    std::map<std::string, std::string> md;
    md["epochs"] = std::to_string(epochs_done);
    md["epoch_steps"] = std::to_string(epoch_steps);
    md["epochs_planned"] = std::to_string(epochs);
    md["state"] = state;
    md["seed"] = std::to_string(seed);
    md["optimizer"] = dl::optimizer_name(opt_cfg.kind);
    md["lr"] = float_text(lr);
    if (opt_cfg.kind == dl::OptimizerConfig::SGD) md["momentum"] = float_text(momentum);
    md["weight_decay"] = float_text(weight_decay);
    md["schedule"] = schedule_text;
    md["warmup"] = float_text(warmup);
    md["augment"] = augment ? "yes" : "no";
    md["batch"] = std::to_string(batch);
    md["train_images"] = std::to_string(n);
    md["validation_images"] = std::to_string(validation);
    if (subset_n > 0) md["subset"] = std::to_string(subset_n);
    md["threads"] = std::to_string(threads);
    if (!last_val_text.empty()) md["validation_accuracy"] = last_val_text;
    if (!last_test_text.empty()) md["test_accuracy"] = last_test_text;
    // Wall-clock facts: they differ between identical runs (the tensors do not).
    md["date"] = utc_date();
    md["training_seconds"] = format_float(previous_seconds + train_seconds, "%.1f");
    md["images_per_second"] = format_float(train_seconds > 0 ? images_trained / train_seconds : 0, "%.0f");
    md["command"] = args.command_line();
    if (!with_optimizer) {
      md.erase("epoch_steps");
      return dl::save_model_file(out_path, model, md, nullptr);
    }
    for (const auto& kv : run.state_metadata()) md[kv.first] = kv.second;
    return dl::save_model_file(out_path, model, md, &run.optimizer());
  };

  remove_stale_temporaries(out_path);
  install_sigint();
  Progress progress(stderr);

  for (int epoch = start_epoch; epoch < epochs; ++epoch) {
    const EpochResult r = run_epoch(&run, epochs, &progress);
    train_seconds += r.seconds;
    images_trained += r.seen;
    if (r.end == EpochResult::Diverged) {
      std::string where = last_saved_epoch >= 0 ? "; the last good checkpoint (" + std::to_string(last_saved_epoch) +
                                                      " epochs) is " + out_path
                                                : "; no checkpoint was written";
      return runtime_error(kCommand, "training diverged at epoch " + std::to_string(epoch + 1) + " step " +
                                         std::to_string(r.diverged_step + 1) + " (" + r.divergence.cause() +
                                         "): lower the learning rate, e.g. --lr " +
                                         format_float(r.divergence.lr / 10, "%g") + where);
    }
    if (r.end == EpochResult::Interrupted) {
      const bool epoch_done = r.next_step == steps_per_epoch;
      s = save(epoch_done ? epoch + 1 : epoch, epoch_done ? 0 : r.next_step, "interrupted", true);
      if (!s) return runtime_error(kCommand, "interrupted, and the checkpoint could not be written: " + s.message());
      std::fprintf(stderr,
                   "digitlab train: interrupted at epoch %d step %d/%d; checkpoint written to %s "
                   "(continue with: digitlab train --resume %s)\n",
                   epoch + 1, r.next_step, steps_per_epoch, out_path.c_str(), shell_quote(out_path).c_str());
      return kExitInterrupted;
    }
    const long seen = r.seen, correct = r.correct;
    const double loss_sum = r.loss_sum, epoch_seconds = r.seconds;

    // ---- epoch end: validation, schedule, summary, checkpoint ----
    const float lr_now = run.schedule().lr(run.steps_done() - 1);  // the epoch's last step's
    const double train_acc = seen ? static_cast<double>(correct) / seen : 0;
    std::string monitor;
    float decision_acc = static_cast<float>(train_acc);
    if (validation > 0) {
      const dl::Evaluation ev = dl::evaluate(model, val);
      last_val_text = float_text(ev.accuracy());
      decision_acc = ev.accuracy();
      monitor = "validation " + percent_text(ev.accuracy()) + " (" + std::to_string(ev.correct) + "/" +
                std::to_string(ev.count) + ")";
    } else {
      const dl::Evaluation ev = dl::evaluate(model, test);
      last_test_text = float_text(ev.accuracy());
      monitor = "test " + percent_text(ev.accuracy()) + " (" + std::to_string(ev.correct) + "/" +
                std::to_string(ev.count) + ", monitor only, not used for decisions)";
    }
    const bool dropped = sched_cfg.kind == dl::ScheduleConfig::Plateau && run.on_epoch_end(decision_acc);
    std::printf("epoch %d/%d: loss %.4f, train %s, %s, lr %.3g, %.1f s, %.0f img/s%s\n", epoch + 1, epochs,
                seen ? loss_sum / seen : 0.0, percent_text(train_acc).c_str(), monitor.c_str(), lr_now, epoch_seconds,
                epoch_seconds > 0 ? seen / epoch_seconds : 0.0,
                dropped ? format_float(sched_cfg.factor, " (plateau: learning rate x %g from now on)").c_str() : "");
    std::fflush(stdout);
    const bool last = epoch + 1 == epochs;
    s = save(epoch + 1, 0, last ? "complete" : "in progress", true);
    if (!s) return runtime_error(kCommand, s.message());
    last_saved_epoch = epoch + 1;
    if (interrupted()) {
      std::fprintf(stderr,
                   "digitlab train: interrupted after epoch %d; checkpoint written to %s "
                   "(continue with: digitlab train --resume %s)\n",
                   epoch + 1, out_path.c_str(), shell_quote(out_path).c_str());
      return kExitInterrupted;
    }
  }
  restore_sigint();

  // ---- the final test accuracy ----
  const dl::Evaluation ev = dl::evaluate(model, test);
  last_test_text = float_text(ev.accuracy());
  std::printf("test accuracy %s (%d/%d)\n", percent_text(ev.accuracy()).c_str(), ev.correct, ev.count);
  s = save(epochs, 0, "complete", !args.flag("weights-only"));
  if (!s) return runtime_error(kCommand, s.message());
  std::printf("model written to %s (%s of training, %.0f img/s)\n", out_path.c_str(),
              duration_text(previous_seconds + train_seconds).c_str(),
              train_seconds > 0 ? images_trained / train_seconds : 0.0);
  return kExitOk;
}

}  // namespace digitlab
