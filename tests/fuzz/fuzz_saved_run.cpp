// fuzz_saved_run.cpp — libFuzzer target for a saved run of the page (IndexedDB, a downloaded
// file): the input is the run's JSON (__metadata__["digitlab_run"]). The harness builds the model
// the JSON's "spec" names (when it fits the page's training budget) with the optimizer it names,
// saves it with that JSON (and its step as "run_step") as TrainingSession does, and restores it with
// RestoreBytes; a restored run then trains one batch on a tiny synthetic data set and is saved and
// restored again.
//
// Any JSON must be refused with a message or restore a run whose values are in range; never a
// crash (get<int> on 1e300, a float from 1e39), a hang, or an allocation beyond the budget.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model_io.h"
#include "resources.h"
#include "train.h"
#include "tiny_data.h"
#include "train_options.h"
#include "training_session.h"

namespace {

using testdata::tiny;  // tests/tiny_data.h

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json run = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::string spec = "f10", optimizer = "adam";
  if (run.is_object()) {
    auto s = run.find("spec");
    if (s != run.end() && s->is_string()) spec = s->get<std::string>();
    auto o = run.find("optimizer");
    if (o != run.end() && o->is_string()) optimizer = o->get<std::string>();
  }
  dl::OptimizerConfig cfg;
  if (!dl::parse_optimizer(optimizer, &cfg.kind).ok()) cfg.kind = dl::OptimizerConfig::Adam;
  if (!dl::plan_resources(spec, 1, 1, dl::Use::Training, dl::kPageBudgetBytes).ok()) spec = "f10";
  dl::Model model;
  if (!dl::Model::build(spec, 1, &model, dl::kPageBudgetBytes).ok()) std::abort();  // planned above
  dl::Optimizer opt(cfg, model.params().size(), model.param_tensors());
  std::map<std::string, std::string> extra = {{"digitlab_run", text}, {"name", "fuzz"}};
  // The run's state beside the JSON, as TrainRun::save_bytes writes it: the JSON's step.
  if (run.is_object()) {
    auto st = run.find("step");
    if (st != run.end() && st->is_number_integer()) extra["run_step"] = std::to_string(st->get<int64_t>());
  }
  const std::vector<uint8_t> bytes = dl::save_model_bytes(model, extra, &opt);

  app::TrainingSession session;
  session.SetBudget(dl::kPageBudgetBytes);
  const dl::Status s = session.RestoreBytes(bytes.data(), bytes.size());
  if (!s.ok()) {
    if (s.message().empty() || session.HasModel()) std::abort();  // refused: nothing changed
    return 0;
  }
  const app::TrainOptions& o = session.options();
  if (o.batch < 1 || o.batch > app::kMaxBatch || !(o.lr > 0) || !(o.epochs > 0) || o.epochs > app::kMaxEpochs ||
      session.step() < 0 || session.step() > session.total_steps())
    std::abort();
  if (session.model().allocated_bytes() > dl::kPageBudgetBytes) std::abort();
  // Train one batch on 40 images (when that is cheap), then save and restore again.
  if (static_cast<double>(session.model().macs_per_image()) * o.batch <= 2e7) {
    session.SetData(tiny(40, 1), tiny(10, 2));
    session.StepOnce();
  }
  // What it saves restores again (or, trained on other data than it planned, is refused with a
  // sentence: never a crash).
  const std::vector<uint8_t> again = session.SaveBytes();
  app::TrainingSession other;
  other.SetBudget(dl::kPageBudgetBytes);
  const dl::Status s2 = other.RestoreBytes(again.data(), again.size());
  if (!s2.ok() && s2.message().empty()) std::abort();
  return 0;
}
