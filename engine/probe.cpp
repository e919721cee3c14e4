// probe.cpp — see probe.h. The run is a small state machine advanced in time slices:
//   Gather  forward the N training images (up to the group's last layer) and keep the group's features
//   Fit     standardise one step's features, then one Adam mini-batch step of its softmax regression
//   Score   forward the test images once and score every probe on its step's features
#include "probe.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "rng.h"

namespace dl {
namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

// A softmax regression over one step's standardised features.
struct Probe {
  int step = 0;
  FeatureLayout layout;
  std::vector<float> mean, inv_std;  // (D)
  MatrixR w;                         // (10, D)
  Eigen::VectorXf b;                 // (10)
  MatrixR mw, vw;                    // Adam moments of w
  Eigen::VectorXf mb, vb;            // ... and of b
  int adam_t = 0;
  int correct_train = 0, correct_test = 0;

  int features() const { return layout.features(); }
  void standardise(float* x, int n) const {  // rows of x (n, D) in place
    const int D = features();
    for (int i = 0; i < n; ++i) {
      float* row = x + static_cast<size_t>(i) * D;
      for (int j = 0; j < D; ++j) row[j] = (row[j] - mean[j]) * inv_std[j];
    }
  }
  // Predicted classes of n standardised rows.
  void predict(const float* x, int n, MatrixR* logits, int* out) const {
    ConstMapR X(x, n, features());
    logits->resize(n, kClasses);
    logits->noalias() = X * w.transpose();
    logits->rowwise() += b.transpose();
    for (int i = 0; i < n; ++i) {
      Eigen::Index arg;
      logits->row(i).maxCoeff(&arg);
      out[i] = static_cast<int>(arg);
    }
  }
};

}  // namespace

struct ProbeRun::Impl {
  enum class Phase { Gather, Fit, Score, Done };
  Model* model = nullptr;
  const Dataset* train = nullptr;
  const Dataset* test = nullptr;
  ProbeOptions opt;
  int n = 0, n_test = 0;
  std::vector<int> order;                 // (n) the training images used, by index
  std::vector<int> probe_of_step;         // per step: index into probes
  std::vector<Probe> probes;              // one per step that does not repeat the one before
  std::vector<std::vector<int>> groups;   // probe indices held together
  std::vector<std::vector<float>> store;  // per probe in the current group: (n, D)
  std::vector<float> batch_images;        // (forward_batch, 784)
  std::vector<float> scratch;             // (max(forward_batch, batch), max D)
  std::vector<int> predicted;             // (max(forward_batch, batch))
  std::vector<int> epoch_order;           // (n)
  MatrixR logits, dlogits, xb;
  Rng rng;

  Phase phase = Phase::Gather;
  int group = 0, position = 0;   // Gather / Score: next image
  int fit = 0;                   // Fit: which probe of the group
  int epoch = 0, batch_pos = 0;  // Fit: progress in the probe's epochs
  bool fit_started = false;
  double units_done = 0, units_total = 0;
  std::vector<ProbeResult> results;

  double forward_unit() const { return 1.0; }
  double step_unit(const Probe& p) const { return 0.1 * opt.batch * p.features() / (50.0 * 1024.0); }

  int last_layer_of_group(int g) const {
    int last = 0;
    for (int p : groups[g]) last = std::max(last, probes[p].step - 1);
    return last;
  }

  void GatherSome() {
    const int fb = std::min(opt.forward_batch, n - position);
    for (int i = 0; i < fb; ++i)
      std::copy_n(train->image(order[position + i]), kImageSize,
                  batch_images.data() + static_cast<size_t>(i) * kImageSize);
    model->forward(batch_images.data(), fb, false, nullptr, last_layer_of_group(group));
    for (size_t k = 0; k < groups[group].size(); ++k) {
      const Probe& p = probes[groups[group][k]];
      step_features(*model, p.step, batch_images.data(), fb, p.layout,
                    store[k].data() + static_cast<size_t>(position) * p.features());
    }
    position += fb;
    units_done += forward_unit();
    if (position >= n) {
      phase = Phase::Fit;
      fit = 0;
      fit_started = false;
    }
  }

