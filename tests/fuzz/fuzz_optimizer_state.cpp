// fuzz_optimizer_state.cpp — libFuzzer target for a checkpoint's optimizer state (what `digitlab
// train --resume` and a restored page run read): parse, the model within the page's budget, an
// optimizer of the kind the file names, its moments and step count, then one training step.
//
// Any input must be refused with a message or give an optimizer whose moments have the model's
// layout and are finite; one step on one image then either keeps every parameter finite or is
// reported as not finite. Never a crash or an allocation beyond the budget.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "model_io.h"
#include "resources.h"
#include "train.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dl::SafeTensorsFile file;
  if (!dl::parse_safetensors(data, size, &file).ok()) return 0;
  dl::Model m;
  if (!dl::model_from_safetensors(file, &m, dl::kPageBudgetBytes).ok()) return 0;
  auto kind_it = file.metadata.find("optimizer");
  dl::OptimizerConfig cfg;
  if (kind_it == file.metadata.end() || !dl::parse_optimizer(kind_it->second, &cfg.kind).ok()) return 0;
  if (!dl::plan_resources(m.layer_specs(), 1, 1, dl::Use::Training, dl::kPageBudgetBytes).ok()) return 0;
  dl::Trainer trainer(&m, cfg, 1);
  const std::vector<float> before = trainer.optimizer().m();
  const dl::Status s = dl::load_optimizer_state(file, m, &trainer.optimizer());
  if (!s.ok()) {
    if (s.message().empty() || trainer.optimizer().m() != before) std::abort();  // refused: untouched
    return 0;
  }
  if (trainer.optimizer().m().size() != m.params().size()) std::abort();
  if (!dl::first_non_finite(m, &trainer.optimizer()).empty()) std::abort();  // loading checks finiteness
  if (trainer.optimizer().steps() < 0) std::abort();
  if (m.macs_per_image() > 20000000) return 0;
  std::vector<float> image(dl::kImageSize, 0.25f);
  const uint8_t label = 3;
  const dl::StepResult r = trainer.step(image.data(), &label, 1, 1e-3f);
  if (r.finite && !dl::first_non_finite(m).empty()) std::abort();  // a step reported fine is finite
  return 0;
}
