// training_session.cpp — see training_session.h.
#include "training_session.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>
#include <nlohmann/json.hpp>

#include "model_io.h"
#include "spec.h"
#include "train_options.h"
#include "ui_common.h"

namespace app {

namespace {

// The saved run's JSON layout: 2 since the page's schedule is the engine's (TrainRun).
constexpr int kRunFormat = 2;

std::string format_lr(float lr) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", lr);
  return buf;
}

// The longest a single Advance call may add to the elapsed time: a tab in the background gets no
// frames, and that pause is not training time.
constexpr double kMaxGapMs = 250.0;

// The run's JSON (SaveBytes), read back with every value typed and range-checked: a saved run is a
// file (IndexedDB, a download), and get<int> on 1e300 or a float from 1e39 is undefined behaviour.
// Each reader returns "" or the sentence saying which value is wrong.
struct RunReader {
  const nlohmann::json& run;
  std::string error;
  const nlohmann::json* find(const char* key, bool required) {
    const auto it = run.find(key);
    if (it != run.end()) return &*it;
    if (required && error.empty()) error = std::string("'") + key + "' is missing";
    return nullptr;
  }
  void keep(const dl::Status& s) {
    if (!s.ok() && error.empty()) error = s.message();
  }
  template <typename T>
  void whole(const char* key, int64_t lo, int64_t hi, T* out, bool required = true) {
    int64_t v = 0;
    if (const nlohmann::json* j = find(key, required)) {
      const dl::Status s = app::json_read::whole(*j, std::string("'") + key + "'", lo, hi, &v);
      keep(s);
      if (s.ok()) *out = static_cast<T>(v);
    }
  }
  void number(const char* key, double lo, double hi, double* out, bool required = true) {
    if (const nlohmann::json* j = find(key, required))
      keep(app::json_read::number(*j, std::string("'") + key + "'", lo, hi, out));
  }
  void flag(const char* key, bool* out) {
    if (const nlohmann::json* j = find(key, false)) {
      if (j->is_boolean()) *out = j->get<bool>();
      else if (error.empty()) error = std::string("'") + key + "' must be true or false";
    }
  }
  void text(const char* key, std::string* out) {
    if (const nlohmann::json* j = find(key, true)) {
      if (j->is_string()) *out = j->get<std::string>();
      else if (error.empty()) error = std::string("'") + key + "' must be a string";
    }
  }
};

// A curve point [epoch, step, value...]: finite floats and a whole step within the run.
dl::Status curve_point(const nlohmann::json& p, size_t n, int total_steps, float* values, int* step) {
  if (!p.is_array() || p.size() != n)
    return dl::Status::Error("a point is not a list of " + std::to_string(n) + " numbers");
  int64_t st = 0;
  dl::Status s = app::json_read::whole(p[1], "a point's step", 0, total_steps, &st);
  if (!s.ok()) return s;
  *step = static_cast<int>(st);
  for (size_t i = 0; i < n; ++i) {
    if (i == 1) continue;
    if (!(s = app::json_read::finite_float(p[i], "a point's value", &values[i])).ok()) return s;
  }
  return dl::Status::Ok();
}

}  // namespace

void TrainingSession::SetData(dl::Dataset train, dl::Dataset test) {
  // The last kValidation training images are the validation set; the pool keeps the others in
  // place (no copy of the 188 MB of pixels).
  const int n = train.count;
  const int v = std::min(kValidation, n / 10);
  val_set_.count = v;
  val_set_.images.assign(train.images.end() - static_cast<long>(v) * dl::kImageSize, train.images.end());
  val_set_.labels.assign(train.labels.end() - v, train.labels.end());
  pool_ = std::move(train);
  pool_.count = n - v;
  pool_.images.resize(static_cast<size_t>(pool_.count) * dl::kImageSize);
  pool_.labels.resize(pool_.count);
  test_ = std::move(test);
}

dl::RunConfig RunConfigOf(const TrainOptions& o) {
  dl::RunConfig c;
  c.optimizer.kind = o.optimizer;
  c.optimizer.lr = o.lr;
  c.schedule.kind = o.cosine ? dl::ScheduleConfig::Cosine : dl::ScheduleConfig::Constant;
  // Adam at a rate high enough to learn fast in one epoch is unstable in its first steps without it.
  c.schedule.warmup_epochs = o.cosine ? kWarmupShare * o.epochs : 0.0f;
  c.batch = o.batch;
  c.epochs = o.epochs;
  c.images = o.subset;
  c.augment = o.augment;
  c.seed = o.seed;
  return c;
}

