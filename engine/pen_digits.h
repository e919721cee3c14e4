// pen_digits.h — recorded pen-written digits (trajectories with a label and a writer id), read from
// the JSON list the development set comes in, and placed into the pad the way a person draws:
// `[{"label": 8, "writer": 12, "strokes": [[[x, y], ...], ...]}, ...]`, integer coordinates in a
// box, y pointing down. Used to measure how the page reads real handwriting, per writer, and to
// replay a writer's digits for fine-tuning experiments (finetune.h).
#pragma once
#include <string>
#include <vector>

#include "status.h"
#include "strokes.h"

namespace dl {

struct PenDigit {
  int label = 0;   // 0..9
  int writer = 0;  // the file's writer id
  std::vector<PenStroke> strokes;  // in the file's coordinates
};

// Limits on what a file may hold (refused before anything else is read): the file size, digits,
// strokes per digit and points per stroke.
constexpr size_t kPenFileMaxBytes = size_t{32} << 20;  // the 7,494-digit set is 3.3 MB
constexpr int kPenMaxDigits = 100000, kPenMaxStrokes = 64, kPenMaxPoints = 4096;
// JSON values the parsed document may hold (a parsed value costs tens of bytes, far more than its
// text): counted from the text's brackets and commas before parsing. The 7,494-digit set has 0.95 M.
constexpr size_t kPenMaxJsonValues = size_t{8} << 20;

// Reads the JSON list. Every entry is checked (label 0..9, writer ≥ 0, at least one stroke with one
// point, finite numbers, the limits above); on an error *out is unchanged and the message names the
// entry.
Status read_pen_digits(const std::string& path, std::vector<PenDigit>* out);
Status parse_pen_digits(const std::string& json, const std::string& what, std::vector<PenDigit>* out);

// Where a replayed digit goes on the pad (pad units): its bounding box scaled, keeping the aspect
// ratio, so that its larger side is `size` of the pad, centred at (cx, cy).
struct PadPlacement {
  float size = 0.6f;
  float cx = 0.5f, cy = 0.5f;
};
std::vector<PenStroke> place_on_pad(const PenDigit& d, const PadPlacement& where);

// The writers in the list, sorted.
std::vector<int> pen_writers(const std::vector<PenDigit>& digits);

}  // namespace dl
