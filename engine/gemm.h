// gemm.h — the matrix products every layer is built on, behind one small interface so that a
// platform can swap in its own kernels. All matrices are row-major, given by pointer and leading
// dimension (the distance between rows, in floats).
//   gemm_nn: C (M, N) (+)= A (M, K) * B (K, N)
//   gemm_nt: C (M, N) (+)= A (M, K) * B(N, K)^T
//   gemm_tn: C (M, N) (+)= A(K, M)^T * B (K, N)
// accumulate = false overwrites C, true adds to it.
#pragma once

namespace dl {

void gemm_nn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accumulate);
void gemm_nt(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accumulate);
void gemm_tn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accumulate);

}  // namespace dl