dl::Status TrainingSession::Start(const TrainOptions& o) {
  if (!HasData()) return dl::Status::Error("The MNIST images are not loaded yet.");
  // The options, the spec and the network's memory for training at this batch on as many threads
  // as the session may ever use, all before anything is allocated.
  dl::Resources need;
  dl::Status st = check_train_options(o, MaxThreads(), budget_, &need);
  if (st.ok()) st = dl::probe_memory(need.total, "Training this network");
  if (!st.ok()) {
    message_ = st.message();
    return st;
  }
  auto model = std::make_unique<dl::Model>();
  st = dl::Model::build(o.spec, o.seed, model.get(), budget_);
  if (!st.ok()) {
    message_ = "Cannot train that network: " + st.message();
    return st;
  }
  run_ = dl::TrainRun();  // holds the old model's address: gone before the model is
  ready_ = false;
  options_ = o;
  model_ = std::move(model);  // the old model's worker threads end here, before new ones start
  model_->set_threads(threads_);
  restored_.clear();
  step_ = 0;
  images_seen_ = elapsed_ = ips_ = 0;
  curve_.clear();
  val_.clear();
  has_eval_ = false;
  val_eval_ = test_eval_ = dl::ChunkedEvaluation();
  diverged_ = false;
  st = BuildRun();
  if (!st.ok()) {
    message_ = "Cannot train that network: " + st.message();
    status_ = Status::Paused;
    return st;
  }
  status_ = o.start_paused ? Status::Paused : Status::Running;
  last_advance_ = -1;
  message_.clear();
  ++weights_version_;
  return dl::Status::Ok();
}

int TrainingSession::MaxThreads() {
  if (!dl::kThreadsAvailable) return 1;
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
}

const char* TrainingSession::ThreadsNote() {
  if (dl::kThreadsAvailable) return nullptr;
  return "1 thread: this page is not cross-origin isolated yet, so the browser allows no more. "
         "Reload the page: DigitLab's service worker then isolates it and training gets one thread "
         "per core (service workers need https or localhost; a server sending the COOP/COEP "
         "headers, like scripts/serve.mjs, needs no reload).";
}

void TrainingSession::SetThreads(int threads) {
  threads_ = std::clamp(threads, 1, MaxThreads());
  // A batch in progress is completed first, with the threads it began with (their partial gradients
  // are summed in a fixed order). The new threads start here, on the caller's thread: in the page
  // that is the UI thread, as it must be (a worker cannot start threads while the UI waits for it).
  if (ready_ && !run_.between_batches()) TrainChunk(std::numeric_limits<double>::infinity());
  ApplyThreads();
}

void TrainingSession::ApplyThreads() {
  if (!model_ || model_->threads() == threads_) return;
  model_->set_threads(threads_);
  // The scratch is per thread. Start and RestoreBytes checked the budget for MaxThreads() threads,
  // so this fits; should it not, one thread (the smallest scratch) does.
  if (!model_->plan(options_.batch).ok()) {
    threads_ = 1;
    model_->set_threads(1);
    (void)model_->plan(options_.batch);
  }
}

void TrainingSession::Notice(const std::string& sentence) {
  if (status_ == Status::Empty || status_ == Status::Finished) message_ = sentence;
}

dl::Status TrainingSession::BuildRun() {
  // Start and RestoreBytes checked this batch's training against the budget (check_train_options);
  // TrainRun::begin checks it again on the model's threads before it allocates.
  dl::TrainRun run;
  dl::Status st = run.begin(model_.get(), &pool_, RunConfigOf(options_));
  if (st.ok() && !restored_.empty()) {
    dl::SafeTensorsFile file;
    st = dl::parse_safetensors(restored_.data(), restored_.size(), &file);
    if (st.ok()) st = run.restore(file);
    if (!st.ok()) st = dl::Status::Error("The saved run cannot continue on these images: " + st.message());
  }
  if (!st.ok()) return st;
  run_ = std::move(run);
  restored_.clear();
  curve_every_ = static_cast<int>(std::max<int64_t>(1, run_.total_steps() / 300));
  validate_every_ = static_cast<int>(std::max<int64_t>(1, run_.total_steps() / 12));
  interval_loss_ = 0;
  interval_correct_ = interval_images_ = 0;
  SyncPosition();
  lr_now_ = run_.lr();
  ready_ = true;
  return dl::Status::Ok();
}

