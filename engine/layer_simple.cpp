// layer_simple.cpp — the parameter-free element-wise layers: ReLU, Flatten and Dropout.
#include <algorithm>
#include <cassert>
#include <cstring>

#include "layer_types.h"
#include "simd.h"

namespace dl {

// In explicit vectors (simd.h): the compilers left the backward's select scalar.
void ReLU::forward(const float* inp, float* out, int B, const ForwardContext&) {
  const size_t n = static_cast<size_t>(B) * in_.size();
  size_t i = 0;
  for (; i + simd::kLanes <= n; i += simd::kLanes) simd::store(out + i, simd::relu(simd::load(inp + i)));
  for (; i < n; ++i) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void ReLU::backward(const float*, const float* out, const float* dout, float* dinp, int B, ThreadPool*) {
  if (!dinp) return;
  const size_t n = static_cast<size_t>(B) * in_.size();
  size_t i = 0;
  for (; i + simd::kLanes <= n; i += simd::kLanes)
    simd::store(dinp + i, simd::where_positive(simd::load(out + i), simd::load(dout + i)));
  for (; i < n; ++i) dinp[i] = out[i] > 0.0f ? dout[i] : 0.0f;
}

void Flatten::forward(const float* inp, float* out, int B, const ForwardContext&) {
  std::memcpy(out, inp, sizeof(float) * static_cast<size_t>(B) * in_.size());
}

void Flatten::backward(const float*, const float*, const float* dout, float* dinp, int B, ThreadPool*) {
  if (dinp) std::memcpy(dinp, dout, sizeof(float) * static_cast<size_t>(B) * in_.size());
}

void Dropout::plan(int B, int) { mask_.assign(static_cast<size_t>(B) * in_.size(), 1.0f); }

void Dropout::forward(const float* inp, float* out, int B, const ForwardContext& ctx) {
  const size_t n = static_cast<size_t>(B) * in_.size();
  last_train_ = ctx.train && rate_ > 0.0f;
  if (!last_train_) {
    std::memcpy(out, inp, sizeof(float) * n);
    return;
  }
  const float keep_scale = 1.0f / (1.0f - rate_);
  assert(ctx.rng && "Dropout: a training forward needs ForwardContext::rng");
  Rng& rng = *ctx.rng;
  for (size_t i = 0; i < n; ++i) {
    mask_[i] = rng.uniform() < rate_ ? 0.0f : keep_scale;
    out[i] = inp[i] * mask_[i];
  }
}

void Dropout::backward(const float*, const float*, const float* dout, float* dinp, int B, ThreadPool*) {
  if (!dinp) return;
  const size_t n = static_cast<size_t>(B) * in_.size();
  if (!last_train_) {
    std::memcpy(dinp, dout, sizeof(float) * n);
    return;
  }
  for (size_t i = 0; i < n; ++i) dinp[i] = dout[i] * mask_[i];
}

}  // namespace dl
