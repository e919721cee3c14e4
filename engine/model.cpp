// model.cpp — building a network from a spec, planning its buffers, and running it forward and
// backward. See model.h.
#include "model.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "layer_types.h"

namespace dl {

const char* layer_kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::Conv: return "conv";
    case LayerKind::MaxPool: return "maxpool";
    case LayerKind::ReLU: return "relu";
    case LayerKind::Dense: return "dense";
    case LayerKind::Flatten: return "flatten";
    case LayerKind::Dropout: return "dropout";
    case LayerKind::BatchNorm: return "batchnorm";
  }
  return "?";
}

Status Model::build(const std::string& spec, uint64_t seed, Model* out, uint64_t budget_bytes) {
  std::vector<LayerSpec> specs;
  std::string canonical;
  Status st = parse_spec(spec, &specs, &canonical);
  if (!st) return st;
  // Everything this builds and a plan for one image allocates, counted before anything is, and
  // asked of the heap once (probe_memory): refused with a sentence rather than an abort.
  Resources r;
  st = plan_resources(specs, 1, 1, Use::Inference, budget_bytes, &r);
  if (!st) return st;
  st = probe_memory(r.parameter_bytes, "the network '" + canonical + "'");
  if (!st) return st;

  Model m;
  m.spec_ = canonical;
  m.layer_specs_ = specs;
  m.budget_ = budget_bytes;
  Shape shape{1, kImageSide, kImageSide};
  int n_conv = 0, n_pool = 0, n_drop = 0, n_fc = 0, n_bn = 0, n_relu = 0;
  int last_dense = -1;
  for (size_t i = 0; i < specs.size(); ++i)
    if (specs[i].type == LayerSpec::Dense) last_dense = static_cast<int>(i);
  auto add = [&](Layer* layer) {
    m.layers_.emplace_back(layer);
    shape = layer->out();
  };
  for (size_t i = 0; i < specs.size(); ++i) {
    const LayerSpec& L = specs[i];
    switch (L.type) {
      case LayerSpec::Conv:
        add(new Conv2D("conv" + std::to_string(++n_conv), shape, L.units, L.kernel, L.stride, L.pad, !L.batchnorm));
        if (L.batchnorm) add(new BatchNorm("bn" + std::to_string(++n_bn), shape));
        add(new ReLU("relu" + std::to_string(++n_relu), shape));
        break;
      case LayerSpec::Pool: add(new MaxPool2D("pool" + std::to_string(++n_pool), shape, L.kernel, L.stride)); break;
      case LayerSpec::Dropout: add(new Dropout("drop" + std::to_string(++n_drop), shape, L.rate)); break;
      case LayerSpec::Dense: {
        if (shape.h != 1 || shape.w != 1) add(new Flatten("flatten", shape));
        const bool hidden = static_cast<int>(i) != last_dense;
        add(new Dense("fc" + std::to_string(++n_fc), shape, L.units, !L.batchnorm, hidden));
        if (L.batchnorm) add(new BatchNorm("bn" + std::to_string(++n_bn), shape));
        if (hidden) add(new ReLU("relu" + std::to_string(++n_relu), shape));
        break;
      }
    }
  }
  // Lay out the parameter and buffer blocks, then check every layer's wiring (the parser
  // computed the same shapes; this catches a disagreement between the two).
  size_t np = 0, nb = 0;
  Shape expect{1, kImageSide, kImageSide};
  for (auto& layer : m.layers_) {
    assert(layer->in() == expect && "Model::build: layer input does not match the previous output");
    expect = layer->out();
    for (TensorInfo t : layer->param_tensors()) {
      t.offset += np;
      m.param_tensors_.push_back(t);
    }
    for (TensorInfo t : layer->buffer_tensors()) {
      t.offset += nb;
      m.buffer_tensors_.push_back(t);
    }
    np = m.param_tensors_.empty() ? 0 : m.param_tensors_.back().offset + m.param_tensors_.back().count;
    nb = m.buffer_tensors_.empty() ? 0 : m.buffer_tensors_.back().offset + m.buffer_tensors_.back().count;
  }
  assert(expect == Shape({kClasses, 1, 1}));
  m.params_.assign(np, 0.0f);
  m.grads_.assign(np, 0.0f);
  m.buffers_.assign(nb, 0.0f);
  m.bind_all();
  Rng rng(seed, 0x5eed);
  for (auto& layer : m.layers_) layer->init(rng);
  *out = std::move(m);
  return Status::Ok();
}

