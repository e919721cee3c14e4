// kernels_test.cpp — every fast kernel against its simple reference: im2col, col2im and max
// pooling bit for bit, and the packed GEMM (and the
// gemm_nn/nt/tn the layers call, whichever kernel the build picks) against the three-loop GEMM, in
// all transpose combinations, on odd sizes, K and M past one packed block, leading dimensions
// wider than the matrices, overwriting and accumulating. The same binary runs natively and as
// WebAssembly under Node, so the SIMD128 micro-kernel is checked where it runs.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "conv_kernels.h"
#include "gemm.h"
#include "rng.h"

using namespace dl;

namespace {

struct GemmCase {
  int M, N, K;
};

// Fills op(A), op(B) and C with values in [-1, 1], runs `fn` and the reference on copies of C, and
// compares each element within a bound scaled by sum |a*b| (float summation in another order).
template <class Fn>
void check_gemm(bool ta, bool tb, GemmCase s, int pad, bool accumulate, Fn fn) {
  Rng rng(static_cast<uint64_t>(s.M * 131 + s.N * 17 + s.K + pad + (ta ? 1000 : 0) + (tb ? 2000 : 0)));
  const int a_rows = ta ? s.K : s.M, a_cols = ta ? s.M : s.K;
  const int b_rows = tb ? s.N : s.K, b_cols = tb ? s.K : s.N;
  const int lda = a_cols + pad, ldb = b_cols + pad, ldc = s.N + pad;
  std::vector<float> A(static_cast<size_t>(a_rows) * lda), B(static_cast<size_t>(b_rows) * ldb);
  std::vector<float> C(static_cast<size_t>(s.M) * ldc);
  for (auto& v : A) v = rng.uniform(-1.0f, 1.0f);
  for (auto& v : B) v = rng.uniform(-1.0f, 1.0f);
  for (auto& v : C) v = rng.uniform(-1.0f, 1.0f);
  std::vector<float> want = C, got = C;
  gemm_reference(ta, tb, s.M, s.N, s.K, A.data(), lda, B.data(), ldb, want.data(), ldc, accumulate);
  fn(ta, tb, s.M, s.N, s.K, A.data(), lda, B.data(), ldb, got.data(), ldc, accumulate);
  for (int i = 0; i < s.M; ++i) {
    for (int j = 0; j < ldc; ++j) {
      const size_t at = static_cast<size_t>(i) * ldc + j;
      if (j >= s.N) {  // the padding between rows of C is never written
        ASSERT_EQ(got[at], C[at]) << "padding of C written at row " << i << " column " << j;
        continue;
      }
      double mag = accumulate ? std::fabs(C[at]) : 0.0;
      for (int k = 0; k < s.K; ++k) {
        const float a = ta ? A[static_cast<size_t>(k) * lda + i] : A[static_cast<size_t>(i) * lda + k];
        const float b = tb ? B[static_cast<size_t>(j) * ldb + k] : B[static_cast<size_t>(k) * ldb + j];
        mag += std::fabs(static_cast<double>(a) * b);
      }
      ASSERT_NEAR(got[at], want[at], 1e-5 * (mag + 1.0))
          << "ta " << ta << " tb " << tb << " M " << s.M << " N " << s.N << " K " << s.K << " pad " << pad
          << " accumulate " << accumulate << " at (" << i << ", " << j << ")";
    }
  }
}

// Sizes around the micro-tile (4 x 8) and the packed blocks (K 256, M 128), and the layer shapes
// of R1 / R2 (conv forward: filters x pixels x Cin*k*k; dense: batch x units x inputs).
const GemmCase kCases[] = {
    {1, 1, 1},     {3, 5, 7},    {4, 8, 1},    {5, 9, 3},      {7, 13, 17},  {9, 31, 255},   {4, 8, 256},
    {4, 8, 257},   {13, 3, 600}, {129, 17, 9}, {131, 33, 300}, {8, 784, 25}, {16, 196, 200}, {32, 49, 289},
    {64, 10, 513}, {2, 1, 40},   {1, 40, 2},   {1, 256, 3136}, {3, 10, 37},  {2, 9, 15},  // fewer rows than a micro-tile: the row-dot path of nt
};

}  // namespace

TEST(GemmPacked, MatchesReferenceInEveryTransposeAndSize) {
  for (const GemmCase& s : kCases)
    for (int t = 0; t < 4; ++t)
      for (int pad : {0, 3})
        for (bool acc : {false, true}) check_gemm(t & 1, t & 2, s, pad, acc, gemm_packed);
}