void TrainingSession::SyncPosition() {
  step_ = static_cast<int>(run_.steps_done());
  total_steps_ = static_cast<int>(run_.total_steps());
  steps_per_epoch_ = run_.steps_per_epoch();
  train_count_ = run_.images();
  // Images of the steps done: whole epochs, then the batches of this one.
  images_seen_ = static_cast<double>(run_.epoch()) * train_count_ +
                 std::min<double>(train_count_, static_cast<double>(run_.step_in_epoch()) * options_.batch);
}

bool TrainingSession::EnsureRun() {
  if (ready_) return true;
  const dl::Status st = BuildRun();
  if (st.ok()) return true;
  message_ = st.message();
  if (status_ == Status::Running) status_ = Status::Paused;
  return false;
}

void TrainingSession::Pause() {
  if (status_ == Status::Running) status_ = Status::Paused;
}

void TrainingSession::Resume() {
  if (status_ != Status::Paused || !HasData()) return;
  if (!EnsureRun()) return;
  if (run_.finished()) {  // nothing left to train
    status_ = Status::Finished;
    return;
  }
  diverged_ = false;
  message_.clear();
  status_ = Status::Running;
  last_advance_ = -1;
}

void TrainingSession::StepOnce() {
  if (!model_ || !HasData() || status_ == Status::Finished) return;
  if (!EnsureRun()) return;
  if (status_ == Status::Running) status_ = Status::Paused;
  const dl::RunProgress p = run_.step();
  if (p.diverged) Diverge();
  else if (p.steps > 0) EndStep(p);
}

void TrainingSession::Reset() {
  const TrainOptions keep = options_;
  const int version = weights_version_;
  const int threads = threads_;
  *this = TrainingSession(std::move(pool_), std::move(val_set_), std::move(test_));
  options_ = keep;
  threads_ = threads;
  weights_version_ = version + 1;
}

TrainingSession::TrainingSession(dl::Dataset pool, dl::Dataset val, dl::Dataset test)
    : pool_(std::move(pool)), val_set_(std::move(val)), test_(std::move(test)) {}

int TrainingSession::Chunk(double ms_left, double ms_per_image, int max) const {
  const int n = static_cast<int>(std::min(1e9, ms_left / std::max(1e-3, ms_per_image)));
  return std::clamp(n, 1, max);
}

void TrainingSession::TrainChunk(double deadline_ms) {
  dl::Budget budget;
  budget.ms = deadline_ms - now_ms();
  budget.steps = 1;
  const dl::RunProgress p = run_.advance(budget);
  if (p.diverged) Diverge();
  else if (p.steps > 0) EndStep(p);
}

void TrainingSession::EndStep(const dl::RunProgress& p) {
  lr_now_ = p.lr;
  interval_loss_ += p.loss_sum;
  interval_correct_ += static_cast<long>(p.correct);
  interval_images_ += static_cast<long>(p.images);
  SyncPosition();
  ++weights_version_;
  const bool last = run_.finished();
  const bool epoch_end = step_ % steps_per_epoch_ == 0;
  if (step_ % curve_every_ == 0 || last || epoch_end) {
    CurvePoint c;
    c.epoch = epoch();
    c.step = step_;
    c.loss = static_cast<float>(interval_loss_ / std::max<long>(1, interval_images_));
    c.accuracy = static_cast<float>(interval_correct_) / std::max<long>(1, interval_images_);
    curve_.push_back(c);
    interval_loss_ = 0;
    interval_correct_ = interval_images_ = 0;
  }
  if ((step_ % validate_every_ == 0 || last || epoch_end) && val_set_.count > 0)
    val_eval_ = dl::ChunkedEvaluation(&val_set_, 0);
  if (last) {
    status_ = Status::Finished;
    char buf[160];
    std::snprintf(buf, sizeof(buf), "Finished: %d steps (%.2g epochs of %d images) in %.1f s of training.", step_,
                  static_cast<double>(epoch()), train_count_, elapsed_);
    message_ = buf;
    RequestEvaluation(0);
  }
}

