// gemm_packed.cpp — the packed, register-blocked GEMM of gemm.h (the WebAssembly product) and the
// three-loop reference it is tested against.
//
// Blocking (GotoBLAS's loop order, sized for the shapes of DigitLab's layers: M = 8..256 rows,
// K = 25..3136, N = 49..3136):
//   for each block of KC rows of op(B) / columns of op(A):
//     pack op(B)[kc, all N] into NR-column panels   (kc x NR floats each, zero-padded on the right;
//                                                    an untransposed B is read in place instead)
//     for each block of MC rows of op(A):
//       pack op(A)[mc, kc] into MR-row panels       (kc x MR floats each, zero-padded at the bottom)
//       for each B panel, for each A panel: the MR x NR micro-kernel over kc
// A B panel (KC * NR * 4 = 8 KiB) stays in L1 while the A panels of the block (MC * KC * 4 =
// 128 KiB) stream from L2. The transposes of gemm_nt / gemm_tn cost nothing extra: they are only
// a different gather while packing.
//
// Determinism: element C(i, j) is the sum over k in order within a K block, and the blocks are
// added into C in order, so one set of sizes always gives the same bits.
#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace dl {
namespace {

constexpr int MR = 4;    // micro-tile rows: 4 broadcasts of op(A)
constexpr int NR = 8;    // micro-tile columns: two 4-float vectors of op(B)
constexpr int KC = 256;  // depth of one packed block
constexpr int MC = 128;  // rows of op(A) packed at once

// Pack op(A)[i0 .. i0+mc, k0 .. k0+kc] as ceil(mc/MR) panels; panel p holds, for each k, the MR
// values of rows p*MR .. p*MR+MR-1 (zeros past mc).
void pack_a(bool trans, const float* A, int lda, int i0, int mc, int k0, int kc, float* dst) {
  for (int p = 0; p < mc; p += MR) {
    const int rows = std::min(MR, mc - p);
    for (int k = 0; k < kc; ++k) {
      float* d = dst + k * MR;
      if (trans) {  // op(A)(i, k) = A[k][i]: the MR values are contiguous
        const float* s = A + static_cast<size_t>(k0 + k) * lda + i0 + p;
        for (int r = 0; r < rows; ++r) d[r] = s[r];
      } else {
        const float* s = A + static_cast<size_t>(i0 + p) * lda + k0 + k;
        for (int r = 0; r < rows; ++r) d[r] = s[static_cast<size_t>(r) * lda];
      }
      for (int r = rows; r < MR; ++r) d[r] = 0.0f;
    }
    dst += static_cast<size_t>(kc) * MR;
  }
}

// Pack op(B)[k0 .. k0+kc, 0 .. N] as ceil(N/NR) panels; panel q holds, for each k, the NR values of
// columns q*NR .. q*NR+NR-1 (zeros past N).
void pack_b(bool trans, const float* B, int ldb, int N, int k0, int kc, float* dst) {
  for (int q = 0; q < N; q += NR) {
    const int cols = std::min(NR, N - q);
    if (!trans) {  // op(B)(k, j) = B[k][j]: rows of B are contiguous
      for (int k = 0; k < kc; ++k) {
        const float* s = B + static_cast<size_t>(k0 + k) * ldb + q;
        float* d = dst + k * NR;
        if (cols == NR) std::memcpy(d, s, sizeof(float) * NR);
        else {
          for (int c = 0; c < cols; ++c) d[c] = s[c];
          for (int c = cols; c < NR; ++c) d[c] = 0.0f;
        }
      }
    } else {  // op(B)(k, j) = B[j][k]: walk each of the NR rows of B along k
      for (int c = 0; c < NR; ++c) {
        if (c < cols) {
          const float* s = B + static_cast<size_t>(q + c) * ldb + k0;
          for (int k = 0; k < kc; ++k) dst[k * NR + c] = s[k];
        } else {
          for (int k = 0; k < kc; ++k) dst[k * NR + c] = 0.0f;
        }
      }
    }
    dst += static_cast<size_t>(kc) * NR;
  }
}

// The micro-kernel: tile (MR, NR) = sum over k < kc of a[k] (MR) outer b[k] (NR); then
// C = tile (add = false) or C += tile. a is a packed panel; b holds NR floats every ldb floats
// (a packed panel, ldb = NR, or rows of an untransposed B read in place); C has row stride ldc.
#ifdef __wasm_simd128__
inline void micro_kernel(int kc, const float* a, const float* b, int ldb, float* C, int ldc, bool add) {
  v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; ++k, a += MR, b += ldb) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t ak = wasm_f32x4_splat(a[0]);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(ak, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(ak, b1));
    ak = wasm_f32x4_splat(a[1]);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(ak, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(ak, b1));
    ak = wasm_f32x4_splat(a[2]);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(ak, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(ak, b1));
    ak = wasm_f32x4_splat(a[3]);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(ak, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(ak, b1));
  }
  float* r0 = C;
  float* r1 = C + ldc;
  float* r2 = C + 2 * ldc;
  float* r3 = C + 3 * ldc;
  if (add) {
    c00 = wasm_f32x4_add(c00, wasm_v128_load(r0));
    c01 = wasm_f32x4_add(c01, wasm_v128_load(r0 + 4));
    c10 = wasm_f32x4_add(c10, wasm_v128_load(r1));
    c11 = wasm_f32x4_add(c11, wasm_v128_load(r1 + 4));
    c20 = wasm_f32x4_add(c20, wasm_v128_load(r2));
    c21 = wasm_f32x4_add(c21, wasm_v128_load(r2 + 4));
    c30 = wasm_f32x4_add(c30, wasm_v128_load(r3));
    c31 = wasm_f32x4_add(c31, wasm_v128_load(r3 + 4));
  }
  wasm_v128_store(r0, c00);
  wasm_v128_store(r0 + 4, c01);
  wasm_v128_store(r1, c10);
  wasm_v128_store(r1 + 4, c11);
  wasm_v128_store(r2, c20);
  wasm_v128_store(r2 + 4, c21);
  wasm_v128_store(r3, c30);
  wasm_v128_store(r3 + 4, c31);
}
#else
// Portable: the same arithmetic in the same order (per element: products summed in k order, then
// added to C), written so that a vectorising compiler keeps the tile in registers.
inline void micro_kernel(int kc, const float* a, const float* b, int ldb, float* C, int ldc, bool add) {
  float t[MR][NR] = {};
  for (int k = 0; k < kc; ++k, a += MR, b += ldb)
    for (int r = 0; r < MR; ++r)
      for (int c = 0; c < NR; ++c) t[r][c] += a[r] * b[c];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) C[r * ldc + c] = add ? C[r * ldc + c] + t[r][c] : t[r][c];
}
#endif

