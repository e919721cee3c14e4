// gemm_avx512.cpp — natively, with AVX-512: the product behind gemm_nn_prepared (gemm.h), the
// Winograd layers' n*n products U (F, C) * V (C, tiles). An 8 x 32 register tile (16 zmm
// accumulators; per step of k two loads of B, eight broadcasts of A, sixteen FMAs) over A packed once
// in 8-row panels and B read in place (K is a layer's channel count, 1 to a few hundred).
//
// Why not Eigen here: these products are short in K (32 or 64) and narrow in M (32 or 64 filters),
// where Eigen's blocking spends more on packing and tile edges than on arithmetic; measured on R2's
// convolutions (digitlab_bench --profile --conv f4x3) this kernel is 2-3x faster. Everything else
// stays on Eigen. Without AVX-512 (the asan preset, other CPUs) gemm.cpp uses Eigen throughout.
//
// Determinism: C(i, j) is the sum over k in order (one FMA chain per element), whatever the sizes.
#include "gemm.h"

#if defined(__AVX512F__) && !defined(__wasm__)
#include <immintrin.h>

#include <algorithm>

namespace dl {

namespace {
constexpr int MR = 8;   // rows of A per panel (broadcasts)
constexpr int NR = 32;  // columns of B per tile (two zmm)

// C (rows <= 8, cols <= 32 of the tile) = or += sum over k of a (K x 8 panel) outer b (K rows of
// ldb, masked to cols). The accumulators are only ever indexed by constants (unrolled loops), so
// they stay in registers; a partial tile goes through a buffer on the way out.
inline void tile(int K, const float* a, const float* b, int ldb, float* C, int ldc, int rows, int cols, bool add) {
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    c0[r] = _mm512_setzero_ps();
    c1[r] = _mm512_setzero_ps();
  }
  const __mmask16 m0 = cols >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : static_cast<__mmask16>((1u << (cols - 16)) - 1);
  for (int k = 0; k < K; ++k, a += MR, b += ldb) {
    const __m512 b0 = _mm512_maskz_loadu_ps(m0, b), b1 = _mm512_maskz_loadu_ps(m1, b + 16);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512 ar = _mm512_set1_ps(a[r]);
      c0[r] = _mm512_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(ar, b1, c1[r]);
    }
  }
  if (rows == MR) {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      float* cr = C + static_cast<size_t>(r) * ldc;
      if (add) {
        c0[r] = _mm512_add_ps(c0[r], _mm512_maskz_loadu_ps(m0, cr));
        c1[r] = _mm512_add_ps(c1[r], _mm512_maskz_loadu_ps(m1, cr + 16));
      }
      _mm512_mask_storeu_ps(cr, m0, c0[r]);
      _mm512_mask_storeu_ps(cr + 16, m1, c1[r]);
    }
    return;
  }
  alignas(64) float buf[MR][NR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    _mm512_store_ps(buf[r], c0[r]);
    _mm512_store_ps(buf[r] + 16, c1[r]);
  }
  for (int r = 0; r < rows; ++r) {
    float* cr = C + static_cast<size_t>(r) * ldc;
    for (int j = 0; j < cols; ++j) cr[j] = add ? cr[j] + buf[r][j] : buf[r][j];
  }
}
}  // namespace

size_t gemm_prepared_a_size(int M, int K) {
  return static_cast<size_t>((M + MR - 1) / MR) * MR * static_cast<size_t>(K > 0 ? K : 0);
}

void gemm_prepare_a(int M, int K, const float* A, int lda, float* prepared) {
  // Panel p holds, for each k, the MR values of rows p*MR .. p*MR + MR - 1 (zeros past M).
  for (int p = 0; p < M; p += MR) {
    const int rows = std::min(MR, M - p);
    for (int k = 0; k < K; ++k) {
      float* d = prepared + (static_cast<size_t>(p) * K) + static_cast<size_t>(k) * MR;
      for (int r = 0; r < MR; ++r) d[r] = r < rows ? A[static_cast<size_t>(p + r) * lda + k] : 0.0f;
    }
  }
}

void gemm_nn_prepared(int M, int N, int K, const float* prepared, const float* B, int ldb, float* C, int ldc,
                      bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (int i = 0; i < M; ++i)
        std::fill(C + static_cast<size_t>(i) * ldc, C + static_cast<size_t>(i) * ldc + N, 0.0f);
    return;
  }
  for (int j = 0; j < N; j += NR) {
    const int cols = std::min(NR, N - j);
    for (int p = 0; p < M; p += MR)
      tile(K, prepared + static_cast<size_t>(p) * K, B + j, ldb, C + static_cast<size_t>(p) * ldc + j, ldc,
           std::min(MR, M - p), cols, accumulate);
  }
}

}  // namespace dl

#endif  // __AVX512F__
