// train_options.h — the Train view's options as they come from outside the program: the automation
// API's train.start(options) JSON and the run JSON of a saved run (IndexedDB, a downloaded file).
// Every value is typed and range-checked before it is used (issue 12): a wrong value is a sentence,
// never a conversion nlohmann or C++ leaves undefined (get<int> on 1e300, a float from 1e39).
// The ranges are those of the Train view's fields; check_train_options adds the network's memory
// for training at that batch size (engine/resources.h) against the page's budget.
// No ImGui and no Emscripten here: the unit tests and the fuzz targets use it as it is.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "resources.h"
#include "status.h"
#include "training_session.h"

namespace app {

// The ranges of the options (the Train view clamps its fields to the same).
// Above 0 and at most 1e30 as a float (a diverging rate is allowed, and caught; one a float cannot
// hold is not). The float's value, so that a saved run's rate reads back in range.
constexpr double kMaxLearningRate = static_cast<double>(1e30f);
constexpr int kMaxBatch = 1024;
constexpr double kMaxEpochs = 100;
constexpr int kMaxSubset = 60000;                   // MNIST has 60,000 training images; 0 = all
constexpr uint64_t kMaxSeed = (uint64_t{1} << 53);  // exact in a JavaScript number

// Reads window.digitlab.train.start(options) over *o (the panel's current options): the keys
// preset/spec, optimizer, schedule ("cosine" or "constant"), lr, batch, epochs, subset, seed,
// augment, paused (TrainOptions::start_paused), and compare/includeR2 into *compare, *include_r2. Unknown keys are ignored; a key of the
// wrong type or out of range is refused ("train.start: 'batch' must be a whole number from 1 to
// 1024, not 1e+300"), and then *o is unchanged.
dl::Status parse_train_options(const std::string& json_text, TrainOptions* o, bool* compare, bool* include_r2);

// Whether a run with these options can start: the ranges above, the spec, and the network's
// memory for training at o.batch on `threads` threads within budget_bytes (the page's 256 MiB in
// WebAssembly). The sentence names what to change (e.g. "... a batch of at most 3 fits").
dl::Status check_train_options(const TrainOptions& o, int threads, uint64_t budget_bytes = dl::kDefaultBudgetBytes,
                               dl::Resources* resources = nullptr);

// Typed reads of one JSON value, for the option and run readers. Each returns an error sentence
// that starts with `what` (e.g. "'batch'") when the value has the wrong type or range.
namespace json_read {
dl::Status number(const nlohmann::json& v, const std::string& what, double lo, double hi, double* out);
dl::Status whole(const nlohmann::json& v, const std::string& what, int64_t lo, int64_t hi, int64_t* out);
dl::Status seed(const nlohmann::json& v, const std::string& what, uint64_t* out);
dl::Status finite_float(const nlohmann::json& v, const std::string& what, float* out);  // any finite float
}  // namespace json_read

}  // namespace app
