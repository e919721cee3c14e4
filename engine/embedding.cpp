// embedding.cpp — see embedding.h. The run: Gather (forward the images, keep the step's features),
// then PCA (one unit), then for t-SNE the affinities (a block of rows per unit) and the iterations
// (one per unit).
#include "embedding.h"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "rng.h"
#include "simd.h"

namespace dl {
namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

constexpr uint64_t kEmbeddingBudget = uint64_t{256} << 20;
constexpr int kTsneNeighbours = 90;  // 3 x perplexity, the usual choice
constexpr int kPlaceNeighbours = 10;
constexpr int kExaggerationIters = 250;
constexpr float kExaggeration = 12.0f;
constexpr int kPadLanes = 4;  // the t-SNE loops run 4 points at a time (simd::Vec<4>)

}  // namespace

const char* embedding_method_name(EmbeddingMethod m) { return m == EmbeddingMethod::Pca ? "pca" : "tsne"; }

void Pca::project(const float* x, float* out) const {
  for (int a = 0; a < k; ++a) {
    double s = 0;
    for (int j = 0; j < d; ++j) s += static_cast<double>(x[j] - mean[j]) * axes[static_cast<size_t>(a) * d + j];
    out[a] = static_cast<float>(s);
  }
}

Pca fit_pca(const float* x, int n, int d, int k) {
  using MatrixC = Eigen::MatrixXf;  // column-major: the block of axes is tall and thin
  const int p = std::min({8, n, d});
  k = std::min(k, p);
  Pca out;
  out.k = k;
  out.d = d;
  out.mean.assign(d, 0.0f);
  std::vector<double> sum(d, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) sum[j] += x[static_cast<size_t>(i) * d + j];
  for (int j = 0; j < d; ++j) out.mean[j] = static_cast<float>(sum[j] / n);
  MatrixR xc = ConstMapR(x, n, d);
  xc.rowwise() -= Eigen::Map<const Eigen::RowVectorXf>(out.mean.data(), d);

  // Block subspace iteration with Rayleigh-Ritz: V (d, p) orthonormal, Y = C V with C = xc' xc.
  Rng rng(1, 7);
  MatrixC v(d, p);
  for (int c = 0; c < p; ++c)
    for (int j = 0; j < d; ++j) v(j, c) = rng.normal();
  v = Eigen::HouseholderQR<MatrixC>(v).householderQ() * MatrixC::Identity(d, p);
  MatrixC w(n, p), y(d, p);
  Eigen::VectorXf lambda(p);
  for (int it = 0; it < 1000; ++it) {
    w.noalias() = xc * v;
    y.noalias() = xc.transpose() * w;
    const Eigen::MatrixXf h = v.transpose() * y;  // (p, p)
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXf> eig(0.5f * (h + h.transpose()));
    // Ritz pairs in descending order.
    Eigen::MatrixXf u = eig.eigenvectors().rowwise().reverse();
    lambda = eig.eigenvalues().reverse();
    v = v * u;
    y = y * u;
    float residual = 0;
    for (int a = 0; a < k; ++a) residual = std::max(residual, (y.col(a) - lambda(a) * v.col(a)).norm());
    if (residual <= 1e-6f * std::max(lambda(0), 1e-30f)) break;
    v = Eigen::HouseholderQR<MatrixC>(y).householderQ() * MatrixC::Identity(d, p);
  }
  out.axes.assign(static_cast<size_t>(k) * d, 0.0f);
  out.variances.assign(k, 0.0f);
  for (int a = 0; a < k; ++a) {
    Eigen::VectorXf axis = v.col(a).normalized();
    Eigen::Index big;
    axis.cwiseAbs().maxCoeff(&big);
    if (axis(big) < 0) axis = -axis;  // a fixed sign: the largest coordinate positive
    for (int j = 0; j < d; ++j) out.axes[static_cast<size_t>(a) * d + j] = axis(j);
    out.variances[a] = lambda(a) / std::max(1, n - 1);
  }
  return out;
}

