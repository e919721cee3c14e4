// train_run.cpp — see train_run.h.
#include "train_run.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "resources.h"
#include "numbers.h"
#include "rng.h"

namespace dl {

namespace {

double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

// A PCG stream per (epoch, step, purpose), so that any step's random draws can be recreated.
uint64_t stream_of(int64_t epoch, int64_t step, int purpose) {
  return ((static_cast<uint64_t>(epoch) << 32) | static_cast<uint32_t>(step)) * 4u + static_cast<uint64_t>(purpose);
}
enum Purpose { kShuffle = 1, kAugment = 2, kDropout = 3 };

std::string float_text(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::string quoted(const std::string& s) {  // a metadata value in a message, shortened
  return "'" + (s.size() > 40 ? s.substr(0, 37) + "..." : s) + "'";
}

}  // namespace

int64_t run_total_steps(double epochs, int steps_per_epoch) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(epochs * steps_per_epoch - 1e-3)));
}

const char* Divergence::cause() const {
  return std::isnan(loss)   ? "the loss is NaN"
         : std::isinf(loss) ? "the loss is infinite"
                            : "a gradient or the update is not finite";
}

Status TrainRun::begin(Model* model, const Dataset* train, const RunConfig& cfg) {
  assert(model && train);
  if (cfg.batch < 1) return Status::Error("the batch size must be at least 1, not " + std::to_string(cfg.batch));
  if (!(cfg.epochs > 0) || cfg.epochs > 1e6)
    return Status::Error("the number of epochs must be above 0 and at most 1,000,000");
  if (train->count < 1) return Status::Error("there are no training images");
  if (cfg.snapshot_every < 1) return Status::Error("snapshot_every must be at least 1");
  // Everything training at this batch on these threads allocates, before any of it is.
  Status st = plan_resources(model->layer_specs(), cfg.batch, model->threads(), Use::Training, model->budget());
  if (!st.ok()) return st;
  st = model->plan(cfg.batch);
  if (!st.ok()) return st;

  TrainRun r;
  r.model_ = model;
  r.train_ = train;
  r.cfg_ = cfg;
  r.images_ = cfg.images > 0 ? std::min(cfg.images, train->count) : train->count;
  r.steps_per_epoch_ = (r.images_ + cfg.batch - 1) / cfg.batch;
  r.total_steps_ = run_total_steps(cfg.epochs, r.steps_per_epoch_);
  r.trainer_ = std::make_unique<Trainer>(model, cfg.optimizer, cfg.seed);
  r.schedule_ = LrSchedule(cfg.schedule, cfg.optimizer.lr, r.total_steps_, r.steps_per_epoch_);
  r.order_.assign(r.images_, 0);
  r.batch_images_.assign(static_cast<size_t>(cfg.batch) * kImageSize, 0.0f);
  r.aug_images_.assign(cfg.augment ? r.batch_images_.size() : 0, 0.0f);
  r.batch_labels_.assign(cfg.batch, 0);
  r.snapshot();
  *this = std::move(r);
  return Status::Ok();
}

void TrainRun::gather_batch() {
  const int epoch = this->epoch();
  const int pos = step_in_epoch();
  if (order_epoch_ != epoch) {
    for (int i = 0; i < images_; ++i) order_[i] = i;
    Rng rng(cfg_.seed, stream_of(epoch, 0, kShuffle));
    rng.shuffle(order_.begin(), order_.end());
    order_epoch_ = epoch;
  }
  const int b0 = pos * cfg_.batch;
  batch_n_ = std::min(cfg_.batch, images_ - b0);
  for (int j = 0; j < batch_n_; ++j) {
    const int idx = order_[b0 + j];
    std::memcpy(batch_images_.data() + static_cast<size_t>(j) * kImageSize, train_->image(idx),
                sizeof(float) * kImageSize);
    batch_labels_[j] = train_->labels[idx];
  }
  if (cfg_.augment) {
    Rng aug(cfg_.seed, stream_of(epoch, pos, kAugment));
    augment_batch(batch_images_.data(), aug_images_.data(), batch_n_, AugmentConfig{}, aug);
  }
  trainer_->rng().reseed(cfg_.seed, stream_of(epoch, pos, kDropout));
  trainer_->begin_batch();
  batch_pos_ = 0;
  batch_loss_ = 0;
  batch_correct_ = 0;
}

