// pen_digits.cpp — the pen-digit JSON reader (checked value by value; the engine has no exceptions)
// and the placement of a recorded digit on the pad.
#include "pen_digits.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "model_io.h"

namespace dl {

namespace {

using json = nlohmann::json;

Status entry_error(const std::string& what, size_t i, const std::string& why) {
  return Status::Error(what + ": digit " + std::to_string(i) + " " + why +
                       " (expected {\"label\": 0-9, \"writer\": id, \"strokes\": [[[x, y], ...], ...]})");
}

bool number(const json& v, float* out) {
  if (!v.is_number()) return false;
  const double d = v.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > 1e7) return false;
  *out = static_cast<float>(d);
  return true;
}

}  // namespace

Status parse_pen_digits(const std::string& text, const std::string& what, std::vector<PenDigit>* out) {
  if (text.size() > kPenFileMaxBytes)
    return Status::Error(what + " is over " + std::to_string(kPenFileMaxBytes >> 20) + " MiB: not a pen-digit file");
  // Every value but the first follows a '[' or a ','; an object's keys follow '{' or ','. So this
  // count bounds the values the parser would create, and the memory it would take, before it runs.
  size_t values = 1;
  for (char c : text) values += c == '[' || c == '{' || c == ',';
  if (values > kPenMaxJsonValues)
    return Status::Error(what + " holds more than " + std::to_string(kPenMaxJsonValues) +
                         " JSON values: not a pen-digit file of a size DigitLab reads");
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Error(what + " is not valid JSON");
  if (!doc.is_array()) return Status::Error(what + " must be a JSON list of digits");
  if (doc.size() > static_cast<size_t>(kPenMaxDigits))
    return Status::Error(what + " holds more than " + std::to_string(kPenMaxDigits) + " digits");
  std::vector<PenDigit> digits;
  digits.reserve(doc.size());
  for (size_t i = 0; i < doc.size(); ++i) {
    const json& e = doc[i];
    if (!e.is_object()) return entry_error(what, i, "is not an object");
    const auto label = e.find("label"), writer = e.find("writer"), strokes = e.find("strokes");
    if (label == e.end() || !label->is_number_integer() || label->get<int64_t>() < 0 || label->get<int64_t>() > 9)
      return entry_error(what, i, "has no label 0-9");
    if (writer == e.end() || !writer->is_number_integer() || writer->get<int64_t>() < 0 ||
        writer->get<int64_t>() > 1000000)
      return entry_error(what, i, "has no writer id");
    if (strokes == e.end() || !strokes->is_array() || strokes->empty() ||
        strokes->size() > static_cast<size_t>(kPenMaxStrokes))
      return entry_error(what, i, "needs 1-" + std::to_string(kPenMaxStrokes) + " strokes");
    PenDigit d;
    d.label = static_cast<int>(label->get<int64_t>());
    d.writer = static_cast<int>(writer->get<int64_t>());
    for (const json& s : *strokes) {
      if (!s.is_array() || s.empty() || s.size() > static_cast<size_t>(kPenMaxPoints))
        return entry_error(what, i, "has a stroke without points or over " + std::to_string(kPenMaxPoints));
      PenStroke stroke;
      stroke.reserve(s.size());
      for (const json& p : s) {
        PenPoint q;
        if (!p.is_array() || p.size() != 2 || !number(p[0], &q.x) || !number(p[1], &q.y))
          return entry_error(what, i, "has a point that is not [x, y] with finite numbers");
        stroke.push_back(q);
      }
      d.strokes.push_back(std::move(stroke));
    }
    digits.push_back(std::move(d));
  }
  if (digits.empty()) return Status::Error(what + " holds no digits");
  *out = std::move(digits);
  return Status::Ok();
}

Status read_pen_digits(const std::string& path, std::vector<PenDigit>* out) {
  std::vector<uint8_t> bytes;
  if (Status s = read_file_bytes(path, kPenFileMaxBytes, &bytes); !s) return s;
  return parse_pen_digits(std::string(bytes.begin(), bytes.end()), path, out);
}

std::vector<PenStroke> place_on_pad(const PenDigit& d, const PadPlacement& where) {
  float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
  for (const PenStroke& s : d.strokes) {
    for (const PenPoint& p : s) {
      x0 = std::min(x0, p.x);
      y0 = std::min(y0, p.y);
      x1 = std::max(x1, p.x);
      y1 = std::max(y1, p.y);
    }
  }
  const float extent = std::max({x1 - x0, y1 - y0, 1e-6f});
  const float scale = where.size / extent;
  const float mx = 0.5f * (x0 + x1), my = 0.5f * (y0 + y1);
  std::vector<PenStroke> out;
  out.reserve(d.strokes.size());
  for (const PenStroke& s : d.strokes) {
    PenStroke t;
    t.reserve(s.size());
    for (const PenPoint& p : s) t.push_back(PenPoint{where.cx + (p.x - mx) * scale, where.cy + (p.y - my) * scale});
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<int> pen_writers(const std::vector<PenDigit>& digits) {
  std::set<int> w;
  for (const PenDigit& d : digits) w.insert(d.writer);
  return {w.begin(), w.end()};
}

}  // namespace dl