struct EmbeddingRun::Impl {
  enum class Phase { Gather, Pca, Affinities, Iterate, Done };
  Model* model = nullptr;
  const Dataset* test = nullptr;
  int step = 0, n = 0, n_pad = 0;
  EmbeddingOptions opt;
  FeatureLayout layout;
  std::vector<float> features;  // (n, D)
  Pca pca;
  std::vector<float> points;  // (n, 2)

  // t-SNE
  std::vector<float> p;                               // (n, n_pad) symmetric affinities, summing to 1
  std::vector<float> cond;                            // (n, kTsneNeighbours) p(j | i) before symmetrising
  std::vector<int> neighbours;                        // (n, kTsneNeighbours)
  std::vector<float> sq_norm;                         // (n)
  std::vector<float> px, py;                          // (n_pad) positions, padded with far points
  std::vector<float> vx, vy, gx, gy, gain_x, gain_y;  // (n)
  std::vector<float> attr_x, attr_y, rep_x, rep_y;    // (n)
  int row = 0, iteration = 0, position = 0;
  Phase phase = Phase::Gather;
  double units_done = 0, units_total = 1;
  double features_ms = 0, projection_ms = 0;

  int D() const { return layout.features(); }

  void GatherSome() {
    const int fb = std::min(opt.forward_batch, n - position);
    model->forward(test->image(position), fb, false, nullptr, std::max(0, step - 1));
    step_features(*model, step, test->image(position), fb, layout,
                  features.data() + static_cast<size_t>(position) * D());
    position += fb;
    units_done += 1;
    if (position >= n) phase = Phase::Pca;
  }

  void DoPca() {
    pca = fit_pca(features.data(), n, D(), 2);
    points.assign(static_cast<size_t>(n) * 2, 0.0f);
    for (int i = 0; i < n; ++i) {
      float xy[2] = {0, 0};
      pca.project(features.data() + static_cast<size_t>(i) * D(), xy);
      points[2 * i] = xy[0];
      points[2 * i + 1] = pca.k > 1 ? xy[1] : 0.0f;
    }
    units_done += 2;
    if (opt.method == EmbeddingMethod::Pca) {
      phase = Phase::Done;
      return;
    }
    sq_norm.resize(n);
    for (int i = 0; i < n; ++i)
      sq_norm[i] = ConstMapR(features.data() + static_cast<size_t>(i) * D(), 1, D()).squaredNorm();
    phase = Phase::Affinities;
  }

