// fuzz_model.cpp — libFuzzer target for what a model file turns into (issue 12): load_model_bytes
// (parse, the spec, the values held against the spec's parameters, the memory at batch 1 against
// the page's budget, build), then a plan for one image and one forward pass.
//
// Any input must be refused with a message or give a model that holds no more than the budget;
// never a crash, a hang, or an allocation beyond the budget (ctest runs it with -malloc_limit_mb at
// the budget and -rss_limit_mb, so one is a finding). The forward pass is skipped for networks
// above 20 million multiply-adds per image (the engine allows 1 billion: seconds under ASan).
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "model_io.h"
#include "resources.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dl::Model m;
  std::map<std::string, std::string> metadata;
  const dl::Status s = dl::load_model_bytes(data, size, &m, &metadata, dl::kPageBudgetBytes);
  if (!s.ok()) {
    if (s.message().empty() || m.num_layers() != 0) std::abort();  // refusals say why and build nothing
    return 0;
  }
  if (m.allocated_bytes() > dl::kPageBudgetBytes) std::abort();
  if (!m.plan(1).ok()) std::abort();  // load_model_bytes checked batch 1
  if (m.macs_per_image() > 20000000) return 0;
  std::vector<float> image(dl::kImageSize);
  for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i % 29) / 28.0f;
  const float* logits = m.forward(image.data(), 1);
  volatile float sink = logits[dl::kClasses - 1];
  (void)sink;
  if (m.allocated_bytes() > dl::kPageBudgetBytes) std::abort();
  return 0;
}