// sum over k < K of a[k] * b[k]: the product of a row of A and a row of B when op(B) = B^T. SIMD128
// with four running sums of 4 lanes, added in a fixed order, then the scalar tail.
#ifdef __wasm_simd128__
inline float dot(const float* a, const float* b, int K) {
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  int k = 0;
  for (; k + 16 <= K; k += 16) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + k + 4), wasm_v128_load(b + k + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(a + k + 8), wasm_v128_load(b + k + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(a + k + 12), wasm_v128_load(b + k + 12)));
  }
  for (; k + 4 <= K; k += 4) s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k)));
  const v128_t s = wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3));
  float r = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) +
            (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
  for (; k < K; ++k) r += a[k] * b[k];
  return r;
}
#else
inline float dot(const float* a, const float* b, int K) {
  float r = 0.0f;
  for (int k = 0; k < K; ++k) r += a[k] * b[k];
  return r;
}
#endif

// C (M, N) = A (M, K) * B^T for M < MR (a dense layer on fewer than 4 images, e.g. the drawing
// pad's one): one pass over B's rows, each dotted with every row of A while it is in L1. Packing
// would copy all of B (3.2 MB for R2's fc1) to fill a quarter of each micro-tile; this reads it
// once (R2 fc1 at batch 1 under Node: 1.10 ms packed, 0.19 ms this way).
void gemm_small_m_nt(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                     bool accumulate) {
  for (int j = 0; j < N; ++j) {
    const float* b = B + static_cast<size_t>(j) * ldb;
    for (int i = 0; i < M; ++i) {
      const float v = dot(A + static_cast<size_t>(i) * lda, b, K);
      float& c = C[static_cast<size_t>(i) * ldc + j];
      c = accumulate ? c + v : v;
    }
  }
}