  void BeginFit(Probe& p, std::vector<float>& x) {
    const int D = p.features();
    p.mean.assign(D, 0.0f);
    p.inv_std.assign(D, 0.0f);
    std::vector<double> sum(D, 0.0), sum2(D, 0.0);
    for (int i = 0; i < n; ++i) {
      const float* row = x.data() + static_cast<size_t>(i) * D;
      for (int j = 0; j < D; ++j) {
        sum[j] += row[j];
        sum2[j] += static_cast<double>(row[j]) * row[j];
      }
    }
    for (int j = 0; j < D; ++j) {
      const double m = sum[j] / n, var = std::max(0.0, sum2[j] / n - m * m);
      p.mean[j] = static_cast<float>(m);
      // A feature that never changes (a pixel at the border) carries nothing: it stays 0.
      p.inv_std[j] = var > 1e-12 ? static_cast<float>(1.0 / std::sqrt(var)) : 0.0f;
    }
    p.standardise(x.data(), n);
    p.w = MatrixR::Zero(kClasses, D);
    p.b = Eigen::VectorXf::Zero(kClasses);
    p.mw = MatrixR::Zero(kClasses, D);
    p.vw = MatrixR::Zero(kClasses, D);
    p.mb = Eigen::VectorXf::Zero(kClasses);
    p.vb = Eigen::VectorXf::Zero(kClasses);
    p.adam_t = 0;
    epoch = 0;
    batch_pos = 0;
    rng.reseed(opt.seed, 1000 + p.step);  // each probe's own stream: the order is the same in any run
    fit_started = true;
  }

  void FitStep(Probe& p, const std::vector<float>& x) {
    const int D = p.features();
    if (batch_pos == 0) {
      epoch_order.resize(n);
      std::iota(epoch_order.begin(), epoch_order.end(), 0);
      rng.shuffle(epoch_order.begin(), epoch_order.end());
    }
    const int B = std::min(opt.batch, n - batch_pos);
    xb.resize(B, D);
    dlogits.resize(B, kClasses);
    for (int i = 0; i < B; ++i)
      xb.row(i) = ConstMapR(x.data() + static_cast<size_t>(epoch_order[batch_pos + i]) * D, 1, D);
    logits.resize(B, kClasses);
    logits.noalias() = xb * p.w.transpose();
    logits.rowwise() += p.b.transpose();
    for (int i = 0; i < B; ++i) {  // softmax - one-hot, averaged over the batch
      const float mx = logits.row(i).maxCoeff();
      float z = 0;
      for (int c = 0; c < kClasses; ++c) z += (dlogits(i, c) = std::exp(logits(i, c) - mx));
      for (int c = 0; c < kClasses; ++c) dlogits(i, c) /= z;
      dlogits(i, train->labels[order[epoch_order[batch_pos + i]]]) -= 1.0f;
    }
    dlogits /= static_cast<float>(B);
    MatrixR gw = dlogits.transpose() * xb;  // (10, D)
    gw += opt.weight_decay * p.w;
    const Eigen::VectorXf gb = dlogits.colwise().sum().transpose();
    ++p.adam_t;
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    const float c1 = 1.0f - std::pow(b1, static_cast<float>(p.adam_t));
    const float c2 = 1.0f - std::pow(b2, static_cast<float>(p.adam_t));
    p.mw = b1 * p.mw + (1 - b1) * gw;
    p.vw = b2 * p.vw + (1 - b2) * gw.cwiseProduct(gw);
    p.w.array() -= opt.lr * (p.mw.array() / c1) / ((p.vw.array() / c2).sqrt() + eps);
    p.mb = b1 * p.mb + (1 - b1) * gb;
    p.vb = b2 * p.vb + (1 - b2) * gb.cwiseProduct(gb);
    p.b.array() -= opt.lr * (p.mb.array() / c1) / ((p.vb.array() / c2).sqrt() + eps);
    units_done += step_unit(p);
    batch_pos += B;
    if (batch_pos >= n) {
      batch_pos = 0;
      ++epoch;
    }
  }

  void EndFit(Probe& p, const std::vector<float>& x) {
    p.correct_train = 0;
    for (int start = 0; start < n; start += opt.batch) {
      const int B = std::min(opt.batch, n - start);
      p.predict(x.data() + static_cast<size_t>(start) * p.features(), B, &logits, predicted.data());
      for (int i = 0; i < B; ++i) p.correct_train += predicted[i] == train->labels[order[start + i]];
    }
  }

