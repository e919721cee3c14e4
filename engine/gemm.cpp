// gemm.cpp — the matrix products of gemm.h: natively Eigen's, written with its maps as its manual
// does; in WebAssembly the packed SIMD128 kernel of gemm_packed.cpp. (Eigen 3.4 has no WebAssembly
// packet math: its products there relied on LLVM's auto-vectorisation and ran at a fraction of
// the packed kernel's speed.)
#include "gemm.h"

#include "shape.h"

namespace dl {

#ifdef __wasm_simd128__

void gemm_nn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             bool accumulate) {
  gemm_packed(false, false, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}
void gemm_nt(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             bool accumulate) {
  gemm_packed(false, true, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}
void gemm_tn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             bool accumulate) {
  gemm_packed(true, false, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

size_t gemm_prepared_a_size(int M, int K) { return gemm_packed_a_size(M, K); }
void gemm_prepare_a(int M, int K, const float* A, int lda, float* prepared) { gemm_pack_a(M, K, A, lda, prepared); }
void gemm_nn_prepared(int M, int N, int K, const float* prepared, const float* B, int ldb, float* C, int ldc,
                      bool accumulate) {
  gemm_packed_a(M, N, K, prepared, B, ldb, C, ldc, accumulate);
}

#else

using Stride = Eigen::OuterStride<>;
using CMap = Eigen::Map<const MatrixR, Eigen::Unaligned, Stride>;
using MMap = Eigen::Map<MatrixR, Eigen::Unaligned, Stride>;

void gemm_nn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             bool accumulate) {
  CMap a(A, M, K, Stride(lda));
  CMap b(B, K, N, Stride(ldb));
  MMap c(C, M, N, Stride(ldc));
  if (accumulate) c.noalias() += a * b;
  else c.noalias() = a * b;
}

void gemm_nt(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             bool accumulate) {
  CMap a(A, M, K, Stride(lda));
  CMap b(B, N, K, Stride(ldb));
  MMap c(C, M, N, Stride(ldc));
  if (accumulate) c.noalias() += a * b.transpose();
  else c.noalias() = a * b.transpose();
}

void gemm_tn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             bool accumulate) {
  CMap a(A, K, M, Stride(lda));
  CMap b(B, K, N, Stride(ldb));
  MMap c(C, M, N, Stride(ldc));
  if (accumulate) c.noalias() += a.transpose() * b;
  else c.noalias() = a.transpose() * b;
}

#if !defined(__AVX512F__)  // with AVX-512: gemm_avx512.cpp
size_t gemm_prepared_a_size(int M, int K) { return static_cast<size_t>(M) * (K > 0 ? K : 0); }
void gemm_prepare_a(int M, int K, const float* A, int lda, float* prepared) {
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k) prepared[static_cast<size_t>(i) * K + k] = A[static_cast<size_t>(i) * lda + k];
}
void gemm_nn_prepared(int M, int N, int K, const float* prepared, const float* B, int ldb, float* C, int ldc,
                      bool accumulate) {
  gemm_nn(M, N, K, prepared, K, B, ldb, C, ldc, accumulate);
}
#endif                     // !__AVX512F__

#endif  // __wasm_simd128__

}  // namespace dl