  // A block of rows: squared distances to every point, the nearest neighbours, and p(j | i) at the
  // perplexity (binary search on the Gaussian's precision).
  void AffinitiesSome() {
    const int rows = std::min(64, n - row);
    ConstMapR all(features.data(), n, D());
    const MatrixR dots = all.middleRows(row, rows) * all.transpose();  // (rows, n)
    const int K = std::min(kTsneNeighbours, n - 1);
    std::vector<std::pair<float, int>> dist(n);
    const double target = std::log(static_cast<double>(opt.perplexity));
    for (int r = 0; r < rows; ++r) {
      const int i = row + r;
      for (int j = 0; j < n; ++j) dist[j] = {std::max(0.0f, sq_norm[i] + sq_norm[j] - 2 * dots(r, j)), j};
      dist[i].first = INFINITY;
      std::nth_element(dist.begin(), dist.begin() + K, dist.end());
      std::sort(dist.begin(), dist.begin() + K);
      double beta = 1.0, lo = 0, hi = INFINITY;
      const double d0 = dist[0].first;
      std::vector<double> pj(K);
      for (int tries = 0; tries < 100; ++tries) {
        double z = 0, h = 0;
        for (int q = 0; q < K; ++q) z += (pj[q] = std::exp(-(dist[q].first - d0) * beta));
        for (int q = 0; q < K; ++q) h += pj[q] / z * (dist[q].first - d0) * beta;
        const double entropy = std::log(z) + h;  // in nats
        if (std::fabs(entropy - target) < 1e-5) break;
        if (entropy > target) {
          lo = beta;
          beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
        } else {
          hi = beta;
          beta = (beta + lo) / 2;
        }
      }
      double z = 0;
      for (int q = 0; q < K; ++q) z += pj[q];
      for (int q = 0; q < K; ++q) {
        neighbours[static_cast<size_t>(i) * kTsneNeighbours + q] = dist[q].second;
        cond[static_cast<size_t>(i) * kTsneNeighbours + q] = static_cast<float>(pj[q] / z);
      }
    }
    row += rows;
    units_done += rows / 64.0 * 4;
    if (row < n) return;
    // P = (p(j|i) + p(i|j)) / 2n, dense.
    p.assign(static_cast<size_t>(n) * n_pad, 0.0f);
    for (int i = 0; i < n; ++i)
      for (int q = 0; q < K; ++q) {
        const int j = neighbours[static_cast<size_t>(i) * kTsneNeighbours + q];
        const float v = cond[static_cast<size_t>(i) * kTsneNeighbours + q] / (2.0f * n);
        p[static_cast<size_t>(i) * n_pad + j] += v;
        p[static_cast<size_t>(j) * n_pad + i] += v;
      }
    // Start from the PCA map scaled to a deviation of 1e-4 (deterministic, and keeps its global layout).
    double var = 0;
    for (int i = 0; i < n; ++i) var += points[2 * i] * points[2 * i];
    const float scale = var > 0 ? static_cast<float>(1e-4 / std::sqrt(var / n)) : 1.0f;
    px.assign(n_pad, 1e15f);
    py.assign(n_pad, 1e15f);
    for (int i = 0; i < n; ++i) {
      px[i] = points[2 * i] * scale;
      py[i] = points[2 * i + 1] * scale;
    }
    for (auto* v : {&vx, &vy, &attr_x, &attr_y, &rep_x, &rep_y}) v->assign(n, 0.0f);
    gain_x.assign(n, 1.0f);
    gain_y.assign(n, 1.0f);
    phase = Phase::Iterate;
  }