// Packing buffers, grown on first use and kept (one set per thread: conv layers call the GEMM from
// the workers of the thread pool).
struct PackBuffers {
  std::vector<float> a, b;
};
PackBuffers& pack_buffers() {
  thread_local PackBuffers buffers;
  return buffers;
}

}  // namespace

void gemm_packed(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                 float* C, int ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (int i = 0; i < M; ++i)
        std::fill(C + static_cast<size_t>(i) * ldc, C + static_cast<size_t>(i) * ldc + N, 0.0f);
    return;
  }
  if (!trans_a && trans_b && M < MR) {
    gemm_small_m_nt(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
    return;
  }
  PackBuffers& buf = pack_buffers();
  const int n_panels = (N + NR - 1) / NR;
  const size_t b_need = static_cast<size_t>(n_panels) * NR * std::min(K, KC);
  const size_t a_need = static_cast<size_t>((std::min(M, MC) + MR - 1) / MR) * MR * std::min(K, KC);
  if (buf.b.size() < b_need) buf.b.resize(b_need);
  if (buf.a.size() < a_need) buf.a.resize(a_need);
  float* pa = buf.a.data();
  float* pb = buf.b.data();

  // A short untransposed B (K <= 64: the first convolution's 25 taps) is read in place, NR floats
  // per row, for every full panel, and only the last, partial panel is packed: packing would only
  // copy it once more. A deeper B is packed: read in place, a panel's kc rows lie a whole row of B
  // apart and thrash L1 (measured under Node: R2 conv2 forward, K 800, N 784, 9.7 GFLOP/s in place
  // against 15-19 packed; R1 conv1, K 25, 20 in place against 16.5 packed).
  const bool direct_b = !trans_b && K <= 64;
  const int full_panels = N / NR;
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = std::min(KC, K - k0);
    const bool add = accumulate || k0 > 0;
    if (direct_b) {
      if (full_panels < n_panels) pack_b(false, B + full_panels * NR, ldb, N - full_panels * NR, k0, kc, pb);
    } else {
      pack_b(trans_b, B, ldb, N, k0, kc, pb);
    }
    for (int i0 = 0; i0 < M; i0 += MC) {
      const int mc = std::min(MC, M - i0);
      pack_a(trans_a, A, lda, i0, mc, k0, kc, pa);
      for (int q = 0; q < n_panels; ++q) {
        const int j = q * NR, cols = std::min(NR, N - j);
        const bool in_place = direct_b && q < full_panels;
        const float* bp =
            in_place ? B + static_cast<size_t>(k0) * ldb + j : pb + static_cast<size_t>(direct_b ? 0 : q) * kc * NR;
        const int bstride = in_place ? ldb : NR;
        for (int p = 0; p < mc; p += MR) {
          const int rows = std::min(MR, mc - p);
          const float* ap = pa + static_cast<size_t>(p / MR) * kc * MR;
          float* c = C + static_cast<size_t>(i0 + p) * ldc + j;
          if (rows == MR && cols == NR) {
            micro_kernel(kc, ap, bp, bstride, c, ldc, add);
          } else {  // an edge tile: compute the full tile aside, then store the part inside C
            float tile[MR * NR];
            micro_kernel(kc, ap, bp, bstride, tile, NR, false);
            for (int r = 0; r < rows; ++r)
              for (int cc = 0; cc < cols; ++cc) {
                float& dst = c[static_cast<size_t>(r) * ldc + cc];
                dst = add ? dst + tile[r * NR + cc] : tile[r * NR + cc];
              }
          }
        }
      }
    }
  }
}

