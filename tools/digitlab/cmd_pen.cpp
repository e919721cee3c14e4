// cmd_pen.cpp — `digitlab pen`: reads recorded pen-written digits (pen_digits.h) through the page's
// own pipeline (pad placement, the pad's rasteriser, MNIST-style preprocessing; strokes.h) and
// reports the model's accuracy per writer. With --teach K it also runs the "Teach it" experiment per
// writer: fine-tune a copy of the model on K digits per class of that writer (dl::FinetuneRun, the
// page's recipe) and measure on the writer's other digits, before and after, with the MNIST
// forgetting check.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common.h"
#include "finetune.h"
#include "metrics.h"
#include "my_digits.h"
#include "pen_digits.h"
#include "train.h"

namespace digitlab {

namespace {

constexpr const char* kCommand = "pen";

const std::vector<OptionDef>& options() {
  static const std::vector<OptionDef> kOptions = {
      {"pen", "FILE", "", "the pen digits, a JSON list of {label, writer, strokes}"},
      {"size", "FRACTION", "0.6", "the digit's larger side on the pad (a person fills about 0.6)"},
      {"at", "X,Y", "0.5,0.5", "where its centre goes on the pad (0-1 each)"},
      {"teach", "K", "0", "also teach each writer K digits per class and measure on the rest (0: no)"},
      {"steps", "N", "60", "training batches of each teach (the page's recipe)"},
      {"batch", "N", "32", "images per teaching batch, half the writer's"},
      {"lr", "RATE", "0.0001", "Adam's learning rate of each teach"},
      {"data", "DIR", "$MNIST_DIR", "folder with the four MNIST files (only with --teach)"},
      {"mnist-test", "N", "10000", "MNIST test images of the forgetting check (only with --teach)"},
      {"writers", "A[-B]", "", "only these writers' digits (one id or a range)"},
      {"export", "DIR", "", "also write the drawn 28x28 inputs as an IDX pair (finetune --digits DIR reads it)"},
      {"csv", "FILE", "", "also write the per-writer table as CSV"},
      {"answers", "FILE", "", "also write every digit's answer as CSV (index in the file, writer, label, answer)"},
      {"threads", "N", "1", "worker threads"},
  };
  return kOptions;
}

const char* kUsage = "digitlab pen MODEL_FILE --pen FILE [options]";
const char* kSummary =
    "Replays recorded pen-written digits through the page's drawing pipeline (placed on the pad, drawn by\n"
    "the pad's rasteriser, preprocessed as MNIST was) and prints the model's accuracy for each writer.\n"
    "--teach K also fine-tunes a copy for each writer on K of their digits per class (the page's Teach it)\n"
    "and measures that writer's other digits before and after.";

struct WriterRow {
  int writer = 0, digits = 0, correct = 0;
  int taught = 0, measured = 0, before = 0, after = 0;
  double mnist_after = 0, seconds = 0;
};

bool parse_at(const std::string& text, float* x, float* y) {
  return std::sscanf(text.c_str(), "%f,%f", x, y) == 2 && *x >= 0 && *x <= 1 && *y >= 0 && *y <= 1;
}

int count_correct(dl::Model& model, const dl::Dataset& d) { return dl::evaluate(model, d).correct; }

}  // namespace

int cmd_pen(int argc, char** argv, int first) {
  Args args;
  const CommandDef def{kCommand, kUsage, kSummary, options()};
  if (const int done = begin_command(def, argc, argv, first, &args); done >= 0) return done;
  dl::PadPlacement where;
  int teach = 0, threads = 1, mnist_test = 10000, first_writer = -1, last_writer = -1;
  dl::FinetuneOptions fopt;
  args.get_float("size", 0.05, 1.0, &where.size);
  args.get_int("teach", 0, 100, &teach);
  args.get_int("steps", 1, 10000, &fopt.steps);
  args.get_int("batch", 2, 256, &fopt.batch);
  args.get_float("lr", 1e-7, 1.0, &fopt.lr);
  args.get_int("mnist-test", 0, 10000, &mnist_test);
  args.get_int("threads", 1, 256, &threads);
  if (!args.ok()) return usage_error(kCommand, args.error());
  if (args.given("writers")) {
    const std::string w = args.text("writers");
    const int n = std::sscanf(w.c_str(), "%d-%d", &first_writer, &last_writer);
    if (n == 1) last_writer = first_writer;
    if (n < 1 || first_writer < 0 || last_writer < first_writer)
      return usage_error(kCommand, "--writers expects an id or a range A-B, e.g. 28 or 1-20, not '" + w + "'");
  }
  if (args.given("at") && !parse_at(args.text("at"), &where.cx, &where.cy))
    return usage_error(kCommand, "--at expects X,Y with each 0-1, e.g. 0.5,0.5");
  if (args.positional().size() != 1) return usage_error(kCommand, "give one model file");
  const std::string pen_path = args.text("pen"), csv = args.text("csv"), export_dir = args.text("export"),
                    answers_path = args.text("answers");
  if (pen_path.empty()) return usage_error(kCommand, "--pen FILE names the pen digits (a JSON list)");

  std::vector<dl::PenDigit> pen;
  if (dl::Status s = dl::read_pen_digits(pen_path, &pen); !s) return runtime_error(kCommand, s.message());
  if (first_writer >= 0) {
    pen.erase(std::remove_if(pen.begin(), pen.end(),
                             [&](const dl::PenDigit& d) { return d.writer < first_writer || d.writer > last_writer; }),
              pen.end());
    if (pen.empty()) return runtime_error(kCommand, pen_path + " has no digits of writers " + args.text("writers"));
  }
  dl::Model model;
  std::map<std::string, std::string> metadata;
  if (!load_model(kCommand, args.positional()[0], &model, &metadata)) return kExitRuntime;
  model.set_threads(threads);
  dl::Dataset train, test;
  if (teach > 0) {
    std::string dir, error;
    if (!data_dir(args, &dir, &error)) return usage_error(kCommand, error);
    if (!load_split(kCommand, dir, "train", &train) || !load_split(kCommand, dir, "test", &test)) return kExitRuntime;
  }

  // Every digit through the pad's pipeline, grouped by writer in file order.
  const double t0 = now_seconds();
  std::map<int, dl::Dataset> by_writer;
  std::vector<float> raster(dl::kPadRaster * dl::kPadRaster), input(dl::kImageSize);
  std::vector<dl::PenPoint> scratch;
  for (const dl::PenDigit& d : pen) {
    dl::strokes_to_input(dl::place_on_pad(d, where), raster.data(), input.data(), &scratch);
    dl::Dataset& w = by_writer[d.writer];
    w.images.insert(w.images.end(), input.begin(), input.end());
    w.labels.push_back(static_cast<uint8_t>(d.label));
    ++w.count;
  }
  std::fprintf(stderr, "%s digits of %zu writers drawn in %.1f s\n", with_commas(static_cast<int64_t>(pen.size())).c_str(),
               by_writer.size(), now_seconds() - t0);

  if (!answers_path.empty()) {
    // One forward pass per digit in file order (the writers' datasets keep file order within a writer).
    FILE* f = std::fopen(answers_path.c_str(), "w");
    if (!f) return runtime_error(kCommand, "cannot write " + answers_path + " (check the folder is writable)");
    std::fprintf(f, "index,writer,label,answer\n");
    std::map<int, int> next;  // writer -> position in its dataset
    for (size_t i = 0; i < pen.size(); ++i) {
      const dl::Dataset& d = by_writer[pen[i].writer];
      const int k = next[pen[i].writer]++;
      const int answer = dl::argmax10(model.forward(d.image(k), 1));
      std::fprintf(f, "%zu,%d,%d,%d\n", i, pen[i].writer, pen[i].label, answer);
    }
    std::fclose(f);
  }
  if (!export_dir.empty()) {
    std::vector<uint8_t> images, labels;  // (n, 784) and (n), as MNIST stores them
    for (const auto& [writer, d] : by_writer) {
      for (float v : d.images) images.push_back(static_cast<uint8_t>(std::lround(255.0f * std::clamp(v, 0.0f, 1.0f))));
      labels.insert(labels.end(), d.labels.begin(), d.labels.end());
    }
    const int n = static_cast<int>(labels.size());
    std::error_code ec;
    std::filesystem::create_directories(export_dir, ec);
    const std::pair<const char*, std::vector<uint8_t>> files[] = {{"/pen-images-idx3-ubyte", dl::write_idx({n, 28, 28}, images.data())},
                                                                   {"/pen-labels-idx1-ubyte", dl::write_idx({n}, labels.data())}};
    for (const auto& [name, bytes] : files) {
      FILE* f = std::fopen((export_dir + name).c_str(), "wb");
      const bool ok = f && std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
      if (f) std::fclose(f);
      if (!ok) return runtime_error(kCommand, "cannot write " + export_dir + name + " (check the folder is writable)");
    }
    std::printf("%s digits written to %s (pen-images-idx3-ubyte, pen-labels-idx1-ubyte)\n", with_commas(n).c_str(),
                export_dir.c_str());
  }

  double mnist_before = -1;
  if (teach > 0 && mnist_test > 0) {
    mnist_before = dl::evaluate(model, dl::subset(test, mnist_test)).accuracy();
    std::printf("MNIST test before teaching: %s (%s images)\n", percent_text(mnist_before).c_str(),
                with_commas(mnist_test).c_str());
  }
  std::vector<WriterRow> rows;
  for (auto& [writer, d] : by_writer) {
    WriterRow row;
    row.writer = writer;
    row.digits = d.count;
    row.correct = count_correct(model, d);
    if (teach > 0) {
      // The first K of each class are taught, the rest measured.
      dl::Dataset taught, rest;
      int per_class[10] = {};
      for (int i = 0; i < d.count; ++i) {
        dl::Dataset& to = per_class[d.labels[i]]++ < teach ? taught : rest;
        to.images.insert(to.images.end(), d.image(i), d.image(i) + dl::kImageSize);
        to.labels.push_back(d.labels[i]);
        ++to.count;
      }
      dl::Model copy;
      if (dl::Status s = dl::clone_model(model, &copy); !s) return runtime_error(kCommand, s.message());
      copy.set_threads(threads);
      dl::FinetuneOptions o = fopt;
      o.holdout = 0;
      o.mnist_test = mnist_test;
      o.mnist_before = mnist_before;
      dl::FinetuneRun run;
      if (dl::Status s = run.begin(&copy, &taught, &train, &test, o); !s) return runtime_error(kCommand, s.message());
      while (!run.advance(1e9)) {
      }
      row.taught = taught.count;
      row.measured = rest.count;
      row.before = count_correct(model, rest);
      row.after = count_correct(copy, rest);
      row.mnist_after = run.report().mnist_after;
      row.seconds = run.report().train_seconds;
    }
    rows.push_back(row);
  }

  // The table, then mean and worst.
  std::printf("model %s, pen digits %s at size %.2f of the pad\n", args.positional()[0].c_str(), pen_path.c_str(), where.size);
  if (teach > 0)
    std::printf("%6s %6s %9s | %6s %8s %9s %9s %10s %6s\n", "writer", "digits", "accuracy", "taught", "measured",
                "before", "after", "MNIST", "s");
  else
    std::printf("%6s %6s %9s\n", "writer", "digits", "accuracy");
  double sum = 0, worst = 1, sum_before = 0, sum_after = 0, worst_after = 1, worst_drop = 0, worst_mnist = 1;
  int improved = 0, worsened = 0, total = 0, correct = 0;
  for (const WriterRow& r : rows) {
    const double acc = static_cast<double>(r.correct) / r.digits;
    sum += acc;
    worst = std::min(worst, acc);
    total += r.digits;
    correct += r.correct;
    if (teach > 0) {
      const double b = static_cast<double>(r.before) / r.measured, a = static_cast<double>(r.after) / r.measured;
      sum_before += b;
      sum_after += a;
      worst_after = std::min(worst_after, a);
      worst_drop = std::max(worst_drop, b - a);
      worst_mnist = std::min(worst_mnist, r.mnist_after);
      improved += a > b;
      worsened += a < b;
      std::printf("%6d %6d %9s | %6d %8d %9s %9s %10s %6.1f\n", r.writer, r.digits, percent_text(acc, 1).c_str(), r.taught,
                  r.measured, percent_text(b, 1).c_str(), percent_text(a, 1).c_str(),
                  mnist_test ? percent_text(r.mnist_after).c_str() : "-", r.seconds);
    } else {
      std::printf("%6d %6d %9s\n", r.writer, r.digits, percent_text(acc, 1).c_str());
    }
  }
  const double n = static_cast<double>(rows.size());
  std::printf("\n%zu writers, %s digits: mean per-writer accuracy %s, worst %s, all digits %s\n", rows.size(),
              with_commas(total).c_str(), percent_text(sum / n).c_str(), percent_text(worst).c_str(),
              percent_text(static_cast<double>(correct) / total).c_str());
  if (teach > 0) {
    std::printf("teach %d per class: mean %s -> %s, worst after %s, %d improved, %d worse (largest drop %.1f points)\n",
                teach, percent_text(sum_before / n).c_str(), percent_text(sum_after / n).c_str(),
                percent_text(worst_after).c_str(), improved, worsened, 100.0 * worst_drop);
    if (mnist_test)
      std::printf("MNIST test after teaching: worst %s (before %s)\n", percent_text(worst_mnist).c_str(),
                  percent_text(mnist_before).c_str());
  }
  if (!csv.empty()) {
    FILE* f = std::fopen(csv.c_str(), "w");
    if (!f) return runtime_error(kCommand, "cannot write " + csv + " (check the folder exists and is writable)");
    std::fprintf(f, "writer,digits,accuracy,taught,measured,before,after,mnist_after,teach_seconds\n");
    for (const WriterRow& r : rows)
      std::fprintf(f, "%d,%d,%.4f,%d,%d,%.4f,%.4f,%.4f,%.2f\n", r.writer, r.digits, static_cast<double>(r.correct) / r.digits,
                   r.taught, r.measured, r.measured ? static_cast<double>(r.before) / r.measured : 0.0,
                   r.measured ? static_cast<double>(r.after) / r.measured : 0.0, r.mnist_after, r.seconds);
    std::fclose(f);
    std::printf("table written to %s\n", csv.c_str());
  }
  return kExitOk;
}

}  // namespace digitlab