  // One gradient step over all pairs: attraction sum_j p_ij w_ij (y_i - y_j), repulsion
  // sum_j w_ij^2 (y_i - y_j), w = 1 / (1 + |y_i - y_j|^2), Z = sum_{i != j} w_ij.
  void Iterate() {
    using V4 = simd::Vec<kPadLanes>;
    const float exaggeration = iteration < kExaggerationIters ? kExaggeration : 1.0f;
    double z_total = 0;
    for (int i = 0; i < n; ++i) {
      const V4 xi = simd::splat<V4>(px[i]), yi = simd::splat<V4>(py[i]);
      V4 z = {}, ax = {}, ay = {}, rx = {}, ry = {};
      const float* prow = p.data() + static_cast<size_t>(i) * n_pad;
      for (int j = 0; j < n_pad; j += kPadLanes) {
        const V4 dx = xi - simd::load<V4>(&px[j]), dy = yi - simd::load<V4>(&py[j]);
        const V4 w = 1.0f / (1.0f + dx * dx + dy * dy);
        const V4 pw = simd::load<V4>(prow + j) * w, ww = w * w;
        z += w;
        ax += pw * dx;
        ay += pw * dy;
        rx += ww * dx;
        ry += ww * dy;
      }
      float zs = 0;
      for (int l = 0; l < kPadLanes; ++l) {
        zs += z[l];
        attr_x[i] = (l ? attr_x[i] : 0) + ax[l];
        attr_y[i] = (l ? attr_y[i] : 0) + ay[l];
        rep_x[i] = (l ? rep_x[i] : 0) + rx[l];
        rep_y[i] = (l ? rep_y[i] : 0) + ry[l];
      }
      z_total += zs - 1.0f;  // w_ii = 1
    }
    const float inv_z = static_cast<float>(1.0 / std::max(z_total, 1e-30));
    const float momentum = iteration < kExaggerationIters ? 0.5f : 0.8f;
    const float lr = std::max(n / kExaggeration, 50.0f);
    auto update = [&](float g, float& vel, float& gain, float& pos) {
      gain = (g > 0) != (vel > 0) ? gain + 0.2f : std::max(gain * 0.8f, 0.01f);
      vel = momentum * vel - lr * gain * g;
      pos += vel;
    };
    for (int i = 0; i < n; ++i) {
      const float g_x = 4.0f * (exaggeration * attr_x[i] - rep_x[i] * inv_z);
      const float g_y = 4.0f * (exaggeration * attr_y[i] - rep_y[i] * inv_z);
      update(g_x, vx[i], gain_x[i], px[i]);
      update(g_y, vy[i], gain_y[i], py[i]);
    }
    // Keep the map centred (t-SNE's cost does not see a shift).
    double cx = 0, cy = 0;
    for (int i = 0; i < n; ++i) {
      cx += px[i];
      cy += py[i];
    }
    for (int i = 0; i < n; ++i) {
      px[i] -= static_cast<float>(cx / n);
      py[i] -= static_cast<float>(cy / n);
    }
    units_done += 1;
    if (++iteration < opt.iterations) return;
    for (int i = 0; i < n; ++i) {
      points[2 * i] = px[i];
      points[2 * i + 1] = py[i];
    }
    p.clear();
    p.shrink_to_fit();
    phase = Phase::Done;
  }
};

EmbeddingRun::EmbeddingRun() : impl_(new Impl) {}
EmbeddingRun::~EmbeddingRun() = default;

Status EmbeddingRun::Begin(Model* model, const Dataset* test, int step, const EmbeddingOptions& o,
                           std::unique_ptr<EmbeddingRun>* out) {
  if (step < 0 || step >= num_steps(*model))
    return Status::Error("there is no step " + std::to_string(step) + ": steps are 0 (the input) to " +
                         std::to_string(num_steps(*model) - 1));
  if (test->count < 2) return Status::Error("the map needs test images (MNIST)");
  if (o.images < 10 || o.images > test->count)
    return Status::Error("the map takes between 10 and " + std::to_string(test->count) + " images");
  if (o.forward_batch < 1 || o.forward_batch > 1024) return Status::Error("the map's forward batch must be 1..1024");
  if (o.max_features < 16 || o.max_features > 65536) return Status::Error("the map's features must be 16..65536");
  if (o.method == EmbeddingMethod::Tsne) {
    if (!(o.perplexity >= 2 && o.perplexity <= 100)) return Status::Error("perplexity must be between 2 and 100");
    if (o.iterations < 1 || o.iterations > 10000) return Status::Error("t-SNE iterations must be 1..10000");
    if (o.images <= 3 * o.perplexity) return Status::Error("t-SNE needs more than 3 x perplexity images");
  }
  std::unique_ptr<EmbeddingRun> run(new EmbeddingRun);
  Impl& r = *run->impl_;
  r.model = model;
  r.test = test;
  r.step = step;
  r.opt = o;
  r.n = o.images;
  r.n_pad = (r.n + kPadLanes - 1) / kPadLanes * kPadLanes;
  r.layout = feature_layout(step_shape(*model, step), o.max_features);
  uint64_t bytes = uint64_t{4} * static_cast<uint64_t>(r.n) * (static_cast<uint64_t>(r.D()) * 2 + 2);
  if (o.method == EmbeddingMethod::Tsne)
    bytes +=
        uint64_t{4} * static_cast<uint64_t>(r.n) * (static_cast<uint64_t>(r.n_pad) + 64 + 2 * kTsneNeighbours + 16);
  if (bytes > kEmbeddingBudget)
    return Status::Error("a map of " + std::to_string(r.n) + " images at step " + std::to_string(step) + " needs " +
                         std::to_string(bytes >> 20) + " MiB, over the 256 MiB allowed: use fewer images");
  Status st = model->plan(o.forward_batch);
  if (!st) return st;
  r.features.assign(static_cast<size_t>(r.n) * r.D(), 0.0f);
  if (o.method == EmbeddingMethod::Tsne) {
    r.neighbours.assign(static_cast<size_t>(r.n) * kTsneNeighbours, 0);
    r.cond.assign(static_cast<size_t>(r.n) * kTsneNeighbours, 0.0f);
  }
  r.units_total = std::ceil(static_cast<double>(r.n) / o.forward_batch) + 2 +
                  (o.method == EmbeddingMethod::Tsne ? r.n / 64.0 * 4 + o.iterations : 0);
  *out = std::move(run);
  return Status::Ok();
}

