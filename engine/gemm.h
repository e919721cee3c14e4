// gemm.h — the matrix products every layer is built on, behind one small interface so that a
// platform can swap in its own kernels. All matrices are row-major, given by pointer and leading
// dimension (the distance between rows, in floats).
//   gemm_nn: C (M, N) (+)= A (M, K) * B (K, N)
//   gemm_nt: C (M, N) (+)= A (M, K) * B(N, K)^T
//   gemm_tn: C (M, N) (+)= A(K, M)^T * B (K, N)
// accumulate = false overwrites C, true adds to it.
//
// Which kernel runs: natively Eigen (its packet math uses the host's vector width, AVX-512 under
// -march=native); in WebAssembly the packed, register-blocked SIMD128 kernel gemm_packed (Eigen
// 3.4 has no WebAssembly packet math). Both are deterministic: the same sizes give the same
// summation order on every call.
#pragma once
#include <cstddef>

namespace dl {

void gemm_nn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accumulate);
void gemm_nt(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accumulate);
void gemm_tn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accumulate);

// The kernels behind gemm_*, callable directly so that tests can compare them on every platform.
// op(A) is A (M, K), or A(K, M)^T when trans_a; op(B) is B (K, N), or B(N, K)^T when trans_b.
//   gemm_packed     blocks of K (256) are packed into 4-row panels of op(A) and 8-column panels of
//                   op(B); a 4x8 micro-kernel (eight SIMD128 accumulators in WebAssembly, a plain
//                   loop the compiler vectorises elsewhere) adds each block's partial sums into C.
//   gemm_reference  three loops, one float sum per element in k order: the meaning, not the speed.
void gemm_packed(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                 float* C, int ldc, bool accumulate);
void gemm_reference(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                    float* C, int ldc, bool accumulate);
// gemm_packed (nn) with A packed beforehand, once for many products with different B:
// gemm_pack_a writes the panels gemm_packed would make (gemm_packed_a_size floats).
size_t gemm_packed_a_size(int M, int K);
void gemm_pack_a(int M, int K, const float* A, int lda, float* packed);
void gemm_packed_a(int M, int N, int K, const float* packed, const float* B, int ldb, float* C, int ldc,
                   bool accumulate);

// A left operand used for many products (a Winograd layer's transformed weights), prepared once in
// the form this build's GEMM reads fastest: packed panels in WebAssembly, plain rows natively
// (Eigen packs its own). gemm_nn_prepared(M, N, K, prepared, ...) = gemm_nn with that A.
size_t gemm_prepared_a_size(int M, int K);
void gemm_prepare_a(int M, int K, const float* A, int lda, float* prepared);
void gemm_nn_prepared(int M, int N, int K, const float* prepared, const float* B, int ldb, float* C, int ldc,
                      bool accumulate);

}  // namespace dl