bool TrainRun::train_chunk(int n, RunProgress* p) {
  assert(n >= 1 && batch_pos_ + n <= batch_n_);
  const float* src =
      (cfg_.augment ? aug_images_.data() : batch_images_.data()) + static_cast<size_t>(batch_pos_) * kImageSize;
  const float lr = schedule_.lr(step_);
  // A whole batch is one chunk of weight exactly 1: the same bits as Trainer::step.
  const float weight = n == batch_n_ ? 1.0f : static_cast<float>(n) / batch_n_;
  const double t0 = now_ms();
  const StepResult r = trainer_->accumulate(src, batch_labels_.data() + batch_pos_, n, weight);
  ms_per_image_ = 0.7 * ms_per_image_ + 0.3 * ((now_ms() - t0) / n);
  if (!r.finite) {
    roll_back(r.loss, lr);
    return false;
  }
  batch_loss_ += static_cast<double>(r.loss) * n / batch_n_;
  batch_correct_ += r.correct;
  batch_pos_ += n;
  if (batch_pos_ < batch_n_) return true;
  if (!trainer_->finish_batch(lr)) {
    roll_back(static_cast<float>(batch_loss_), lr);
    return false;
  }
  p->steps += 1;
  p->images += batch_n_;
  p->correct += batch_correct_;
  p->loss_sum += batch_loss_ * batch_n_;
  p->lr = lr;
  ++step_;
  batch_pos_ = 0;
  if (step_ % cfg_.snapshot_every == 0 || step_ % steps_per_epoch_ == 0) snapshot();
  return true;
}

RunProgress TrainRun::step() {
  assert(active() && "begin() the run first");
  RunProgress p;
  if (finished()) return p;
  if (batch_pos_ == 0) gather_batch();
  if (!train_chunk(batch_n_ - batch_pos_, &p)) p.diverged = true;
  return p;
}

RunProgress TrainRun::advance(const Budget& budget) {
  assert(active() && "begin() the run first");
  RunProgress p;
  const bool timed = std::isfinite(budget.ms);
  const double deadline = timed ? now_ms() + budget.ms : 0.0;
  while (!finished() && p.steps < budget.steps) {
    const double left = timed ? deadline - now_ms() : 0.0;
    if (timed && left <= 0) break;
    if (batch_pos_ == 0) gather_batch();
    int n = batch_n_ - batch_pos_;
    if (timed) n = static_cast<int>(std::clamp(left / std::max(1e-3, ms_per_image_), 1.0, static_cast<double>(n)));
    if (!train_chunk(n, &p)) {
      p.diverged = true;
      break;
    }
  }
  return p;
}

bool TrainRun::snapshot() {
  // Only finite weights become the state a divergence rolls back to (issue 12, finding 9).
  if (!first_non_finite(*model_, &trainer_->optimizer()).empty()) return false;
  good_.step = step_;
  good_.params = model_->params();
  good_.buffers = model_->buffers();
  good_.m = trainer_->optimizer().m();
  good_.v = trainer_->optimizer().v();
  good_.optimizer_steps = trainer_->optimizer().steps();
  good_.schedule = schedule_.state();
  return true;
}

void TrainRun::roll_back(float loss, float lr) {
  // Same sizes: the layers' pointers into the blocks stay valid.
  assert(good_.step >= 0 && "begin() takes a snapshot of finite weights");
  divergence_.step = step_;
  divergence_.loss = loss;
  divergence_.lr = lr;
  std::copy(good_.params.begin(), good_.params.end(), model_->params().begin());
  std::copy(good_.buffers.begin(), good_.buffers.end(), model_->buffers().begin());
  trainer_->optimizer().m() = good_.m;
  trainer_->optimizer().v() = good_.v;
  trainer_->optimizer().set_steps(good_.optimizer_steps);
  schedule_.set_state(good_.schedule);
  step_ = good_.step;
  batch_pos_ = 0;
  divergence_.restored_step = step_;
}