void Model::bind_all() {
  size_t p = 0, b = 0;
  for (auto& layer : layers_) {
    layer->bind(params_.data() + p, grads_.data() + p, buffers_.data() + b);
    size_t lp = 0, lb = 0;
    for (const TensorInfo& t : layer->param_tensors()) lp = std::max(lp, t.offset + t.count);
    for (const TensorInfo& t : layer->buffer_tensors()) lb = std::max(lb, t.offset + t.count);
    p += lp;
    b += lb;
  }
}

int64_t Model::macs_per_image() const {
  int64_t total = 0;
  for (const auto& layer : layers_) total += layer->macs();
  return total;
}

void Model::set_threads(int threads) {
  if (threads <= 1 || !kThreadsAvailable) pool_.reset();
  else if (!pool_ || pool_->threads() != threads) pool_.reset(new ThreadPool(threads));
  batch_ = 0;  // scratch depends on the thread count: re-plan on the next forward
}

Status Model::plan(int batch) {
  if (batch <= batch_ && batch > 0) return Status::Ok();
  const int T = threads();
  Resources r;
  Status st = plan_resources(layer_specs_, batch, T, Use::Inference, budget_, &r);
  if (!st) return st;
  st = probe_memory(r.activation_bytes + r.scratch_bytes,
                    "the network '" + spec_ + "' at batch " + std::to_string(batch));
  if (!st) return st;
  // The sizes below are those plan_resources counted and accepted: each buffer is at most
  // kMaxBufferBytes, so no product here overflows size_t, even a 32-bit one.
  batch_ = batch;
  acts_.resize(layers_.size());
  dacts_.resize(layers_.size());
  for (size_t i = 0; i < layers_.size(); ++i) {
    const size_t n = static_cast<size_t>(batch) * static_cast<size_t>(layers_[i]->out().size());
    acts_[i].assign(n, 0.0f);
    dacts_[i].assign(n, 0.0f);
    layers_[i]->plan(batch, T);
  }
  dlogits_scratch_.assign(static_cast<size_t>(batch) * kClasses, 0.0f);
  return Status::Ok();
}

uint64_t Model::allocated_bytes() const {
  uint64_t floats = params_.size() + grads_.size() + buffers_.size() + dlogits_scratch_.size();
  for (const auto& a : acts_) floats += a.size();
  for (const auto& a : dacts_) floats += a.size();
  uint64_t bytes = 4 * floats;
  for (const auto& layer : layers_) bytes += layer->scratch_bytes();
  return bytes;
}

const float* Model::forward(const float* images, int B, bool train, Rng* rng, int last_layer) {
  if (B > batch_ || B < 1) {
    const Status st = plan(B);
    if (!st) {  // a caller passed a batch it did not plan: a programmer mistake, never memory corruption
      std::fprintf(stderr, "dl::Model::forward: %s (call plan() first and handle its refusal)\n", st.message().c_str());
      std::abort();
    }
  }
  last_B_ = B;
  input_ = images;
  ForwardContext ctx;
  ctx.train = train;
  ctx.rng = rng;
  ctx.pool = pool_.get();
  const float* x = images;
  const size_t end =
      last_layer >= 0 && static_cast<size_t>(last_layer) < layers_.size() ? last_layer + 1 : layers_.size();
  for (size_t i = 0; i < end; ++i) {
    // A layer may compute the next ones on the way out (a convolution's BatchNorm and ReLU).
    // A layer with knock-outs ends the group: the layer after it must see its zeros.
    Layer* next[2];
    float* next_out[2];
    int n_next = 0;
    for (size_t j = i + 1; j < end && n_next < 2 && !knocked_out(j - 1); ++j, ++n_next) {
      next[n_next] = layers_[j].get();
      next_out[n_next] = acts_[j].data();
    }
    i += layers_[i]->forward_fused(x, acts_[i].data(), next, next_out, n_next, B, ctx);
    if (knocked_out(i)) apply_knockouts(static_cast<int>(i), B);
    x = acts_[i].data();
  }
  return x;
}

void Model::backward(const float* dlogits, float* dinput) {
  assert(input_ && last_B_ > 0 && "Model::backward needs a forward on the same batch first");
  const int B = last_B_;
  for (int i = static_cast<int>(layers_.size()) - 1; i >= 0; --i) {
    const float* inp = i == 0 ? input_ : acts_[i - 1].data();
    const float* dout = i == static_cast<int>(layers_.size()) - 1 ? dlogits : dacts_[i].data();
    float* dinp = i == 0 ? dinput : dacts_[i - 1].data();
    layers_[i]->backward(inp, acts_[i].data(), dout, dinp, B, pool_.get());
  }
}

void Model::zero_grads() { std::fill(grads_.begin(), grads_.end(), 0.0f); }

