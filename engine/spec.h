// spec.h — the one-line architecture spec shared by the CLI, the web app's presets and model files.
//
// Grammar: tokens separated by spaces; the input is always 1x28x28.
//   c<N>k<K>[s<S>][p<P>][b]   convolution, N filters of KxK, stride S (default 1), zero padding P
//                             (default K/2, "same" for odd K at stride 1); then ReLU. With the b
//                             suffix: convolution without bias, BatchNorm, then ReLU.
//   p<K>[s<S>]                max pooling, KxK window, stride S (default K)
//   d<R>                      dropout with rate R in [0, 1), e.g. d.25 or d0.5
//   f<N>[b]                   dense layer with N units (a Flatten is inserted before the first dense
//                             layer after spatial layers); ReLU after every dense layer except the
//                             last, which gives the logits. With b: dense without bias, BatchNorm, ReLU.
// The last layer must be f10. Example (the original project's network):
//   c32k5 c32k5 p2 d.25 c64k3 c64k3 p2 d.25 f256 d.5 f10
// Presets are names for specs (see presets()); anywhere a spec is accepted a preset name is too.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "status.h"

namespace dl {

// A spec is read only up to these (README, "Limits"): its length is checked before it is split
// into tokens, so a spec from a file's metadata or an API call costs no more than this to refuse.
constexpr size_t kMaxSpecChars = 4096;
constexpr size_t kMaxSpecTokens = 64;

struct LayerSpec {
  enum Type { Conv, Pool, Dropout, Dense } type = Conv;
  int units = 0;   // conv filters or dense units
  int kernel = 0;  // conv or pool window side
  int stride = 1;
  int pad = 0;
  bool batchnorm = false;
  float rate = 0.0f;  // dropout
  std::string token;  // the token as written, for messages
};

struct Preset {
  const char* name;
  const char* spec;
  const char* description;
  int hidden_layers;  // for the hidden-layer comparison (-1: not part of that family)
};
const std::vector<Preset>& presets();

// Parses a spec (or a preset name) into layer specs, checking every token and every shape.
// On error the message names the offending token and why, e.g.
//   "token 5 'p2': pooling 2x2 needs at least 2x2 input, the input here is 1x1".
Status parse_spec(const std::string& spec_or_preset, std::vector<LayerSpec>* out, std::string* canonical = nullptr);

}  // namespace dl