TEST(GemmPacked, ZeroDepthOverwritesOrKeepsC) {
  std::vector<float> C = {1, 2, 3, 4, 5, 6};
  const float dummy = 0.0f;
  gemm_packed(false, false, 2, 3, 0, &dummy, 1, &dummy, 3, C.data(), 3, true);
  EXPECT_EQ(C, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  gemm_packed(false, false, 2, 3, 0, &dummy, 1, &dummy, 3, C.data(), 3, false);
  EXPECT_EQ(C, (std::vector<float>(6, 0.0f)));
}

TEST(GemmPacked, SameSizesGiveTheSameBits) {
  const int M = 37, N = 45, K = 700;
  Rng rng(5);
  std::vector<float> A(M * K), B(K * N), C1(M * N), C2(M * N);
  for (auto& v : A) v = rng.uniform(-1.0f, 1.0f);
  for (auto& v : B) v = rng.uniform(-1.0f, 1.0f);
  gemm_packed(false, false, M, N, K, A.data(), K, B.data(), N, C1.data(), N, false);
  gemm_packed(true, false, 1, 1, 1, A.data(), 1, B.data(), 1, C2.data(), 1, false);  // disturb the buffers
  gemm_packed(false, false, M, N, K, A.data(), K, B.data(), N, C2.data(), N, false);
  EXPECT_EQ(C1, C2);
}

TEST(GemmDispatch, LayersProductsMatchReference) {
  auto dispatch = [](bool ta, bool tb, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                     int ldc, bool acc) {
    ASSERT_FALSE(ta && tb) << "no layer uses gemm_tt";
    if (ta) gemm_tn(M, N, K, A, lda, B, ldb, C, ldc, acc);
    else if (tb) gemm_nt(M, N, K, A, lda, B, ldb, C, ldc, acc);
    else gemm_nn(M, N, K, A, lda, B, ldb, C, ldc, acc);
  };
  for (const GemmCase& s : kCases)
    for (int t = 0; t < 3; ++t)
      for (bool acc : {false, true}) check_gemm(t == 1, t == 2, s, 2, acc, dispatch);
}

// ---- im2col / col2im / max pooling: fast against reference, bit for bit ------------------------

namespace {

std::vector<float> random_vector(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

// Geometries of R1 / R2 and odd ones: strides 2 and 3, padding wider than the kernel's reach,
// kernels as large as the padded input, one-pixel planes.
const ConvGeometry kGeometries[] = {
    {1, 28, 28, 5, 1, 2, 0, 0}, {8, 14, 14, 5, 1, 2, 0, 0}, {32, 14, 14, 3, 1, 1, 0, 0},
    {3, 7, 9, 3, 2, 1, 0, 0},   {2, 11, 6, 4, 3, 0, 0, 0},  {1, 5, 5, 5, 1, 0, 0, 0},
    {2, 1, 1, 3, 1, 1, 0, 0},   {3, 6, 4, 3, 1, 3, 0, 0},   {1, 9, 13, 2, 2, 1, 0, 0},
};

ConvGeometry with_output(ConvGeometry g) {
  g.OH = (g.H + 2 * g.pad - g.k) / g.stride + 1;
  g.OW = (g.W + 2 * g.pad - g.k) / g.stride + 1;
  return g;
}

}  // namespace

// The prepared-A product (the Winograd layers' U times V): whichever kernel the build has (the
// packed SIMD128 kernel, the AVX-512 one, Eigen), against the three loops.
TEST(GemmPrepared, MatchesReference) {
  const GemmCase cases[] = {{1, 1, 1},     {3, 5, 2},    {8, 32, 16},   {9, 33, 17},
                            {32, 144, 32}, {64, 40, 64}, {17, 70, 300}, {5, 8, 257}};
  for (const GemmCase& s : cases) {
    for (bool acc : {false, true}) {
      check_gemm(false, false, s, 3, acc,
                 [](bool, bool, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                    int ldc, bool accumulate) {
                   std::vector<float> prepared(gemm_prepared_a_size(M, K) + 1, -1.0f);
                   gemm_prepare_a(M, K, A, lda, prepared.data());
                   gemm_nn_prepared(M, N, K, prepared.data(), B, ldb, C, ldc, accumulate);
                 });
    }
  }
}

TEST(ConvKernels, Im2colMatchesReference) {
  for (ConvGeometry g : kGeometries) {
    g = with_output(g);
    const size_t rows = static_cast<size_t>(g.C) * g.k * g.k, n = static_cast<size_t>(g.OH) * g.OW;
    auto img = random_vector(static_cast<size_t>(g.C) * g.H * g.W, 11);
    std::vector<float> want(rows * n, 7.0f), got(rows * n, -7.0f);
    im2col_reference(g, img.data(), want.data());
    std::vector<float> scratch(im2col_scratch_floats(g));  // exactly what Conv2D plans (ASan checks)
    im2col(g, img.data(), got.data(), scratch.data());
    EXPECT_EQ(got, want) << "C " << g.C << " H " << g.H << " W " << g.W << " k " << g.k << " stride " << g.stride
                         << " pad " << g.pad;
  }
}

TEST(ConvKernels, Col2imMatchesReference) {
  for (ConvGeometry g : kGeometries) {
    g = with_output(g);
    const size_t rows = static_cast<size_t>(g.C) * g.k * g.k, n = static_cast<size_t>(g.OH) * g.OW;
    auto col = random_vector(rows * n, 12);
    std::vector<float> want(static_cast<size_t>(g.C) * g.H * g.W, 7.0f), got(want.size(), -7.0f);
    col2im_reference(g, col.data(), want.data());
    std::vector<float> scratch(im2col_scratch_floats(g));
    col2im(g, col.data(), got.data(), scratch.data());
    EXPECT_EQ(got, want) << "C " << g.C << " H " << g.H << " W " << g.W << " k " << g.k << " stride " << g.stride
                         << " pad " << g.pad;
  }
}

TEST(ConvKernels, Col2imIsTheAdjointOfIm2col) {
  // <im2col(x), c> == <x, col2im(c)> for any x, c: the backward pass really is the transpose.
  ConvGeometry g = with_output({3, 7, 9, 3, 2, 1, 0, 0});
  const size_t rows = static_cast<size_t>(g.C) * g.k * g.k, n = static_cast<size_t>(g.OH) * g.OW;
  auto x = random_vector(static_cast<size_t>(g.C) * g.H * g.W, 13), c = random_vector(rows * n, 14);
  std::vector<float> cols(rows * n), back(x.size());
  std::vector<float> scratch(im2col_scratch_floats(g));
  im2col(g, x.data(), cols.data(), scratch.data());
  col2im(g, c.data(), back.data(), scratch.data());
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < cols.size(); ++i) lhs += static_cast<double>(cols[i]) * c[i];
  for (size_t i = 0; i < x.size(); ++i) rhs += static_cast<double>(x[i]) * back[i];
  EXPECT_NEAR(lhs, rhs, 1e-4);
}

TEST(ConvKernels, MaxPoolMatchesReferenceWithTies) {
  struct P {
    int C, H, W, k, s;
  };
  for (P p : {P{8, 28, 28, 2, 2}, P{16, 14, 14, 2, 2}, P{64, 7, 7, 2, 2}, P{3, 9, 11, 2, 2}, P{2, 9, 9, 3, 2},
              P{1, 8, 8, 3, 3}}) {
    const int OH = (p.H - p.k) / p.s + 1, OW = (p.W - p.k) / p.s + 1;
    auto x = random_vector(static_cast<size_t>(p.C) * p.H * p.W, 15);
    for (size_t i = 0; i < x.size(); i += 3) x[i] = 0.5f;  // ties: the first maximum must win in both
    for (size_t i = 0; i < x.size(); i += 7) x[i] = 0.0f;
    std::vector<float> want(static_cast<size_t>(p.C) * OH * OW), got(want.size());
    std::vector<int32_t> want_i(want.size()), got_i(want.size());
    maxpool_forward_reference(x.data(), p.C, p.H, p.W, p.k, p.s, OH, OW, want.data(), want_i.data());
    maxpool_forward(x.data(), p.C, p.H, p.W, p.k, p.s, OH, OW, got.data(), got_i.data());
    EXPECT_EQ(got, want) << "C " << p.C << " H " << p.H << " W " << p.W << " k " << p.k;
    EXPECT_EQ(got_i, want_i) << "C " << p.C << " H " << p.H << " W " << p.W << " k " << p.k;
  }
}

TEST(ConvKernels, RowSumsMatchReference) {
  for (int n : {1, 7, 8, 9, 49, 196, 784}) {
    const int rows = 5;
    auto x = random_vector(static_cast<size_t>(rows) * n, 16 + n);
    std::vector<float> want(rows, 0.25f), got(rows, 0.25f);
    add_row_sums_reference(x.data(), rows, n, want.data());
    add_row_sums(x.data(), rows, n, got.data());
    for (int r = 0; r < rows; ++r) EXPECT_NEAR(got[r], want[r], 1e-5f * n) << "n " << n << " row " << r;
  }
}