  void FitSome() {
    Probe& p = probes[groups[group][fit]];
    std::vector<float>& x = store[fit];
    if (!fit_started) BeginFit(p, x);
    if (epoch < opt.epochs) FitStep(p, x);
    if (epoch < opt.epochs) return;
    EndFit(p, x);
    fit_started = false;
    if (++fit < static_cast<int>(groups[group].size())) return;
    ++group;
    position = 0;
    if (group < static_cast<int>(groups.size())) {
      phase = Phase::Gather;
      ResizeStore();
    } else {
      store.clear();
      store.shrink_to_fit();
      phase = Phase::Score;
    }
  }

  void ScoreSome() {
    const int fb = std::min(opt.forward_batch, n_test - position);
    model->forward(test->image(position), fb, false);
    for (Probe& p : probes) {
      step_features(*model, p.step, test->image(position), fb, p.layout, scratch.data());
      p.standardise(scratch.data(), fb);
      p.predict(scratch.data(), fb, &logits, predicted.data());
      for (int i = 0; i < fb; ++i) p.correct_test += predicted[i] == test->labels[position + i];
    }
    position += fb;
    units_done += forward_unit();
    if (position >= n_test) Finish();
  }

  void ResizeStore() {
    store.assign(groups[group].size(), {});
    for (size_t k = 0; k < groups[group].size(); ++k)
      store[k].assign(static_cast<size_t>(n) * probes[groups[group][k]].features(), 0.0f);
  }

  void Finish() {
    results.clear();
    for (int s = 0; s < num_steps(*model); ++s) {
      const Probe& p = probes[probe_of_step[s]];
      ProbeResult r;
      r.step = s;
      r.name = step_name(*model, s);
      r.kind = step_kind(*model, s);
      r.features = p.features();
      r.train_accuracy = static_cast<float>(p.correct_train) / n;
      r.accuracy = static_cast<float>(p.correct_test) / n_test;
      results.push_back(r);
    }
    phase = Phase::Done;
  }
};

ProbeRun::ProbeRun() : impl_(new Impl) {}
ProbeRun::~ProbeRun() = default;

