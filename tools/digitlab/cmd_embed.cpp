// cmd_embed.cpp — `digitlab embed`: the map of one step (embedding.h): the step's features of the
// first N test images projected to 2-D by PCA or t-SNE, drawn as coloured points (one colour per
// digit, legend) into a PNG, and optionally written as CSV (x, y, label, test index).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common.h"
#include "embedding.h"
#include "image_io.h"
#include "plot.h"

namespace digitlab {

namespace {

constexpr const char* kCommand = "embed";

const std::vector<OptionDef>& options() {
  static const std::vector<OptionDef> kOptions = {
      {"data", "DIR", "$MNIST_DIR", "folder with the four MNIST files"},
      {"step", "N", "", "the step to map: 0 is the input, N the output of the N-th layer (digitlab info lists them)"},
      {"method", "pca|tsne", "pca", "PCA (exact, fast) or t-SNE (perplexity 30, 500 iterations)"},
      {"images", "N", "2000", "the first N test images"},
      {"png", "FILE.png", "", "the map as a PNG"},
      {"csv", "FILE", "", "the points as CSV: x, y, label, test index"},
  };
  return kOptions;
}

const char* kUsage = "digitlab embed MODEL_FILE --step N --png FILE.png [options]";
const char* kSummary =
    "Maps one step of a network: the step's outputs for the first N test images, projected to 2-D by PCA\n"
    "or t-SNE, one colour per digit. Convolution outputs over 1,024 values are average-pooled to a small\n"
    "grid per channel first, as for the probes.";

dl::Status draw_map(const std::string& path, const std::string& title, const std::vector<float>& xy,
                    const uint8_t* labels, int n) {
  constexpr int kSize = 720, kMargin = 40, kLegend = 110, kTitle = 50;
  RgbImage img(kSize + kLegend, kSize + kTitle, 255, 255, 255);
  img.text(kMargin, 14, title, 2, 30, 30, 30);
  float x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (int i = 0; i < n; ++i) {
    x0 = std::min(x0, xy[2 * i]);
    x1 = std::max(x1, xy[2 * i]);
    y0 = std::min(y0, xy[2 * i + 1]);
    y1 = std::max(y1, xy[2 * i + 1]);
  }
  const float span = std::max({x1 - x0, y1 - y0, 1e-12f});
  const float inner = kSize - 2 * kMargin;
  for (int i = 0; i < n; ++i) {
    const unsigned c = plot_color(labels[i]);
    const int px = kMargin + static_cast<int>((xy[2 * i] - x0) / span * inner);
    const int py = kTitle + kMargin + static_cast<int>((y1 - xy[2 * i + 1]) / span * inner);  // y up
    img.fill_rect(px - 2, py - 2, 5, 5, uint8_t(c >> 16), uint8_t(c >> 8), uint8_t(c));
  }
  for (int d = 0; d < dl::kClasses; ++d) {
    const unsigned c = plot_color(d);
    const int y = kTitle + kMargin + d * 28;
    img.fill_rect(kSize + 10, y, 16, 16, uint8_t(c >> 16), uint8_t(c >> 8), uint8_t(c));
    img.text(kSize + 34, y + 1, std::to_string(d), 2, 30, 30, 30);
  }
  return write_png(path, img);
}

}  // namespace

int cmd_embed(int argc, char** argv, int first) {
  Args args;
  const CommandDef def{kCommand, kUsage, kSummary, options()};
  if (const int done = begin_command(def, argc, argv, first, &args); done >= 0) return done;
  dl::EmbeddingOptions opt;
  int step = -1;
  args.get_int("step", 0, 1000, &step);
  args.get_int("images", 10, 10000, &opt.images);
  const std::string method = args.text("method", "pca");
  if (method == "tsne" || method == "t-sne") opt.method = dl::EmbeddingMethod::Tsne;
  else if (method != "pca") args.fail("--method must be pca or tsne (got '" + method + "')");
  if (!args.ok()) return usage_error(kCommand, args.error());
  if (args.positional().size() != 1) return usage_error(kCommand, "give exactly one model file");
  if (step < 0) return usage_error(kCommand, "give the step to map with --step N (0 is the input)");
  const std::string png = args.text("png"), csv = args.text("csv");
  if (png.empty() && csv.empty()) return usage_error(kCommand, "give --png FILE.png (or --csv FILE) for the map");

  dl::Model model;
  std::map<std::string, std::string> metadata;
  const std::string path = args.positional()[0];
  if (!load_model(kCommand, path, &model, &metadata)) return kExitRuntime;
  std::string dir, error;
  if (!data_dir(args, &dir, &error)) return usage_error(kCommand, error);
  dl::Dataset test;
  if (!load_split(kCommand, dir, "test", &test)) return kExitRuntime;

  std::unique_ptr<dl::EmbeddingRun> run;
  dl::Status st = dl::EmbeddingRun::Begin(&model, &test, step, opt, &run);
  if (!st) return usage_error(kCommand, st.message());
  const double t0 = now_seconds();
  while (!run->Advance(1000.0)) {}
  const double seconds = now_seconds() - t0;
  const std::string name = dl::step_name(model, step);
  std::printf("map of step %d (%s, %s features) of %s: %d test images, %s in %.2f s (features %.2f s, %s %.3f s)\n",
              step, name.c_str(), with_commas(run->layout().features()).c_str(), path.c_str(), run->count(),
              dl::embedding_method_name(opt.method), seconds, run->features_seconds(),
              dl::embedding_method_name(opt.method), run->projection_seconds());
  if (!csv.empty()) {
    FILE* f = std::fopen(csv.c_str(), "w");
    if (!f) return runtime_error(kCommand, "cannot write " + csv + " (check the folder exists and is writable)");
    std::fprintf(f, "x,y,label,index\n");
    for (int i = 0; i < run->count(); ++i)
      std::fprintf(f, "%.6g,%.6g,%d,%d\n", run->points()[2 * i], run->points()[2 * i + 1], run->labels()[i], i);
    std::fclose(f);
    std::printf("points written to %s\n", csv.c_str());
  }
  if (!png.empty()) {
    const std::string title = "step " + std::to_string(step) + " (" + name + "), " +
                              dl::embedding_method_name(opt.method) + ", " + std::to_string(run->count()) +
                              " test images";
    st = draw_map(png, title, run->points(), run->labels(), run->count());
    if (!st) return runtime_error(kCommand, st.message());
    std::printf("map written to %s\n", png.c_str());
  }
  return kExitOk;
}

}  // namespace digitlab
