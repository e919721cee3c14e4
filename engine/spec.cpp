// spec.cpp — parsing and checking architecture specs (grammar in spec.h).
#include "spec.h"

#include <cctype>
#include <cstdlib>
#include <sstream>

namespace dl {

const std::vector<Preset>& presets() {
  static const std::vector<Preset> kPresets = {
      {"softmax", "f10", "softmax regression: no hidden layer", 0},
      {"mlp", "f128 f10", "one dense hidden layer of 128 units", 1},
      {"conv1", "c16k5 p2 f10", "one convolution block (16 filters 5x5, max-pool)", 1},
      {"R1", "c8k5 p2 c16k5 p2 f10", "the small reference network: two convolution blocks", 2},
      {"conv3", "c16k5 p2 c32k5 p2 f128 f10", "two convolution blocks and a dense hidden layer", 3},
      {"R2", "c32k5 c32k5 p2 d.25 c64k3 c64k3 p2 d.25 f256 d.5 f10",
       "the original project's network (Keras, RMSprop); slow in a browser", 5},
      {"digitlab", "c32k3p0b c32k3p0b p2 d.2 c64k3p0b c64k3p0b p2 d.2 f128b d.4 f10",
       "the shipped model: four 3x3 convolutions with BatchNorm, small and accurate", -1},
  };
  return kPresets;
}

namespace {

// Reads an unsigned integer at s[i...]; returns false if there is none.
bool read_int(const std::string& s, size_t& i, int* v) {
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  long long x = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    x = x * 10 + (s[i] - '0');
    if (x > 100000) return false;
    ++i;
  }
  *v = static_cast<int>(x);
  return true;
}

// Shortest text that reads back as the same float (9 significant digits always do), e.g. ".25".
std::string fmt_rate(float r) {
  std::string s;
  for (int digits = 1; digits <= 9; ++digits) {
    std::ostringstream o;
    o.precision(digits);
    o << r;
    s = o.str();
    if (std::strtof(s.c_str(), nullptr) == r) break;
  }
  if (s.size() > 1 && s[0] == '0' && s[1] == '.') s = s.substr(1);
  return s;
}

}  // namespace

