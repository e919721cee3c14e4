// cmd_predict.cpp — `digitlab predict`: digits in image files. Each image goes through what the
// web app's drawing pad does: grey levels, bright ink on black (inverted when the border is
// bright), then the engine's MNIST-style preprocessing (crop, scale into 20x20, centre of mass at
// the centre), then one forward pass. Prints the digit, its probability and all ten.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common.h"
#include "model.h"
#include "preprocess.h"
#include "train.h"
#include "image_io.h"

namespace digitlab {

namespace {

constexpr const char* kCommand = "predict";

const std::vector<OptionDef>& options() {
  static const std::vector<OptionDef> kOptions = {
      {"json", nullptr, "", "machine-readable output: one JSON array with an object per image"},
      {"ascii", nullptr, "", "also show the 28x28 input the network sees, as text"},
  };
  return kOptions;
}

const char* kUsage = "digitlab predict MODEL_FILE IMAGE... [options]";
const char* kSummary =
    "Recognises the digit in each image (PNG, PGM, JPG, BMP, GIF, TGA; grey or colour; dark ink on a\n"
    "light background or the other way round). Exit code 1 if any image could not be read.";

void print_ascii(const float* x) {
  static const char kRamp[] = " .:-=+*#%@";
  for (int y = 0; y < 28; ++y) {
    std::string row = "    ";
    for (int c = 0; c < 28; ++c) {
      const float v = std::min(1.0f, std::max(0.0f, x[y * 28 + c]));
      row += kRamp[static_cast<int>(v * 9.0f + 0.5f)];
    }
    std::printf("%s\n", row.c_str());
  }
}

}  // namespace

int cmd_predict(int argc, char** argv, int first) {
  Args args;
  const CommandDef def{kCommand, kUsage, kSummary, options()};
  if (const int done = begin_command(def, argc, argv, first, &args); done >= 0) return done;
  const std::vector<std::string>& pos = args.positional();
  if (pos.size() < 2)
    return usage_error(
        kCommand, pos.empty()
                      ? "give a model file and at least one image, e.g. digitlab predict digitlab.safetensors digit.png"
                      : "give at least one image after the model file");
  const bool json = args.flag("json"), ascii = args.flag("ascii");
  dl::Model model;
  std::map<std::string, std::string> metadata;
  if (!load_model(kCommand, pos[0], &model, &metadata)) return kExitRuntime;

  nlohmann::json results = nlohmann::json::array();
  std::vector<float> input(dl::kImageSize);  // (784) the preprocessed image
  float probs[dl::kClasses];
  int failures = 0;
  for (size_t i = 1; i < pos.size(); ++i) {
    const std::string& file = pos[i];
    GreyImage img;
    dl::Status s = load_grey_image(file, &img);
    if (s) {
      make_ink_bright(&img);
      const dl::PreprocessInfo info = dl::preprocess_digit(img.pixels.data(), img.width, img.height, input.data());
      if (info.empty) s = dl::Status::Error("no ink found in '" + file + "' (the image is blank)");
    }
    if (!s) {
      ++failures;
      runtime_error(kCommand, s.message());
      if (json) results.push_back({{"file", file}, {"error", s.message()}});
      continue;
    }
    const float* logits = model.forward(input.data(), 1);
    dl::softmax(logits, 1, probs);
    const int digit = dl::argmax10(probs);
    if (json) {
      std::vector<double> p(probs, probs + dl::kClasses);
      for (double& v : p) v = std::round(v * 1e6) / 1e6;
      results.push_back({{"file", file}, {"digit", digit}, {"probability", p[digit]}, {"probabilities", p}});
      continue;
    }
    std::printf("%s: %d (%s)\n ", file.c_str(), digit, percent_text(probs[digit]).c_str());
    for (int k = 0; k < dl::kClasses; ++k) std::printf(" %d:%s", k, percent_text(probs[k], 1).c_str());
    std::printf("\n");
    if (ascii) print_ascii(input.data());
  }
  // File names are bytes, not always UTF-8 (a Latin-1 name): invalid sequences become U+FFFD
  // instead of nlohmann's type_error, which would end the program (issue 12, finding 8).
  if (json) std::printf("%s\n", results.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return failures ? kExitRuntime : kExitOk;
}

}  // namespace digitlab