void TrainingSession::Diverge() {
  // The run put its last good snapshot back; the curves after it go, and the run pauses with a
  // sentence that says what to do.
  const dl::Divergence& d = run_.divergence();
  SyncPosition();
  while (!curve_.empty() && curve_.back().step > step_) curve_.pop_back();
  while (!val_.empty() && val_.back().step > step_) val_.pop_back();
  interval_loss_ = 0;
  interval_correct_ = interval_images_ = 0;
  val_eval_ = dl::ChunkedEvaluation();
  status_ = Status::Paused;
  diverged_ = true;
  ++weights_version_;
  char buf[320];
  std::snprintf(buf, sizeof(buf),
                "Training diverged at step %lld: %s at learning rate %s. Paused, and the weights of step %d are back. "
                "Set a lower learning rate (e.g. %s) and press Start again.",
                static_cast<long long>(d.step + 1), d.cause(), format_lr(d.lr).c_str(), step_,
                format_lr(options_.lr > 0.03f ? 0.003f : options_.lr / 10).c_str());
  message_ = buf;
}

bool TrainingSession::EvaluateSome(dl::ChunkedEvaluation* e, double deadline_ms) {
  const double t0 = now_ms();
  const int n = Chunk(deadline_ms - t0, ms_per_eval_image_, std::min(256, e->count() - e->position()));
  e->evaluate_some(*model_, n);
  ms_per_eval_image_ = 0.7 * ms_per_eval_image_ + 0.3 * ((now_ms() - t0) / n);
  return e->done();
}

void TrainingSession::ValidateChunk(double deadline_ms) {
  if (EvaluateSome(&val_eval_, deadline_ms)) {
    ValPoint p;
    p.epoch = epoch();
    p.step = step_;
    p.accuracy = val_eval_.result().accuracy();
    if (!val_.empty() && val_.back().step == step_) val_.back() = p;
    else val_.push_back(p);
    val_eval_ = dl::ChunkedEvaluation();
  }
}

void TrainingSession::RequestEvaluation(int count) {
  if (!model_ || !HasData()) return;
  test_eval_ = dl::ChunkedEvaluation(&test_, count);
}

void TrainingSession::EvalChunk(double deadline_ms) {
  if (EvaluateSome(&test_eval_, deadline_ms)) {
    eval_ = test_eval_.result();
    has_eval_ = true;
    test_eval_ = dl::ChunkedEvaluation();
    eval_step_ = step_;
  }
}

bool TrainingSession::Advance(double budget_ms) {
  const double t0 = now_ms();
  const double deadline = t0 + budget_ms;
  if (status_ == Status::Running) {
    if (last_advance_ >= 0) elapsed_ += std::min(kMaxGapMs, t0 - last_advance_) / 1000.0;
    last_advance_ = t0;
  }
  bool did = false;
  while (now_ms() < deadline && model_ && HasData()) {
    // Evaluation may run between the chunks of a batch: accumulate() does its forward and backward
    // in one call, so nothing of the batch lives in the activations, and the accumulated gradients
    // are not touched by an eval-mode forward.
    if (test_eval_.active()) {
      EvalChunk(deadline);
    } else if (val_eval_.active()) {
      ValidateChunk(deadline);
    } else if (status_ == Status::Running) {
      if (!EnsureRun()) break;
      TrainChunk(deadline);
    } else {
      break;
    }
    did = true;
  }
  // Images per second over windows of about a second of training.
  if (status_ == Status::Running || status_ == Status::Finished) {
    if (ips_window_t_ < 0 || images_seen_ < ips_window_images_) {
      ips_window_t_ = elapsed_;
      ips_window_images_ = images_seen_;
    } else if (elapsed_ - ips_window_t_ >= 1.0) {
      ips_ = (images_seen_ - ips_window_images_) / (elapsed_ - ips_window_t_);
      ips_window_t_ = elapsed_;
      ips_window_images_ = images_seen_;
    }
  }
  if (status_ != Status::Running) last_advance_ = -1;
  return did;
}