std::map<std::string, std::string> TrainRun::state_metadata() const {
  std::map<std::string, std::string> md;
  md["run_step"] = std::to_string(step_);
  md["run_steps_per_epoch"] = std::to_string(steps_per_epoch_);
  const LrSchedule::State& s = schedule_.state();
  md["plateau_scale"] = float_text(s.scale);
  md["plateau_best"] = float_text(s.best);
  md["plateau_bad_epochs"] = std::to_string(s.bad_epochs);
  return md;
}

std::vector<uint8_t> TrainRun::save_bytes(const std::map<std::string, std::string>& extra) const {
  if (!first_non_finite(*model_, &trainer_->optimizer()).empty()) return {};
  std::map<std::string, std::string> md = extra;
  for (const auto& kv : state_metadata()) md[kv.first] = kv.second;
  return save_model_bytes(*model_, md, &trainer_->optimizer());
}

Status TrainRun::restore(const SafeTensorsFile& file) {
  assert(active() && "begin() the run first");
  const auto& md = file.metadata;
  auto value = [&](const char* key) -> const std::string* {
    const auto it = md.find(key);
    return it == md.end() ? nullptr : &it->second;
  };
  const std::string* step_text = value("run_step");
  if (!step_text) return Status::Error("it holds no position in a run ('run_step' is missing)");
  int64_t step = 0;
  if (!parse_whole(*step_text, 0, total_steps_, &step))
    return Status::Error("its run_step " + quoted(*step_text) + " is not a step of this run (0 to " +
                         std::to_string(total_steps_) + ")");
  if (const std::string* spe = value("run_steps_per_epoch")) {
    int64_t v = 0;
    if (!parse_whole(*spe, 1, INT32_MAX, &v))
      return Status::Error("its run_steps_per_epoch " + quoted(*spe) + " is not a whole number of steps");
    if (v != steps_per_epoch_)
      return Status::Error("its run had " + std::to_string(v) + " steps per epoch and this one has " +
                           std::to_string(steps_per_epoch_) +
                           ": the training images or the batch size differ from the run that wrote it");
  }
  LrSchedule::State s;
  double x = 0;
  if (const std::string* t = value("plateau_scale")) {
    if (!parse_real(*t, 1e-30, 1.0, &x))
      return Status::Error("its plateau_scale " + quoted(*t) + " is not a factor from 0 to 1");
    s.scale = static_cast<float>(x);
  }
  if (const std::string* t = value("plateau_best")) {
    if (!parse_real(*t, -1.0, 1.0, &x)) return Status::Error("its plateau_best " + quoted(*t) + " is not an accuracy");
    s.best = static_cast<float>(x);
  }
  if (const std::string* t = value("plateau_bad_epochs")) {
    int64_t v = 0;
    if (!parse_whole(*t, 0, 1000000, &v))
      return Status::Error("its plateau_bad_epochs " + quoted(*t) + " is not a count of epochs");
    s.bad_epochs = static_cast<int>(v);
  }
  Optimizer opt = trainer_->optimizer();
  Status st = load_optimizer_state(file, *model_, &opt);
  if (!st.ok()) return st;
  const std::string bad = first_non_finite(*model_, &opt);
  if (!bad.empty()) return Status::Error("its tensor '" + bad + "' holds a value that is not finite");
  trainer_->optimizer() = std::move(opt);
  schedule_.set_state(s);
  step_ = step;
  batch_pos_ = 0;
  order_epoch_ = -1;
  divergence_ = Divergence{};
  good_ = Snapshot{};
  snapshot();
  return Status::Ok();
}

}  // namespace dl
