// fuzz_spec.cpp — libFuzzer target for the architecture spec parser.
//
// Any text must be refused with a message or parsed; never a crash or a hang. What parses must
// give a canonical spec that parses again to itself and to the same layers (dropout rates up to
// the six decimals the canonical text keeps).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<dl::LayerSpec> layers;
  std::string canonical;
  dl::Status s = dl::parse_spec(text, &layers, &canonical);
  if (!s.ok()) {
    if (s.message().empty()) std::abort();  // every refusal says why
    return 0;
  }
  if (layers.empty()) std::abort();
  std::vector<dl::LayerSpec> again;
  std::string canonical2;
  if (!dl::parse_spec(canonical, &again, &canonical2).ok()) std::abort();
  if (canonical2 != canonical || again.size() != layers.size()) std::abort();
  for (size_t i = 0; i < layers.size(); ++i) {
    const dl::LayerSpec& a = layers[i];
    const dl::LayerSpec& b = again[i];
    if (a.type != b.type || a.units != b.units || a.kernel != b.kernel || a.stride != b.stride || a.pad != b.pad ||
        a.batchnorm != b.batchnorm || a.rate != b.rate)
      std::abort();
  }
  return 0;
}
