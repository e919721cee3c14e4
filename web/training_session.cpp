// training_session.cpp — see training_session.h.
#include "training_session.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <nlohmann/json.hpp>

#include "model_io.h"
#include "rng.h"
#include "spec.h"
#include "train_options.h"

namespace app {

namespace {

double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

// A PCG stream per (epoch, step, purpose), as in the CLI's epoch loop.
uint64_t stream_of(int epoch, int step, int purpose) {
  return ((static_cast<uint64_t>(epoch) << 32) | static_cast<uint32_t>(step)) * 4u + static_cast<uint64_t>(purpose);
}
enum Purpose { kShuffle = 1, kAugment = 2, kDropout = 3 };

const char* divergence_cause(float loss) {
  return std::isnan(loss) ? "the loss is NaN" : std::isinf(loss) ? "the loss is infinite" : "a gradient is not finite";
}

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
  void keep(const dl::Status& s) { if (!s.ok() && error.empty()) error = s.message(); }
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
    if (const nlohmann::json* j = find(key, required)) keep(app::json_read::number(*j, std::string("'") + key + "'", lo, hi, out));
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
  if (!p.is_array() || p.size() != n) return dl::Status::Error("a point is not a list of " + std::to_string(n) + " numbers");
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
  options_ = o;
  model_ = std::move(model);  // the old model's worker threads end here, before new ones start
  model_->set_threads(threads_);
  dl::OptimizerConfig cfg;
  cfg.kind = o.optimizer;
  cfg.lr = o.lr;
  trainer_ = std::make_unique<dl::Trainer>(model_.get(), cfg, o.seed);
  step_ = 0;
  images_seen_ = elapsed_ = ips_ = 0;
  curve_.clear();
  val_.clear();
  has_eval_ = eval_pending_ = val_pending_ = false;
  diverged_ = false;
  BuildRun();
  Snapshot();
  status_ = Status::Running;
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
  if (batch_pos_ == 0) ApplyThreads();  // else when the batch in progress is complete
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

void TrainingSession::BuildRun() {
  const TrainOptions& o = options_;
  train_count_ = o.subset > 0 ? std::min(o.subset, pool_.count) : pool_.count;
  steps_per_epoch_ = std::max(1, (train_count_ + o.batch - 1) / o.batch);
  total_steps_ = std::max(1, static_cast<int>(std::ceil(o.epochs * steps_per_epoch_ - 1e-3)));
  step_ = std::min(step_, total_steps_);  // a restored run on other data: never past the end
  curve_every_ = std::max(1, total_steps_ / 300);
  validate_every_ = std::max(1, total_steps_ / 12);
  snapshot_every_ = 50;
  order_.assign(train_count_, 0);
  order_epoch_ = -1;
  batch_images_.assign(static_cast<size_t>(o.batch) * dl::kImageSize, 0.0f);
  aug_images_.assign(o.augment ? batch_images_.size() : 0, 0.0f);
  batch_labels_.assign(o.batch, 0);
  batch_pos_ = batch_n_ = 0;
  interval_loss_ = 0;
  interval_correct_ = interval_images_ = 0;
  // Start and RestoreBytes checked this batch's training against the budget (check_train_options).
  const dl::Status planned = model_->plan(o.batch);
  assert(planned.ok() && "the run's batch was checked against the budget before");
  (void)planned;
  ready_ = true;
}

void TrainingSession::Pause() {
  if (status_ == Status::Running) status_ = Status::Paused;
}

void TrainingSession::Resume() {
  if (status_ != Status::Paused || !HasData()) return;
  if (!ready_) BuildRun();
  if (step_ >= total_steps_) {  // nothing left to train (a restored run on other data)
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
  if (!ready_) BuildRun();
  if (status_ == Status::Running) status_ = Status::Paused;
  const int target = step_ + 1;
  while (step_ < target && !diverged_) {
    if (!TrainChunk(now_ms() + 1e9)) break;
  }
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

float TrainingSession::LrAt(int step) const {
  const float lr = options_.lr;
  if (!options_.cosine) return lr;
  // A short linear warm-up (3% of the run) and a cosine decay to 0: Adam at a rate high enough to
  // learn fast in one epoch is unstable in its first steps without it.
  const float warm = std::max(1.0f, 0.03f * total_steps_);
  const float w = std::min(1.0f, (step + 1) / warm);
  const float t = static_cast<float>(step) / total_steps_;
  return lr * w * 0.5f * (1.0f + std::cos(3.14159265f * t));
}

void TrainingSession::BeginEpochOrder(int epoch) {
  for (int i = 0; i < train_count_; ++i) order_[i] = i;
  dl::Rng rng(options_.seed, stream_of(epoch, 0, kShuffle));
  rng.shuffle(order_.begin(), order_.end());
  order_epoch_ = epoch;
}

void TrainingSession::GatherBatch() {
  const int epoch = step_ / steps_per_epoch_;
  const int pos = step_ % steps_per_epoch_;
  if (order_epoch_ != epoch) BeginEpochOrder(epoch);
  const int b0 = pos * options_.batch;
  batch_n_ = std::min(options_.batch, train_count_ - b0);
  for (int j = 0; j < batch_n_; ++j) {
    const int idx = order_[b0 + j];
    std::memcpy(batch_images_.data() + static_cast<size_t>(j) * dl::kImageSize, pool_.image(idx),
                sizeof(float) * dl::kImageSize);
    batch_labels_[j] = pool_.labels[idx];
  }
  if (options_.augment) {
    dl::Rng aug(options_.seed, stream_of(epoch, pos, kAugment));
    dl::augment_batch(batch_images_.data(), aug_images_.data(), batch_n_, dl::AugmentConfig{}, aug);
  }
  trainer_->rng().reseed(options_.seed, stream_of(epoch, pos, kDropout));
  ApplyThreads();
  trainer_->begin_batch();
  batch_pos_ = 0;
  batch_loss_ = 0;
  batch_correct_ = 0;
}

int TrainingSession::Chunk(double ms_left, double ms_per_image, int max) const {
  const int n = static_cast<int>(ms_left / std::max(1e-3, ms_per_image));
  return std::clamp(n, 1, max);
}

bool TrainingSession::TrainChunk(double deadline_ms) {
  if (step_ >= total_steps_) return false;
  if (batch_pos_ == 0) GatherBatch();
  const double t0 = now_ms();
  const int n = Chunk(deadline_ms - t0, ms_per_train_image_, batch_n_ - batch_pos_);
  const float* src = (options_.augment ? aug_images_.data() : batch_images_.data()) +
                     static_cast<size_t>(batch_pos_) * dl::kImageSize;
  const float lr = LrAt(step_);
  const dl::StepResult r = trainer_->accumulate(src, batch_labels_.data() + batch_pos_, n,
                                                static_cast<float>(n) / batch_n_);
  const double dt = now_ms() - t0;
  ms_per_train_image_ = 0.7 * ms_per_train_image_ + 0.3 * (dt / n);
  if (!r.finite) {
    Diverge(step_, r.loss, lr);
    return false;
  }
  batch_loss_ += r.loss * n / batch_n_;
  batch_correct_ += r.correct;
  batch_pos_ += n;
  if (batch_pos_ < batch_n_) return true;
  if (!trainer_->finish_batch(lr)) {
    Diverge(step_, batch_loss_, lr);
    return false;
  }
  EndStep(lr);
  return status_ == Status::Running || status_ == Status::Paused;
}

void TrainingSession::EndStep(float lr) {
  lr_now_ = lr;
  images_seen_ += batch_n_;
  interval_loss_ += static_cast<double>(batch_loss_) * batch_n_;
  interval_correct_ += batch_correct_;
  interval_images_ += batch_n_;
  ++step_;
  batch_pos_ = 0;
  ++weights_version_;
  const bool last = step_ >= total_steps_;
  const bool epoch_end = step_ % steps_per_epoch_ == 0;
  if (step_ % curve_every_ == 0 || last || epoch_end) {
    CurvePoint p;
    p.epoch = epoch();
    p.step = step_;
    p.loss = static_cast<float>(interval_loss_ / std::max<long>(1, interval_images_));
    p.accuracy = static_cast<float>(interval_correct_) / std::max<long>(1, interval_images_);
    curve_.push_back(p);
    interval_loss_ = 0;
    interval_correct_ = interval_images_ = 0;
  }
  if (step_ % validate_every_ == 0 || last || epoch_end) {
    val_pending_ = val_set_.count > 0;
    val_pos_ = val_correct_ = 0;
  }
  if (step_ % snapshot_every_ == 0 || epoch_end) Snapshot();
  if (last) {
    status_ = Status::Finished;
    char buf[160];
    std::snprintf(buf, sizeof(buf), "Finished: %d steps (%.2g epochs of %d images) in %.1f s of training.", step_,
                  static_cast<double>(epoch()), train_count_, elapsed_);
    message_ = buf;
    RequestEvaluation(0);
  }
}

void TrainingSession::Snapshot() {
  // Only finite weights become the state a divergence rolls back to (issue 12, finding 9): the
  // previous good snapshot stays otherwise.
  if (!dl::first_non_finite(*model_, &trainer_->optimizer()).empty()) return;
  good_.step = step_;
  good_.params = model_->params();
  good_.buffers = model_->buffers();
  good_.m = trainer_->optimizer().m();
  good_.v = trainer_->optimizer().v();
  good_.opt_steps = trainer_->optimizer().steps();
  good_.curve = curve_.size();
  good_.val = val_.size();
  good_.images = images_seen_;
}

void TrainingSession::Diverge(int step, float loss, float lr) {
  // Put the last good weights and optimizer moments back (same sizes: the layers' pointers into
  // the blocks stay valid), and pause with a sentence that says what to do.
  std::copy(good_.params.begin(), good_.params.end(), model_->params().begin());
  std::copy(good_.buffers.begin(), good_.buffers.end(), model_->buffers().begin());
  trainer_->optimizer().m() = good_.m;
  trainer_->optimizer().v() = good_.v;
  trainer_->optimizer().set_steps(good_.opt_steps);
  step_ = good_.step;
  curve_.resize(good_.curve);
  val_.resize(good_.val);
  images_seen_ = good_.images;
  batch_pos_ = 0;
  interval_loss_ = 0;
  interval_correct_ = interval_images_ = 0;
  val_pending_ = false;
  status_ = Status::Paused;
  diverged_ = true;
  ++weights_version_;
  char buf[320];
  std::snprintf(buf, sizeof(buf),
                "Training diverged at step %d: %s at learning rate %s. Paused, and the weights of step %d are back. "
                "Set a lower learning rate (e.g. %s) and press Start again.",
                step + 1, divergence_cause(loss), format_lr(lr).c_str(), good_.step,
                format_lr(options_.lr > 0.03f ? 0.003f : options_.lr / 10).c_str());
  message_ = buf;
}

void TrainingSession::ValidateChunk(double deadline_ms) {
  const double t0 = now_ms();
  const int n = Chunk(deadline_ms - t0, ms_per_eval_image_, std::min(256, val_set_.count - val_pos_));
  const float* logits = model_->forward(val_set_.image(val_pos_), n, /*train=*/false);
  for (int i = 0; i < n; ++i) val_correct_ += dl::argmax10(logits + i * dl::kClasses) == val_set_.labels[val_pos_ + i];
  ms_per_eval_image_ = 0.7 * ms_per_eval_image_ + 0.3 * ((now_ms() - t0) / n);
  val_pos_ += n;
  if (val_pos_ >= val_set_.count) {
    val_pending_ = false;
    ValPoint p;
    p.epoch = epoch();
    p.step = step_;
    p.accuracy = static_cast<float>(val_correct_) / val_set_.count;
    if (!val_.empty() && val_.back().step == step_) val_.back() = p; else val_.push_back(p);
  }
}

void TrainingSession::RequestEvaluation(int count) {
  if (!model_ || !HasData()) return;
  eval_count_ = count > 0 ? std::min(count, test_.count) : test_.count;
  eval_pos_ = 0;
  eval_logits_.assign(static_cast<size_t>(eval_count_) * dl::kClasses, 0.0f);
  eval_pending_ = true;
}

void TrainingSession::EvalChunk(double deadline_ms) {
  const double t0 = now_ms();
  const int n = Chunk(deadline_ms - t0, ms_per_eval_image_, std::min(256, eval_count_ - eval_pos_));
  const float* logits = model_->forward(test_.image(eval_pos_), n, /*train=*/false);
  std::memcpy(eval_logits_.data() + static_cast<size_t>(eval_pos_) * dl::kClasses, logits,
              sizeof(float) * n * dl::kClasses);
  ms_per_eval_image_ = 0.7 * ms_per_eval_image_ + 0.3 * ((now_ms() - t0) / n);
  eval_pos_ += n;
  if (eval_pos_ >= eval_count_) {
    eval_ = dl::evaluate_logits(eval_logits_.data(), test_.labels.data(), eval_count_);
    has_eval_ = true;
    eval_pending_ = false;
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
    if (eval_pending_) {
      EvalChunk(deadline);
    } else if (val_pending_) {
      ValidateChunk(deadline);
    } else if (status_ == Status::Running) {
      if (!ready_) BuildRun();
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
  if (!dl::first_non_finite(*model_, &trainer_->optimizer()).empty()) return {};  // never store a poisoned run
  nlohmann::json run;
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
  return dl::save_model_bytes(*model_, extra, &trainer_->optimizer());
}

dl::Status TrainingSession::RestoreBytes(const uint8_t* bytes, size_t size) {
  dl::SafeTensorsFile file;
  dl::Status st = dl::parse_safetensors(bytes, size, &file);
  if (!st.ok()) return st;
  const auto it = file.metadata.find("digitlab_run");
  if (it == file.metadata.end()) return dl::Status::Error("this file holds a model but no training run");
  const nlohmann::json run = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!run.is_object()) return dl::Status::Error("the training run in this file is damaged (not a JSON object)");
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
  dl::OptimizerConfig cfg;
  cfg.kind = o.optimizer;
  cfg.lr = o.lr;
  auto trainer = std::make_unique<dl::Trainer>(model.get(), cfg, o.seed);
  st = dl::load_optimizer_state(file, *model, &trainer->optimizer());
  if (!st.ok()) return st;

  // All checked: replace the run.
  options_ = o;
  model_ = std::move(model);
  model_->set_threads(threads_);
  trainer_ = std::move(trainer);
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
  has_eval_ = eval_pending_ = val_pending_ = false;
  batch_pos_ = 0;
  ready_ = false;  // the batch buffers and the order are made when training resumes
  if (!model_->plan(o.batch).ok()) (void)model_->plan(1);  // checked above: the batch fits
  good_ = Good{};
  Snapshot();
  ++weights_version_;
  return dl::Status::Ok();
}

}  // namespace app