double TrainingSession::eta() const {
  if (!model_ || ips_ <= 0) return -1;
  const double left = (static_cast<double>(total_steps_) - step_) * options_.batch;
  return std::max(0.0, left / ips_);
}

// --- files -----------------------------------------------------------------------------------------

std::vector<uint8_t> TrainingSession::SaveBytes() const {
  if (!model_) return {};
  if (!ready_) return restored_;  // restored and not trained since: the bytes as they came
  nlohmann::json run;
  run["run_format"] = kRunFormat;
  run["spec"] = options_.spec;
  run["optimizer"] = dl::optimizer_name(options_.optimizer);
  run["lr"] = options_.lr;
  run["cosine"] = options_.cosine;
  run["batch"] = options_.batch;
  run["epochs"] = options_.epochs;
  run["augment"] = options_.augment;
  run["subset"] = options_.subset;
  run["seed"] = options_.seed;
  run["step"] = step_;
  run["total_steps"] = total_steps_;
  run["steps_per_epoch"] = steps_per_epoch_;
  run["train_images"] = train_count_;
  run["images_seen"] = images_seen_;
  run["elapsed"] = elapsed_;
  run["finished"] = status_ == Status::Finished;
  nlohmann::json c = nlohmann::json::array(), v = nlohmann::json::array();
  for (const CurvePoint& p : curve_) c.push_back({p.epoch, p.step, p.loss, p.accuracy});
  for (const ValPoint& p : val_) v.push_back({p.epoch, p.step, p.accuracy});
  run["curve"] = c;
  run["validation"] = v;
  std::map<std::string, std::string> extra;
  extra["name"] = "trained in the browser (" + options_.spec + ")";
  extra["trained_with"] = "DigitLab web app";
  extra["digitlab_run"] = run.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", static_cast<double>(epoch()));
  extra["epochs"] = buf;
  return run_.save_bytes(extra);  // empty when a value is not finite: a poisoned run is never stored
}