size_t gemm_packed_a_size(int M, int K) {
  return static_cast<size_t>((M + MR - 1) / MR) * MR * static_cast<size_t>(K > 0 ? K : 0);
}

void gemm_pack_a(int M, int K, const float* A, int lda, float* packed) {
  // Block k0 starts at k0 * Mp floats (Mp = M rounded up to MR): pack_a's panels for all M rows.
  const size_t Mp = static_cast<size_t>((M + MR - 1) / MR) * MR;
  for (int k0 = 0; k0 < K; k0 += KC)
    pack_a(false, A, lda, 0, M, k0, std::min(KC, K - k0), packed + static_cast<size_t>(k0) * Mp);
}

void gemm_packed_a(int M, int N, int K, const float* packed, const float* B, int ldb, float* C, int ldc,
                   bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (int i = 0; i < M; ++i)
        std::fill(C + static_cast<size_t>(i) * ldc, C + static_cast<size_t>(i) * ldc + N, 0.0f);
    return;
  }
  PackBuffers& buf = pack_buffers();
  const int n_panels = (N + NR - 1) / NR, full_panels = N / NR;
  const size_t b_need = static_cast<size_t>(n_panels) * NR * std::min(K, KC);
  if (buf.b.size() < b_need) buf.b.resize(b_need);
  float* pb = buf.b.data();
  const size_t Mp = static_cast<size_t>((M + MR - 1) / MR) * MR;
  const bool direct_b = K <= 64;  // as in gemm_packed: a short B is read in place
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = std::min(KC, K - k0);
    const bool add = accumulate || k0 > 0;
    if (direct_b) {
      if (full_panels < n_panels) pack_b(false, B + full_panels * NR, ldb, N - full_panels * NR, k0, kc, pb);
    } else {
      pack_b(false, B, ldb, N, k0, kc, pb);
    }
    const float* pa = packed + static_cast<size_t>(k0) * Mp;
    for (int q = 0; q < n_panels; ++q) {
      const int j = q * NR, cols = std::min(NR, N - j);
      const bool in_place = direct_b && q < full_panels;
      const float* bp =
          in_place ? B + static_cast<size_t>(k0) * ldb + j : pb + static_cast<size_t>(direct_b ? 0 : q) * kc * NR;
      const int bstride = in_place ? ldb : NR;
      for (int p = 0; p < M; p += MR) {
        const int rows = std::min(MR, M - p);
        const float* ap = pa + static_cast<size_t>(p / MR) * kc * MR;
        float* c = C + static_cast<size_t>(p) * ldc + j;
        if (rows == MR && cols == NR) {
          micro_kernel(kc, ap, bp, bstride, c, ldc, add);
        } else {
          float tile[MR * NR];
          micro_kernel(kc, ap, bp, bstride, tile, NR, false);
          for (int r = 0; r < rows; ++r)
            for (int cc = 0; cc < cols; ++cc) {
              float& dst = c[static_cast<size_t>(r) * ldc + cc];
              dst = add ? dst + tile[r * NR + cc] : tile[r * NR + cc];
            }
        }
      }
    }
  }
}

void gemm_reference(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                    float* C, int ldc, bool accumulate) {
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j) {
      float s = 0.0f;
      for (int k = 0; k < K; ++k) {
        const float a = trans_a ? A[static_cast<size_t>(k) * lda + i] : A[static_cast<size_t>(i) * lda + k];
        const float b = trans_b ? B[static_cast<size_t>(j) * ldb + k] : B[static_cast<size_t>(k) * ldb + j];
        s += a * b;
      }
      float& c = C[static_cast<size_t>(i) * ldc + j];
      c = accumulate ? c + s : s;
    }
  }
}

}  // namespace dl
