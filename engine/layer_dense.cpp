// layer_dense.cpp — Dense: out (B, U) = inp (B, I) * W^T + b, with W (U, I).
//   backward  dW (U, I) += dy^T (U, B) * x (B, I);  db += colsum(dy);  dx (B, I) = dy (B, U) * W
#include <algorithm>
#include <cmath>

#include "gemm.h"
#include "layer_types.h"

namespace dl {

Dense::Dense(std::string name, Shape in, int units, bool bias, bool relu_follows)
    : Layer(LayerKind::Dense, std::move(name), in, Shape{units, 1, 1}), has_bias_(bias), relu_follows_(relu_follows) {}

std::vector<TensorInfo> Dense::param_tensors() const {
  std::vector<TensorInfo> t;
  size_t wc = static_cast<size_t>(out_.c) * in_.size();
  t.push_back({name_ + ".weight", {out_.c, in_.size()}, 0, wc, true});
  if (has_bias_) t.push_back({name_ + ".bias", {out_.c}, wc, static_cast<size_t>(out_.c), false});
  return t;
}

void Dense::bind(float* params, float* grads, float*) {
  size_t wc = static_cast<size_t>(out_.c) * in_.size();
  w_ = params;
  dw_ = grads;
  b_ = has_bias_ ? params + wc : nullptr;
  db_ = has_bias_ ? grads + wc : nullptr;
}

void Dense::init(Rng& rng) {
  // He-uniform before a ReLU, Glorot-uniform for the logits (Keras's default).
  const float fan_in = static_cast<float>(in_.size()), fan_out = static_cast<float>(out_.c);
  const float limit = relu_follows_ ? std::sqrt(6.0f / fan_in) : std::sqrt(6.0f / (fan_in + fan_out));
  const size_t wc = static_cast<size_t>(out_.c) * in_.size();
  for (size_t i = 0; i < wc; ++i) w_[i] = rng.uniform(-limit, limit);
  if (b_) std::fill(b_, b_ + out_.c, 0.0f);
}

int64_t Dense::macs() const { return static_cast<int64_t>(out_.c) * in_.size(); }

void Dense::forward(const float* inp, float* out, int B, const ForwardContext&) {
  const int I = in_.size(), U = out_.c;
  gemm_nt(B, U, I, inp, I, w_, I, out, U, false);
  if (b_)
    for (int n = 0; n < B; ++n)
      for (int u = 0; u < U; ++u) out[n * U + u] += b_[u];
}

void Dense::backward(const float* inp, const float*, const float* dout, float* dinp, int B, ThreadPool*) {
  const int I = in_.size(), U = out_.c;
  gemm_tn(U, I, B, dout, U, inp, I, dw_, I, true);
  if (db_)
    for (int n = 0; n < B; ++n)
      for (int u = 0; u < U; ++u) db_[u] += dout[n * U + u];
  if (dinp) gemm_nn(B, I, U, dout, U, w_, I, dinp, I, false);
}

}  // namespace dl