bool EmbeddingRun::Advance(double budget_ms) {
  Impl& r = *impl_;
  const double start = now_ms();
  double t = start;
  do {
    const bool gathering = r.phase == Impl::Phase::Gather;
    switch (r.phase) {
      case Impl::Phase::Gather: r.GatherSome(); break;
      case Impl::Phase::Pca: r.DoPca(); break;
      case Impl::Phase::Affinities: r.AffinitiesSome(); break;
      case Impl::Phase::Iterate: r.Iterate(); break;
      case Impl::Phase::Done: return true;
    }
    const double now = now_ms();
    (gathering ? r.features_ms : r.projection_ms) += now - t;
    t = now;
  } while (r.phase != Impl::Phase::Done && t - start < budget_ms);
  return r.phase == Impl::Phase::Done;
}

bool EmbeddingRun::done() const { return impl_->phase == Impl::Phase::Done; }
float EmbeddingRun::progress() const {
  return done() ? 1.0f : static_cast<float>(std::min(0.999, impl_->units_done / impl_->units_total));
}
int EmbeddingRun::step() const { return impl_->step; }
EmbeddingMethod EmbeddingRun::method() const { return impl_->opt.method; }
const FeatureLayout& EmbeddingRun::layout() const { return impl_->layout; }
int EmbeddingRun::count() const { return impl_->n; }
double EmbeddingRun::features_seconds() const { return impl_->features_ms / 1000.0; }
double EmbeddingRun::projection_seconds() const { return impl_->projection_ms / 1000.0; }
const std::vector<float>& EmbeddingRun::points() const { return impl_->points; }
const uint8_t* EmbeddingRun::labels() const { return impl_->test->labels.data(); }

void EmbeddingRun::place(const float* x, float* xy) const {
  const Impl& r = *impl_;
  if (r.opt.method == EmbeddingMethod::Pca) {
    float out[2] = {0, 0};
    r.pca.project(x, out);
    xy[0] = out[0];
    xy[1] = r.pca.k > 1 ? out[1] : 0.0f;
    return;
  }
  // The mean map position of the nearest test images in feature space.
  const int D = r.D(), K = std::min(kPlaceNeighbours, r.n);
  std::vector<std::pair<float, int>> dist(r.n);
  for (int i = 0; i < r.n; ++i) {
    const float* f = r.features.data() + static_cast<size_t>(i) * D;
    float s = 0;
    for (int j = 0; j < D; ++j) s += (f[j] - x[j]) * (f[j] - x[j]);
    dist[i] = {s, i};
  }
  std::partial_sort(dist.begin(), dist.begin() + K, dist.end());
  xy[0] = xy[1] = 0;
  for (int q = 0; q < K; ++q) {
    xy[0] += r.points[2 * dist[q].second] / K;
    xy[1] += r.points[2 * dist[q].second + 1] / K;
  }
}

}  // namespace dl