dl::Status TrainingSession::RestoreBytes(const uint8_t* bytes, size_t size) {
  dl::SafeTensorsFile file;
  dl::Status st = dl::parse_safetensors(bytes, size, &file);
  if (!st.ok()) return st;
  const auto it = file.metadata.find("digitlab_run");
  if (it == file.metadata.end()) return dl::Status::Error("this file holds a model but no training run");
  const nlohmann::json run = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!run.is_object()) return dl::Status::Error("the training run in this file is damaged (not a JSON object)");
  const auto format = run.find("run_format");
  if (format == run.end() || !format->is_number_integer() || format->get<int64_t>() != kRunFormat)
    return dl::Status::Error(
        "this run was saved by an earlier version of DigitLab, whose learning-rate schedule "
        "differs, so it cannot continue; start a new run");
  auto damaged = [](const std::string& why) {
    return dl::Status::Error("the training run in this file is damaged: " + why);
  };

  // The options, typed and in the ranges of the Train view's fields.
  RunReader r{run, ""};
  TrainOptions o;
  std::string optimizer;
  double lr = 0, epochs = 0;
  r.text("spec", &o.spec);
  r.text("optimizer", &optimizer);
  r.number("lr", 0, kMaxLearningRate, &lr);
  r.flag("cosine", &o.cosine);
  r.whole("batch", 1, kMaxBatch, &o.batch);
  r.number("epochs", 0, kMaxEpochs, &epochs);
  r.flag("augment", &o.augment);
  r.whole("subset", 0, kMaxSubset, &o.subset);
  if (const nlohmann::json* j = r.find("seed", true)) r.keep(json_read::seed(*j, "'seed'", &o.seed));
  if (!r.error.empty()) return damaged(r.error);
  if (!dl::parse_optimizer(optimizer, &o.optimizer).ok()) return damaged("it names an unknown optimizer");
  o.lr = static_cast<float>(lr);
  o.epochs = static_cast<float>(epochs);
  // Ranges, the spec, and the network's memory for training at this batch (as Start checks).
  dl::Resources need;
  st = check_train_options(o, MaxThreads(), budget_, &need);
  if (!st.ok()) return damaged(st.message());
  st = dl::probe_memory(need.total, "Restoring this run");
  if (!st.ok()) return st;

  // The position in the run, consistent with the options.
  int train_images = 0, steps_per_epoch = 0, total_steps = 0, step = 0;
  double images_seen = 0, elapsed = 0;
  bool finished = false;
  r.whole("train_images", 1, kMaxSubset, &train_images);
  r.whole("steps_per_epoch", 1, kMaxSubset, &steps_per_epoch);
  r.whole("total_steps", 1, static_cast<int64_t>(kMaxEpochs) * kMaxSubset, &total_steps);
  r.number("images_seen", 0, 1e13, &images_seen);
  r.number("elapsed", 0, 1e10, &elapsed);
  r.flag("finished", &finished);
  if (!r.error.empty()) return damaged(r.error);
  r.whole("step", 0, total_steps, &step);
  if (!r.error.empty()) return damaged(r.error);
  if (steps_per_epoch != (train_images + o.batch - 1) / o.batch)
    return damaged("its " + std::to_string(steps_per_epoch) + " steps per epoch do not fit " +
                   std::to_string(train_images) + " images in batches of " + std::to_string(o.batch));
  if (total_steps != std::max(1, static_cast<int>(std::ceil(o.epochs * steps_per_epoch - 1e-3))))
    return damaged("its " + std::to_string(total_steps) + " steps do not make the epochs it plans");

  // The curves.
  const nlohmann::json* curve_json = r.find("curve", true);
  if (!curve_json || !curve_json->is_array()) return damaged("'curve' is not a list");
  std::vector<CurvePoint> curve;
  std::vector<ValPoint> val;
  for (const auto& p : *curve_json) {
    float v[4] = {};
    int s = 0;
    if (!(st = curve_point(p, 4, total_steps, v, &s)).ok()) return damaged("the training curve: " + st.message());
    curve.push_back(CurvePoint{v[0], s, v[2], v[3]});
  }
  if (const nlohmann::json* vj = r.find("validation", false)) {
    if (!vj->is_array()) return damaged("'validation' is not a list");
    for (const auto& p : *vj) {
      float v[3] = {};
      int s = 0;
      if (!(st = curve_point(p, 3, total_steps, v, &s)).ok()) return damaged("the validation curve: " + st.message());
      val.push_back(ValPoint{v[0], s, v[2]});
    }
  }

  // The model: the file's network must be the run's, within the budget (model_io checks it).
  auto model = std::make_unique<dl::Model>();
  st = dl::model_from_safetensors(file, model.get(), budget_);
  if (!st.ok()) return st;
  std::string canonical;
  if (!dl::parse_spec(o.spec, nullptr, &canonical).ok() || canonical != model->spec())
    return damaged("its spec '" + o.spec.substr(0, 80) + "' is not the file's network '" + model->spec() + "'");
  // The run's state: its position must be the JSON's, its optimizer the options' (the model's
  // layout); TrainRun::restore reads them again, with the data, when training continues.
  const auto run_step = file.metadata.find("run_step");
  if (run_step == file.metadata.end() || run_step->second != std::to_string(step))
    return damaged("its run_step is not its step " + std::to_string(step));
  {
    dl::OptimizerConfig cfg;
    cfg.kind = o.optimizer;
    dl::Optimizer opt(cfg, model->params().size(), model->param_tensors());
    st = dl::load_optimizer_state(file, *model, &opt);
    if (!st.ok()) return st;
  }

  // All checked: replace the run.
  run_ = dl::TrainRun();
  options_ = o;
  model_ = std::move(model);
  model_->set_threads(threads_);
  restored_.assign(bytes, bytes + size);
  curve_ = std::move(curve);
  val_ = std::move(val);
  step_ = step;
  total_steps_ = total_steps;
  steps_per_epoch_ = steps_per_epoch;
  train_count_ = train_images;
  images_seen_ = images_seen;
  elapsed_ = elapsed;
  ips_ = 0;
  ips_window_t_ = -1;
  status_ = finished ? Status::Finished : Status::Paused;
  diverged_ = false;
  message_.clear();
  has_eval_ = false;
  val_eval_ = test_eval_ = dl::ChunkedEvaluation();
  ready_ = false;                                          // the run begins when training continues (it needs the data)
  if (!model_->plan(o.batch).ok()) (void)model_->plan(1);  // checked above: the batch fits
  ++weights_version_;
  return dl::Status::Ok();
}

}  // namespace app
