// fuzz_train_options.cpp — libFuzzer target for window.digitlab.train.start(options): the options
// JSON (parse_train_options, every value typed and range-checked), the check of the run
// (check_train_options: ranges, spec, the network's memory for training against the page's
// budget), then a session that starts and trains one batch on a tiny synthetic data set.
//
// Any JSON must be refused with a message or start a run within the budget; never a crash (a
// get<int> on 1e300), a hang, or an allocation beyond the budget.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "resources.h"
#include "rng.h"
#include "tiny_data.h"
#include "train_options.h"
#include "training_session.h"

namespace {
using testdata::tiny;  // tests/tiny_data.h
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  app::TrainOptions o;
  const app::TrainOptions before = o;
  bool compare = false, r2 = false;
  dl::Status s = app::parse_train_options(text, &o, &compare, &r2);
  if (!s.ok()) {
    if (s.message().empty() || o.spec != before.spec || o.batch != before.batch || o.lr != before.lr) std::abort();
    return 0;
  }
  s = app::check_train_options(o, app::TrainingSession::MaxThreads(), dl::kPageBudgetBytes);  // as Start checks
  if (!s.ok()) {
    if (s.message().empty()) std::abort();
    return 0;
  }
  if (o.batch < 1 || o.batch > app::kMaxBatch || !(o.lr > 0) || !(o.epochs > 0) || o.subset < 0) std::abort();
  app::TrainingSession session;
  session.SetBudget(dl::kPageBudgetBytes);
  session.SetThreads(1);
  session.SetData(tiny(40, 1), tiny(10, 2));
  s = session.Start(o);
  if (!s.ok()) std::abort();  // checked above: it must start
  if (session.model().allocated_bytes() > dl::kPageBudgetBytes) std::abort();
  if (static_cast<double>(session.model().macs_per_image()) * o.batch <= 2e7) session.StepOnce();
  return 0;
}
