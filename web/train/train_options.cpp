// train_options.cpp — see train_options.h.
#include "train_options.h"

#include <cfloat>
#include <cmath>
#include <cstdio>

#include "optimizer.h"
#include "spec.h"

namespace app {

namespace json_read {

namespace {
std::string shown(const nlohmann::json& v) {  // the value as the sentence quotes it, shortened
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}
std::string num_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

dl::Status number(const nlohmann::json& v, const std::string& what, double lo, double hi, double* out) {
  const std::string range = "a number from " + num_text(lo) + " to " + num_text(hi);
  if (!v.is_number()) return dl::Status::Error(what + " must be " + range + ", not " + shown(v));
  const double d = v.get<double>();  // any JSON number converts to double (integers may round)
  if (!std::isfinite(d) || d < lo || d > hi) return dl::Status::Error(what + " must be " + range + ", not " + shown(v));
  *out = d;
  return dl::Status::Ok();
}

dl::Status whole(const nlohmann::json& v, const std::string& what, int64_t lo, int64_t hi, int64_t* out) {
  const std::string range = "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
  int64_t x = 0;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi)) return dl::Status::Error(what + " must be " + range + ", not " + shown(v));
    x = static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    x = v.get<int64_t>();
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    // Only a float that is exactly a whole number in range (2.0 from JavaScript's JSON is fine).
    if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || std::floor(d) != d)
      return dl::Status::Error(what + " must be " + range + ", not " + shown(v));
    x = static_cast<int64_t>(d);
  } else {
    return dl::Status::Error(what + " must be " + range + ", not " + shown(v));
  }
  if (x < lo || x > hi) return dl::Status::Error(what + " must be " + range + ", not " + shown(v));
  *out = x;
  return dl::Status::Ok();
}

dl::Status seed(const nlohmann::json& v, const std::string& what, uint64_t* out) {
  int64_t x = 0;
  dl::Status s = whole(v, what, 0, static_cast<int64_t>(kMaxSeed), &x);
  if (!s.ok()) return s;
  *out = static_cast<uint64_t>(x);
  return dl::Status::Ok();
}

dl::Status finite_float(const nlohmann::json& v, const std::string& what, float* out) {
  double d = 0;
  dl::Status s = number(v, what, -static_cast<double>(FLT_MAX), static_cast<double>(FLT_MAX), &d);
  if (!s.ok()) return s;
  *out = static_cast<float>(d);
  return dl::Status::Ok();
}

}  // namespace json_read

dl::Status parse_train_options(const std::string& json_text, TrainOptions* out, bool* compare, bool* include_r2) {
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return dl::Status::Error("train.start(options): options must be an object");
  TrainOptions o = *out;
  o.start_paused = false;
  bool cmp = false, r2 = false;
  const std::string api = "train.start: ";
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const nlohmann::json& v = it.value();
    const std::string what = api + "'" + k + "'";
    dl::Status s;
    if (k == "preset" || k == "spec") {
      if (!v.is_string()) return dl::Status::Error(what + " must be a string, e.g. \"R1\" or \"c8k5 p2 c16k5 p2 f10\"");
      o.spec = v.get_ref<const std::string&>();
    } else if (k == "optimizer") {
      if (!v.is_string() || !dl::parse_optimizer(v.get_ref<const std::string&>(), &o.optimizer).ok())
        return dl::Status::Error(api + "unknown optimizer " +
                                 v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                                 "; use sgd, adam or rmsprop");
    } else if (k == "schedule") {
      if (!v.is_string() || (v != "cosine" && v != "constant"))
        return dl::Status::Error(what + " must be \"cosine\" or \"constant\"");
      o.cosine = v == "cosine";
    } else if (k == "lr") {
      double d = 0;
      if (!(s = json_read::number(v, api + "the learning rate 'lr'", 0, kMaxLearningRate, &d)).ok()) return s;
      if (d <= 0) return dl::Status::Error(api + "the learning rate 'lr' must be above 0");
      o.lr = static_cast<float>(d);
    } else if (k == "batch") {
      int64_t x = 0;
      if (!(s = json_read::whole(v, api + "the batch size 'batch'", 1, kMaxBatch, &x)).ok()) return s;
      o.batch = static_cast<int>(x);
    } else if (k == "epochs") {
      double d = 0;
      if (!(s = json_read::number(v, api + "'epochs'", 0, kMaxEpochs, &d)).ok()) return s;
      if (d <= 0) return dl::Status::Error(api + "'epochs' must be more than 0");
      o.epochs = static_cast<float>(d);
    } else if (k == "subset") {
      int64_t x = 0;
      if (!(s = json_read::whole(v, api + "'subset' (training images, 0 = all)", 0, kMaxSubset, &x)).ok()) return s;
      o.subset = static_cast<int>(x);
    } else if (k == "seed") {
      if (!(s = json_read::seed(v, api + "'seed'", &o.seed)).ok()) return s;
    } else if (k == "augment" || k == "compare" || k == "includeR2" || k == "paused") {
      if (!v.is_boolean()) return dl::Status::Error(what + " must be true or false");
      (k == "augment" ? o.augment : k == "compare" ? cmp : k == "paused" ? o.start_paused : r2) = v.get<bool>();
    }
  }
  *out = o;
  if (compare) *compare = cmp;
  if (include_r2) *include_r2 = r2;
  return dl::Status::Ok();
}

dl::Status check_train_options(const TrainOptions& o, int threads, uint64_t budget_bytes, dl::Resources* resources) {
  if (!(o.lr > 0.0f) || !std::isfinite(o.lr) || static_cast<double>(o.lr) > kMaxLearningRate)
    return dl::Status::Error("The learning rate must be a number above 0 (and at most 1e30).");
  if (o.batch < 1 || o.batch > kMaxBatch) return dl::Status::Error("The batch size must be between 1 and 1024.");
  if (!(o.epochs > 0.0f) || o.epochs > kMaxEpochs)
    return dl::Status::Error("Epochs must be more than 0 and at most 100.");
  if (o.subset < 0 || o.subset > kMaxSubset)
    return dl::Status::Error("The number of training images must be from 0 (all) to 60000.");
  if (o.seed > kMaxSeed) return dl::Status::Error("The seed must be a whole number from 0 to 2^53.");
  std::vector<dl::LayerSpec> layers;
  dl::Status st = dl::parse_spec(o.spec, &layers);
  if (!st.ok()) return dl::Status::Error("Cannot train that network: " + st.message());
  st = dl::plan_resources(layers, o.batch, threads, dl::Use::Training, budget_bytes, resources);
  if (!st.ok()) return dl::Status::Error("Cannot train that network here: " + st.message() + ".");
  return dl::Status::Ok();
}

}  // namespace app