void Model::input_gradient(const float* image, int cls, float* dimage) {
  assert(cls >= 0 && cls < kClasses);
  forward(image, 1, false);
  float* d = dlogits_scratch_.data();
  std::fill(d, d + kClasses, 0.0f);
  d[cls] = 1.0f;
  // Parameter gradients accumulate as a side effect; the next training step zeroes them.
  backward(d, dimage);
}

void softmax(const float* logits, int B, float* probs) {
  for (int n = 0; n < B; ++n) {
    const float* z = logits + n * kClasses;
    float* p = probs + n * kClasses;
    float mx = z[0];
    for (int k = 1; k < kClasses; ++k) mx = std::max(mx, z[k]);
    float sum = 0.0f;
    for (int k = 0; k < kClasses; ++k) {
      p[k] = std::exp(z[k] - mx);
      sum += p[k];
    }
    for (int k = 0; k < kClasses; ++k) p[k] /= sum;
  }
}

float softmax_cross_entropy(const float* logits, const uint8_t* labels, int B, float* probs, float* dlogits) {
  double loss = 0.0;
  for (int n = 0; n < B; ++n) {
    const float* z = logits + n * kClasses;
    float mx = z[0];
    for (int k = 1; k < kClasses; ++k) mx = std::max(mx, z[k]);
    float e[kClasses];
    float sum = 0.0f;
    for (int k = 0; k < kClasses; ++k) {
      e[k] = std::exp(z[k] - mx);
      sum += e[k];
    }
    const int y = labels[n];
    loss += static_cast<double>(std::log(sum) - (z[y] - mx));
    for (int k = 0; k < kClasses; ++k) {
      const float p = e[k] / sum;
      if (probs) probs[n * kClasses + k] = p;
      if (dlogits) dlogits[n * kClasses + k] = (p - (k == y ? 1.0f : 0.0f)) / static_cast<float>(B);
    }
  }
  return static_cast<float>(loss / B);
}

// ---- knock-outs --------------------------------------------------------------------------------

void Model::set_unit_off(int layer, int channel, bool off) {
  assert(layer >= 0 && layer < num_layers() && "set_unit_off: layer out of range");
  assert(channel >= 0 && channel < layers_[layer]->out().c && "set_unit_off: channel out of range");
  if (off_.empty()) off_.resize(layers_.size());
  std::vector<uint8_t>& row = off_[layer];
  if (row.empty()) {
    if (!off) return;
    row.assign(layers_[layer]->out().c, 0);
  }
  if ((row[channel] != 0) == off) return;
  row[channel] = off ? 1 : 0;
  units_off_ += off ? 1 : -1;
}

bool Model::unit_off(int layer, int channel) const {
  return layer >= 0 && static_cast<size_t>(layer) < off_.size() && channel >= 0 &&
         static_cast<size_t>(channel) < off_[layer].size() && off_[layer][channel] != 0;
}

int Model::units_off(int layer) const {
  if (layer < 0 || static_cast<size_t>(layer) >= off_.size()) return 0;
  int n = 0;
  for (uint8_t v : off_[layer]) n += v != 0;
  return n;
}

void Model::clear_units_off() {
  off_.clear();
  units_off_ = 0;
}

void Model::set_knockouts(const std::vector<std::vector<uint8_t>>& off) {
  clear_units_off();
  for (size_t i = 0; i < off.size() && i < layers_.size(); ++i)
    for (size_t c = 0; c < off[i].size(); ++c)
      if (off[i][c]) set_unit_off(static_cast<int>(i), static_cast<int>(c), true);
}

bool Model::knocked_out(size_t layer) const {
  if (units_off_ == 0 || layer >= off_.size()) return false;
  for (uint8_t v : off_[layer])
    if (v) return true;
  return false;
}

void Model::apply_knockouts(int layer, int B) {
  const Shape out = layers_[layer]->out();
  const size_t plane = static_cast<size_t>(out.h) * out.w;  // values per channel
  const std::vector<uint8_t>& row = off_[layer];
  for (int n = 0; n < B; ++n) {
    float* sample = acts_[layer].data() + static_cast<size_t>(n) * out.size();
    for (int c = 0; c < out.c; ++c)
      if (row[c]) std::fill(sample + c * plane, sample + (c + 1) * plane, 0.0f);
  }
}

Status clone_model(const Model& src, Model* out) {
  Model m;
  Status st = Model::build(src.spec(), 0, &m, src.budget());
  if (!st) return st;
  // Copied into the blocks in place: the layers point into them.
  std::copy(src.params().begin(), src.params().end(), m.params().begin());
  std::copy(src.buffers().begin(), src.buffers().end(), m.buffers().begin());
  m.set_knockouts(src.knockouts());
  *out = std::move(m);
  return Status::Ok();
}

}  // namespace dl
