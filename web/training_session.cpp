// training_session.cpp — see training_session.h.
#include "training_session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <nlohmann/json.hpp>

#include "model_io.h"
#include "rng.h"
#include "spec.h"

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

// A number from the run's JSON, or def when it is missing or not a number (nlohmann's value() would
// throw, and exceptions are off in the browser build).
template <typename T>
T num(const nlohmann::json& j, const char* key, T def) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<T>() : def;
}
bool flag(const nlohmann::json& j, const char* key, bool def) {
  const auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : def;
}
std::string text(const nlohmann::json& j, const char* key, const std::string& def) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : def;
}
bool all_numbers(const nlohmann::json& p, size_t n) {
  if (!p.is_array() || p.size() != n) return false;
  for (const auto& x : p) if (!x.is_number()) return false;
  return true;
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
  std::vector<dl::LayerSpec> layers;
  std::string canonical;
  dl::Status st = dl::parse_spec(o.spec, &layers, &canonical);
  if (!st.ok()) {
    message_ = "Cannot train that network: " + st.message();
    return st;
  }
  if (!(o.lr > 0.0f) || !std::isfinite(o.lr)) return dl::Status::Error("The learning rate must be a positive number.");
  if (o.batch < 1 || o.batch > 1024) return dl::Status::Error("The batch size must be between 1 and 1024.");
  if (!(o.epochs > 0.0f) || o.epochs > 100.0f) return dl::Status::Error("Epochs must be more than 0 and at most 100.");
  auto model = std::make_unique<dl::Model>();
  st = dl::Model::build(o.spec, o.seed, model.get());
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
  model_->plan(options_.batch);  // the scratch is per thread
}

void TrainingSession::BuildRun() {
  const TrainOptions& o = options_;
  train_count_ = o.subset > 0 ? std::min(o.subset, pool_.count) : pool_.count;
  steps_per_epoch_ = (train_count_ + o.batch - 1) / o.batch;
  total_steps_ = std::max(1, static_cast<int>(std::ceil(o.epochs * steps_per_epoch_ - 1e-3)));
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
  model_->plan(o.batch);
  ready_ = true;
}

void TrainingSession::Pause() {
  if (status_ == Status::Running) status_ = Status::Paused;
}

void TrainingSession::Resume() {
  if (status_ != Status::Paused || !HasData()) return;
  if (!ready_) BuildRun();
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
  extra["digitlab_run"] = run.dump();
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
  if (!run.is_object() || !run.contains("step") || !run.contains("curve") || !run["curve"].is_array()) {
    return dl::Status::Error("the training run in this file is damaged");
  }
  auto model = std::make_unique<dl::Model>();
  st = dl::model_from_safetensors(file, model.get());
  if (!st.ok()) return st;
  TrainOptions o;
  o.spec = text(run, "spec", "R1");
  dl::OptimizerConfig::Kind kind = dl::OptimizerConfig::Adam;
  if (!dl::parse_optimizer(text(run, "optimizer", "adam"), &kind).ok()) {
    return dl::Status::Error("the training run names an unknown optimizer");
  }
  o.optimizer = kind;
  o.lr = num(run, "lr", 3e-3f);
  o.cosine = flag(run, "cosine", true);
  o.batch = std::clamp(num(run, "batch", 32), 1, 1024);
  o.epochs = num(run, "epochs", 1.0f);
  o.augment = flag(run, "augment", false);
  o.subset = num(run, "subset", 0);
  o.seed = num(run, "seed", uint64_t{1});
  dl::OptimizerConfig cfg;
  cfg.kind = o.optimizer;
  cfg.lr = o.lr;
  auto trainer = std::make_unique<dl::Trainer>(model.get(), cfg, o.seed);
  st = dl::load_optimizer_state(file, *model, &trainer->optimizer());
  if (!st.ok()) return st;
  std::vector<CurvePoint> curve;
  std::vector<ValPoint> val;
  for (const auto& p : run["curve"]) {
    if (!all_numbers(p, 4)) return dl::Status::Error("the training curve in this file is damaged");
    curve.push_back(CurvePoint{p[0].get<float>(), p[1].get<int>(), p[2].get<float>(), p[3].get<float>()});
  }
  if (run.contains("validation") && run["validation"].is_array()) {
    for (const auto& p : run["validation"]) {
      if (!all_numbers(p, 3)) return dl::Status::Error("the validation curve in this file is damaged");
      val.push_back(ValPoint{p[0].get<float>(), p[1].get<int>(), p[2].get<float>()});
    }
  }
  // All checked: replace the run.
  options_ = o;
  model_ = std::move(model);
  model_->set_threads(threads_);
  trainer_ = std::move(trainer);
  curve_ = std::move(curve);
  val_ = std::move(val);
  step_ = std::max(0, num(run, "step", 0));
  total_steps_ = std::max(1, num(run, "total_steps", 1));
  steps_per_epoch_ = std::max(1, num(run, "steps_per_epoch", 1));
  train_count_ = num(run, "train_images", 0);
  images_seen_ = num(run, "images_seen", 0.0);
  elapsed_ = num(run, "elapsed", 0.0);
  ips_ = 0;
  ips_window_t_ = -1;
  status_ = flag(run, "finished", false) ? Status::Finished : Status::Paused;
  diverged_ = false;
  has_eval_ = eval_pending_ = val_pending_ = false;
  batch_pos_ = 0;
  ready_ = false;  // the batch buffers and the order are made when training resumes
  model_->plan(o.batch);
  good_ = Good{};
  Snapshot();
  ++weights_version_;
  return dl::Status::Ok();
}

}  // namespace app
