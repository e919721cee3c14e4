// shape.h — the shape of one sample's activation (channels, height, width) and the Eigen types
// every kernel uses. Activations are stored batch-first, NCHW, row-major: sample n, channel c,
// row y, column x lives at ((n*C + c)*H + y)*W + x. Dense activations are (N, C) with H = W = 1.
#pragma once
#include <Eigen/Core>
#include <cstddef>
#include <string>

namespace dl {

struct Shape {
  int c = 0, h = 1, w = 1;
  int size() const { return c * h * w; }
  bool operator==(const Shape& o) const { return c == o.c && h == o.h && w == o.w; }
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const {  // "32x28x28", or "256" for a flat vector
    return (h == 1 && w == 1) ? std::to_string(c)
                              : std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
  }
};

constexpr int kImageSide = 28;
constexpr int kImageSize = kImageSide * kImageSide;  // 784
constexpr int kClasses = 10;
static_assert(kImageSize == 784, "MNIST images are 28x28");

// The one storage order of DigitLab: row-major, so that a (rows, cols) buffer is what a C loop
// over [row][col] expects and an NCHW sample is a (C, H*W) matrix.
using MatrixR = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapR = Eigen::Map<MatrixR>;
using ConstMapR = Eigen::Map<const MatrixR>;
using VecMap = Eigen::Map<Eigen::VectorXf>;
using ConstVecMap = Eigen::Map<const Eigen::VectorXf>;

}  // namespace dl
