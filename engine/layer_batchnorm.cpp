// layer_batchnorm.cpp — BatchNorm over (batch, height, width) per channel.
//   forward   xhat = (x - mean) * invstd;  y = gamma * xhat + beta
//   backward  dgamma += sum(dy * xhat);  dbeta += sum(dy)
//             dx = gamma * invstd / M * (M * dy - sum(dy) - xhat * sum(dy * xhat))   (training)
//             dx = gamma * invstd * dy                                              (evaluation)
// where M = B*H*W values per channel. Statistics are accumulated in double: the sums run over up
// to 64*28*28 values and must not depend on their order more than float rounding allows.
#include <algorithm>
#include <cassert>
#include <cmath>

#include "layer_types.h"

namespace dl {

std::vector<TensorInfo> BatchNorm::param_tensors() const {
  size_t C = static_cast<size_t>(in_.c);
  return {{name_ + ".weight", {in_.c}, 0, C, false}, {name_ + ".bias", {in_.c}, C, C, false}};
}

std::vector<TensorInfo> BatchNorm::buffer_tensors() const {
  size_t C = static_cast<size_t>(in_.c);
  return {{name_ + ".running_mean", {in_.c}, 0, C, false}, {name_ + ".running_var", {in_.c}, C, C, false}};
}

void BatchNorm::bind(float* params, float* grads, float* buffers) {
  const int C = in_.c;
  gamma_ = params;
  beta_ = params + C;
  dgamma_ = grads;
  dbeta_ = grads + C;
  running_mean_ = buffers;
  running_var_ = buffers + C;
}

void BatchNorm::init(Rng&) {
  const int C = in_.c;
  std::fill(gamma_, gamma_ + C, 1.0f);
  std::fill(beta_, beta_ + C, 0.0f);
  std::fill(running_mean_, running_mean_ + C, 0.0f);
  std::fill(running_var_, running_var_ + C, 1.0f);
}

void BatchNorm::plan(int, int) {
  mean_.assign(in_.c, 0.0f);
  invstd_.assign(in_.c, 1.0f);
}

void BatchNorm::forward(const float* inp, float* out, int B, const ForwardContext& ctx) {
  const int C = in_.c, S = in_.h * in_.w;
  const double M = static_cast<double>(B) * S;
  last_train_ = ctx.train;
  for (int c = 0; c < C; ++c) {
    float mean, invstd;
    if (ctx.train) {
      double sum = 0.0, sq = 0.0;
      for (int n = 0; n < B; ++n) {
        const float* x = inp + (static_cast<size_t>(n) * C + c) * S;
        for (int i = 0; i < S; ++i) sum += x[i];
      }
      const double m = sum / M;
      for (int n = 0; n < B; ++n) {
        const float* x = inp + (static_cast<size_t>(n) * C + c) * S;
        for (int i = 0; i < S; ++i) {
          double d = x[i] - m;
          sq += d * d;
        }
      }
      const double var = sq / M;
      mean = static_cast<float>(m);
      invstd = static_cast<float>(1.0 / std::sqrt(var + kEps));
      const double unbiased = M > 1 ? var * M / (M - 1) : var;
      running_mean_[c] = kMomentum * running_mean_[c] + (1.0f - kMomentum) * mean;
      running_var_[c] = kMomentum * running_var_[c] + (1.0f - kMomentum) * static_cast<float>(unbiased);
    } else {
      mean = running_mean_[c];
      invstd = 1.0f / std::sqrt(running_var_[c] + kEps);
    }
    mean_[c] = mean;
    invstd_[c] = invstd;
    const float scale = gamma_[c] * invstd, shift = beta_[c] - mean * scale;
    for (int n = 0; n < B; ++n) {
      const size_t base = (static_cast<size_t>(n) * C + c) * S;
      for (int i = 0; i < S; ++i) out[base + i] = inp[base + i] * scale + shift;
    }
  }
}

void BatchNorm::inference_affine(float* scale, float* shift) {
  // The same arithmetic as forward()'s evaluation branch, so a fused output has the same bits.
  last_train_ = false;
  for (int c = 0; c < in_.c; ++c) {
    const float mean = running_mean_[c], invstd = 1.0f / std::sqrt(running_var_[c] + kEps);
    mean_[c] = mean;
    invstd_[c] = invstd;
    scale[c] = gamma_[c] * invstd;
    shift[c] = beta_[c] - mean * scale[c];
  }
}

void BatchNorm::backward(const float* inp, const float*, const float* dout, float* dinp, int B, ThreadPool*) {
  const int C = in_.c, S = in_.h * in_.w;
  const double M = static_cast<double>(B) * S;
  for (int c = 0; c < C; ++c) {
    const float mean = mean_[c], invstd = invstd_[c];
    double sum_dy = 0.0, sum_dy_xhat = 0.0;
    for (int n = 0; n < B; ++n) {
      const size_t base = (static_cast<size_t>(n) * C + c) * S;
      for (int i = 0; i < S; ++i) {
        const float xhat = (inp[base + i] - mean) * invstd;
        sum_dy += dout[base + i];
        sum_dy_xhat += dout[base + i] * xhat;
      }
    }
    dgamma_[c] += static_cast<float>(sum_dy_xhat);
    dbeta_[c] += static_cast<float>(sum_dy);
    if (!dinp) continue;
    const float g = gamma_[c] * invstd;
    if (!last_train_) {
      for (int n = 0; n < B; ++n) {
        const size_t base = (static_cast<size_t>(n) * C + c) * S;
        for (int i = 0; i < S; ++i) dinp[base + i] = g * dout[base + i];
      }
      continue;
    }
    const float a = static_cast<float>(sum_dy / M), b = static_cast<float>(sum_dy_xhat / M);
    for (int n = 0; n < B; ++n) {
      const size_t base = (static_cast<size_t>(n) * C + c) * S;
      for (int i = 0; i < S; ++i) {
        const float xhat = (inp[base + i] - mean) * invstd;
        dinp[base + i] = g * (dout[base + i] - a - xhat * b);
      }
    }
  }
}

}  // namespace dl
