// top_images.cpp — see top_images.h.
#include "top_images.h"
#include "ui_common.h"

#include <algorithm>
#include <chrono>

namespace app {

namespace {}  // namespace

void TopImages::Start(const dl::Model& model, int model_version, const TestImages& test, int layer, int channel) {
  // A copy of the network: the same spec, then the parameters and buffers copied over (same sizes,
  // so the vectors keep their storage and the layers' pointers into it stay valid).
  if (copy_.spec() != model.spec() || copy_.num_layers() != model.num_layers()) {
    dl::Model m;
    if (!dl::Model::build(model.spec(), 1, &m).ok()) {
      running_ = false;
      return;
    }
    // The largest batch up to kBatch that the model's budget allows (batch 1 always does: the
    // model was built within it); the two buffers are then at most its activations.
    batch_ = kBatch;
    while (batch_ > 1 && !m.plan(batch_).ok()) batch_ /= 2;
    if (!m.plan(batch_).ok()) {
      running_ = false;
      return;
    }
    copy_ = std::move(m);
    size_t largest = 0;
    for (int i = 0; i < copy_.num_layers(); ++i)
      largest = std::max(largest, static_cast<size_t>(copy_.layer(i).out().size()));
    largest = std::max(largest, static_cast<size_t>(dl::kImageSize));
    bufs_.assign(2, std::vector<float>(largest * static_cast<size_t>(batch_)));
  }
  std::copy(model.params().begin(), model.params().end(), copy_.params().begin());
  std::copy(model.buffers().begin(), model.buffers().end(), copy_.buffers().begin());
  layer_ = layer;
  channel_ = channel;
  model_version_ = model_version;
  next_ = 0;
  total_ = test.loaded ? test.set().count : 0;
  hits_.clear();
  ms_ = 0;
  running_ =
      total_ > 0 && layer >= 0 && layer < copy_.num_layers() && channel >= 0 && channel < copy_.layer(layer).out().c;
  done_ = false;
}

bool TopImages::Step(const TestImages& test, double budget_ms) {
  if (!running_) return false;
  const double t0 = now_ms();
  const dl::Shape out = copy_.layer(layer_).out();
  const int map = out.h * out.w;
  dl::ForwardContext ctx;  // evaluation mode, one thread
  while (next_ < total_ && now_ms() - t0 < budget_ms) {
    const int B = std::min(batch_, total_ - next_);
    // Layers 0..layer_ on B images; padding a short last batch keeps the planned batch size.
    std::fill(bufs_[0].begin(), bufs_[0].end(), 0.0f);
    std::copy(test.set().image(next_), test.set().image(next_) + static_cast<size_t>(B) * dl::kImageSize,
              bufs_[0].begin());
    int cur = 0;
    for (int i = 0; i <= layer_; ++i) {
      copy_.layer(i).forward(bufs_[cur].data(), bufs_[1 - cur].data(), batch_, ctx);
      cur = 1 - cur;
    }
    const float* acts = bufs_[cur].data();  // (batch_, out.size())
    for (int b = 0; b < B; ++b) {
      const float* m = acts + static_cast<size_t>(b) * out.size() + static_cast<size_t>(channel_) * map;
      const int at = static_cast<int>(std::max_element(m, m + map) - m);
      Hit h{next_ + b, m[at], at / out.w, at % out.w};
      if (hits_.size() < kTop || h.value > hits_.back().value) {
        auto pos = std::upper_bound(hits_.begin(), hits_.end(), h,
                                    [](const Hit& a, const Hit& c) { return a.value > c.value; });
        hits_.insert(pos, h);
        if (hits_.size() > kTop) hits_.pop_back();
      }
    }
    next_ += B;
  }
  ms_ += now_ms() - t0;
  if (next_ >= total_) {
    running_ = false;
    done_ = true;
  }
  return running_;
}

}  // namespace app
