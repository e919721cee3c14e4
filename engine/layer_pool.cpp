// layer_pool.cpp — MaxPool2D: the maximum of each KxK window; backward routes each output's
// gradient to the input that was the maximum (the first one on ties).
#include <cassert>

#include "conv_kernels.h"
#include "layer_types.h"

namespace dl {

MaxPool2D::MaxPool2D(std::string name, Shape in, int kernel, int stride)
    : Layer(LayerKind::MaxPool, std::move(name), in, output_shape(in, kernel, stride)), k_(kernel), stride_(stride) {
  assert(out_.h > 0 && out_.w > 0 && "MaxPool2D: the spec parser must reject windows larger than the input");
}

Shape MaxPool2D::output_shape(Shape in, int kernel, int stride) {
  return Shape{in.c, (in.h - kernel) / stride + 1, (in.w - kernel) / stride + 1};
}

void MaxPool2D::plan(int B, int) { argmax_.assign(static_cast<size_t>(B) * out_.size(), 0); }

int64_t MaxPool2D::macs() const { return static_cast<int64_t>(out_.size()) * k_ * k_; }

void MaxPool2D::forward(const float* inp, float* out, int B, const ForwardContext&) {
  for (int n = 0; n < B; ++n) {
    maxpool_forward(inp + static_cast<size_t>(n) * in_.size(), in_.c, in_.h, in_.w, k_, stride_, out_.h, out_.w,
                    out + static_cast<size_t>(n) * out_.size(), argmax_.data() + static_cast<size_t>(n) * out_.size());
  }
}

void MaxPool2D::backward(const float*, const float*, const float* dout, float* dinp, int B, ThreadPool*) {
  if (!dinp) return;
  for (int n = 0; n < B; ++n) {
    float* dx = dinp + static_cast<size_t>(n) * in_.size();
    const float* dy = dout + static_cast<size_t>(n) * out_.size();
    const int32_t* am = argmax_.data() + static_cast<size_t>(n) * out_.size();
    for (int i = 0; i < in_.size(); ++i) dx[i] = 0.0f;
    for (int o = 0; o < out_.size(); ++o) dx[am[o]] += dy[o];
  }
}

}  // namespace dl