Status ProbeRun::Begin(Model* model, const Dataset* train, const Dataset* test, const ProbeOptions& o,
                       std::unique_ptr<ProbeRun>* out) {
  if (train->count < 1 || test->count < 1) return Status::Error("probes need training and test images (MNIST)");
  if (o.train_images < 10 || o.train_images > train->count)
    return Status::Error("probe images must be between 10 and " + std::to_string(train->count) + " (got " +
                         std::to_string(o.train_images) + ")");
  if (o.test_images < 0 || o.test_images > test->count)
    return Status::Error("probe test images must be between 1 and " + std::to_string(test->count) + ", or 0 for all");
  if (o.epochs < 1 || o.epochs > 1000) return Status::Error("probe epochs must be between 1 and 1000");
  if (o.batch < 1 || o.batch > 10000) return Status::Error("probe batch must be between 1 and 10000");
  if (o.forward_batch < 1 || o.forward_batch > 1024) return Status::Error("probe forward batch must be 1..1024");
  if (o.max_features < 16 || o.max_features > 65536) return Status::Error("probe features must be 16..65536");
  if (!(o.lr > 0 && o.lr < 10) || !(o.weight_decay >= 0 && o.weight_decay < 10))
    return Status::Error("probe learning rate must be in (0, 10) and weight decay in [0, 10)");

  std::unique_ptr<ProbeRun> run(new ProbeRun);
  Impl& r = *run->impl_;
  r.model = model;
  r.train = train;
  r.test = test;
  r.opt = o;
  r.n = o.train_images;
  r.n_test = o.test_images ? o.test_images : test->count;

  // The probes, and the groups of them whose features fit the budget together.
  int max_d = 0;
  uint64_t group_bytes = 0;
  r.probe_of_step.assign(num_steps(*model), 0);
  for (int s = 0; s < num_steps(*model); ++s) {
    // Dropout and flatten repeat the step before them. BatchNorm at inference is an affine map per
    // channel, and so per pooled feature: standardising undoes it up to sign, which the softmax
    // regression absorbs (Adam's steps are sign-equivariant per weight), so its probe is the one
    // before it, not a second fit of the same information.
    if (s > 0 && (step_repeats_previous(*model, s) || model->layer(s - 1).kind() == LayerKind::BatchNorm)) {
      r.probe_of_step[s] = r.probe_of_step[s - 1];
      continue;
    }
    Probe p;
    p.step = s;
    p.layout = feature_layout(step_shape(*model, s), o.max_features);
    const uint64_t bytes = uint64_t{4} * static_cast<uint64_t>(r.n) * static_cast<uint64_t>(p.features());
    if (bytes > o.feature_budget_bytes)
      return Status::Error("the features of " + std::to_string(r.n) + " images at step " + std::to_string(s) + " (" +
                           step_name(*model, s) + ") need " + std::to_string(bytes >> 20) + " MiB, over the " +
                           std::to_string(o.feature_budget_bytes >> 20) + " MiB allowed: use fewer images");
    if (r.groups.empty() || group_bytes + bytes > o.feature_budget_bytes) {
      r.groups.emplace_back();
      group_bytes = 0;
    }
    group_bytes += bytes;
    r.groups.back().push_back(static_cast<int>(r.probes.size()));
    r.probe_of_step[s] = static_cast<int>(r.probes.size());
    max_d = std::max(max_d, p.features());
    r.probes.push_back(std::move(p));
  }
  Status st = model->plan(o.forward_batch);
  if (!st) return st;

  // The N training images: the first N of a seeded shuffle of the whole set, or as given.
  if (o.draw) {
    r.order = probe_draw(train->count, o.seed);
  } else {
    r.order.resize(train->count);
    std::iota(r.order.begin(), r.order.end(), 0);
  }
  r.order.resize(r.n);

  r.batch_images.assign(static_cast<size_t>(o.forward_batch) * kImageSize, 0.0f);
  r.scratch.assign(static_cast<size_t>(std::max(o.forward_batch, o.batch)) * max_d, 0.0f);
  r.predicted.assign(std::max(o.forward_batch, o.batch), 0);
  for (size_t g = 0; g < r.groups.size(); ++g) {
    r.units_total += std::ceil(static_cast<double>(r.n) / o.forward_batch) * r.forward_unit();
    for (int p : r.groups[g])
      r.units_total +=
          static_cast<double>(o.epochs) * std::ceil(static_cast<double>(r.n) / o.batch) * r.step_unit(r.probes[p]);
  }
  r.units_total += std::ceil(static_cast<double>(r.n_test) / o.forward_batch) * r.forward_unit();
  r.ResizeStore();
  *out = std::move(run);
  return Status::Ok();
}

bool ProbeRun::Advance(double budget_ms) {
  Impl& r = *impl_;
  const double start = now_ms();
  do {
    switch (r.phase) {
      case Impl::Phase::Gather: r.GatherSome(); break;
      case Impl::Phase::Fit: r.FitSome(); break;
      case Impl::Phase::Score: r.ScoreSome(); break;
      case Impl::Phase::Done: return true;
    }
  } while (r.phase != Impl::Phase::Done && now_ms() - start < budget_ms);
  return r.phase == Impl::Phase::Done;
}

bool ProbeRun::done() const { return impl_->phase == Impl::Phase::Done; }
float ProbeRun::progress() const {
  return done() ? 1.0f : static_cast<float>(std::min(0.999, impl_->units_done / impl_->units_total));
}
const std::vector<ProbeResult>& ProbeRun::results() const { return impl_->results; }

std::vector<int> probe_draw(int count, uint64_t seed) {
  std::vector<int> order(count);
  std::iota(order.begin(), order.end(), 0);
  Rng pick(seed, 999);
  pick.shuffle(order.begin(), order.end());
  return order;
}

Status run_probes(Model* model, const Dataset& train, const Dataset& test, const ProbeOptions& options,
                  std::vector<ProbeResult>* out) {
  std::unique_ptr<ProbeRun> run;
  Status st = ProbeRun::Begin(model, &train, &test, options, &run);
  if (!st) return st;
  while (!run->Advance(1000.0)) {}
  *out = run->results();
  return Status::Ok();
}

}  // namespace dl
