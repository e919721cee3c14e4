// gemm.cpp — the matrix products of gemm.h, written with Eigen's maps as its manual does.
// (Eigen 3.4 has no WebAssembly packet math; in the browser these rely on LLVM's auto-vectorisation
// with -msimd128.)
#include "gemm.h"

#include "shape.h"

namespace dl {

using Stride = Eigen::OuterStride<>;
using CMap = Eigen::Map<const MatrixR, Eigen::Unaligned, Stride>;
using MMap = Eigen::Map<MatrixR, Eigen::Unaligned, Stride>;

void gemm_nn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accumulate) {
  CMap a(A, M, K, Stride(lda));
  CMap b(B, K, N, Stride(ldb));
  MMap c(C, M, N, Stride(ldc));
  if (accumulate) c.noalias() += a * b;
  else c.noalias() = a * b;
}

void gemm_nt(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accumulate) {
  CMap a(A, M, K, Stride(lda));
  CMap b(B, N, K, Stride(ldb));
  MMap c(C, M, N, Stride(ldc));
  if (accumulate) c.noalias() += a * b.transpose();
  else c.noalias() = a * b.transpose();
}

void gemm_tn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accumulate) {
  CMap a(A, K, M, Stride(lda));
  CMap b(B, K, N, Stride(ldb));
  MMap c(C, M, N, Stride(ldc));
  if (accumulate) c.noalias() += a.transpose() * b;
  else c.noalias() = a.transpose() * b;
}

}  // namespace dl