Status parse_spec(const std::string& spec_or_preset, std::vector<LayerSpec>* out, std::string* canonical) {
  std::string spec = spec_or_preset;
  for (const Preset& p : presets()) {
    if (spec == p.name) {
      spec = p.spec;
      break;
    }
  }
  // The length first, then at most kMaxSpecTokens + 1 tokens: a spec from a file's metadata or an
  // API call can be any length, and tokenising it whole would cost memory in proportion.
  if (spec.size() > kMaxSpecChars)
    return Status::Error("the architecture spec is " + std::to_string(spec.size()) + " characters long; at most " +
                         std::to_string(kMaxSpecChars) + " are read (" + std::to_string(kMaxSpecTokens) + " layers)");
  std::vector<std::string> tokens;
  for (size_t i = 0; i < spec.size() && tokens.size() <= kMaxSpecTokens;) {
    while (i < spec.size() && std::isspace(static_cast<unsigned char>(spec[i]))) ++i;
    const size_t start = i;
    while (i < spec.size() && !std::isspace(static_cast<unsigned char>(spec[i]))) ++i;
    if (i > start) tokens.push_back(spec.substr(start, i - start));
  }
  if (tokens.empty())
    return Status::Error("the architecture spec is empty: give layers such as 'c8k5 p2 c16k5 p2 f10' or a preset name");
  if (tokens.size() > kMaxSpecTokens)
    return Status::Error("the architecture spec has more than " + std::to_string(kMaxSpecTokens) + " tokens; at most " +
                         std::to_string(kMaxSpecTokens) + " layers are supported");

  std::vector<LayerSpec> layers;
  int c = 1, h = 28, w = 28;  // current shape
  bool flat = false;
  long long activations = 0;
  for (size_t ti = 0; ti < tokens.size(); ++ti) {
    const std::string& t = tokens[ti];
    const std::string where = "token " + std::to_string(ti + 1) + " '" + t + "'";
    LayerSpec L;
    L.token = t;
    size_t i = 1;
    auto bad = [&](const std::string& why) { return Status::Error(where + ": " + why); };
    switch (t[0]) {
      case 'c': {
        L.type = LayerSpec::Conv;
        if (!read_int(t, i, &L.units) || L.units < 1 || L.units > 1024)
          return bad("a convolution is written c<filters>k<size>, e.g. c32k5, with 1 to 1024 filters");
        if (i >= t.size() || t[i] != 'k' || !read_int(t, ++i, &L.kernel) || L.kernel < 1 || L.kernel > 28)
          return bad("a convolution needs a kernel size k1..k28, e.g. c32k5");
        L.stride = 1;
        L.pad = -1;
        while (i < t.size()) {
          char o = t[i++];
          if (o == 's') {
            if (!read_int(t, i, &L.stride) || L.stride < 1 || L.stride > 28) return bad("stride must be s1..s28");
          } else if (o == 'p') {
            if (!read_int(t, i, &L.pad) || L.pad > 28) return bad("padding must be p0..p28");
          } else if (o == 'b' && i == t.size()) {
            L.batchnorm = true;
          } else
            return bad(std::string("unknown option '") + o +
                       "' (convolution options: s<stride>, p<padding>, b for BatchNorm at the end)");
        }
        if (L.pad < 0) L.pad = L.kernel / 2;
        if (flat) return bad("a convolution cannot follow a dense layer");
        int oh = (h + 2 * L.pad - L.kernel) / L.stride + 1, ow = (w + 2 * L.pad - L.kernel) / L.stride + 1;
        if (h + 2 * L.pad < L.kernel || w + 2 * L.pad < L.kernel || oh < 1 || ow < 1)
          return bad("a " + std::to_string(L.kernel) + "x" + std::to_string(L.kernel) + " kernel does not fit the " +
                     std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w) + " input here");
        c = L.units;
        h = oh;
        w = ow;
        break;
      }
      case 'p': {
        L.type = LayerSpec::Pool;
        if (!read_int(t, i, &L.kernel) || L.kernel < 1 || L.kernel > 28)
          return bad("a pooling layer is written p<size>, e.g. p2");
        L.stride = L.kernel;
        if (i < t.size()) {
          if (t[i] != 's' || !read_int(t, ++i, &L.stride) || L.stride < 1 || L.stride > 28 || i != t.size())
            return bad("pooling options: s<stride>, e.g. p3s2");
        }
        if (flat) return bad("pooling cannot follow a dense layer");
        if (h < L.kernel || w < L.kernel)
          return bad("pooling " + std::to_string(L.kernel) + "x" + std::to_string(L.kernel) +
                     " needs at least that much input, the input here is " + std::to_string(c) + "x" +
                     std::to_string(h) + "x" + std::to_string(w));
        h = (h - L.kernel) / L.stride + 1;
        w = (w - L.kernel) / L.stride + 1;
        break;
      }
      case 'd': {
        L.type = LayerSpec::Dropout;
        char* end = nullptr;
        std::string num = t.substr(1);
        L.rate = std::strtof(num.c_str(), &end);
        if (num.empty() || *end != '\0' || !(L.rate >= 0.0f && L.rate < 1.0f))
          return bad("dropout is written d<rate> with a rate from 0 to below 1, e.g. d.25");
        break;
      }
      case 'f': {
        L.type = LayerSpec::Dense;
        if (!read_int(t, i, &L.units) || L.units < 1 || L.units > 65536)
          return bad("a dense layer is written f<units>, e.g. f128");
        if (i < t.size()) {
          if (t[i] == 'b' && i + 1 == t.size()) L.batchnorm = true;
          else return bad("dense options: b for BatchNorm at the end, e.g. f128b");
        }
        if (static_cast<long long>(c) * h * w * L.units > 64LL * 1024 * 1024)
          return bad("this dense layer would have more than 64 million weights");
        c = L.units;
        h = w = 1;
        flat = true;
        break;
      }
      default:
        return bad(
            "unknown layer; use c (convolution), p (max-pool), d (dropout) or f (dense), e.g. 'c32k5 p2 d.25 f128 "
            "f10'");
    }
    activations += static_cast<long long>(c) * h * w;
    if (activations > 16LL * 1024 * 1024) return bad("the network's activations exceed 16 million values per image");
    layers.push_back(L);
  }
  const LayerSpec& last = layers.back();
  if (last.type != LayerSpec::Dense || last.units != 10 || last.batchnorm)
    return Status::Error("token " + std::to_string(tokens.size()) + " '" + last.token +
                         "': the last layer must be f10, the ten digit scores");
  if (out) *out = layers;
  if (canonical) {
    std::string s;
    for (const LayerSpec& L : layers) {
      if (!s.empty()) s += ' ';
      switch (L.type) {
        case LayerSpec::Conv:
          s += "c" + std::to_string(L.units) + "k" + std::to_string(L.kernel);
          if (L.stride != 1) s += "s" + std::to_string(L.stride);
          if (L.pad != L.kernel / 2) s += "p" + std::to_string(L.pad);
          if (L.batchnorm) s += "b";
          break;
        case LayerSpec::Pool:
          s += "p" + std::to_string(L.kernel);
          if (L.stride != L.kernel) s += "s" + std::to_string(L.stride);
          break;
        case LayerSpec::Dropout: s += "d" + fmt_rate(L.rate); break;
        case LayerSpec::Dense: s += "f" + std::to_string(L.units) + (L.batchnorm ? "b" : ""); break;
      }
    }
    *canonical = s;
  }
  return Status::Ok();
}

}  // namespace dl
