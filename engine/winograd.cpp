// winograd.cpp — Winograd F(m x m, r x r) convolutions (winograd.h).
//
// The input transform B^T d B runs in two passes over a block of tile rows, vectorised across
// tiles (the vector's lanes are neighbouring tiles of one tile row):
//   1. each input row (zero-padded) is split by x mod m into m phase rows, so that the k-th input
//      column of tile tx is phase[k mod m][tx + k div m]: every tap of every lane is one unit-stride
//      load; the row transform (along x) of all tiles of that row follows;
//   2. per tile row, the column transform (along y) of the n row-transformed rows gives the n*n
//      values of V for those tiles, stored contiguously (tile index = column of V).
// Rows shared by neighbouring tile rows (n - m of them) are transformed once. The output
// transform reads the same lanes from M, and the m x m outputs of each lane are interleaved into
// output rows, which the epilogue (bias, BatchNorm, ReLU) copies out.
//
// Vectors may run past the last tile of a tile row (a row is rounded up to the vector width):
// those lanes compute garbage that lands in the next tile row's slots of V, rewritten when that
// row is done (rows are done in order), or in the slack past the block's last tile; the output
// transform drops them.
#include "winograd.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "gemm.h"
#include "simd.h"

namespace dl {

namespace {

using simd::kLanes;

// The transform matrices (Lavin & Gray 2016; the points 0, 1, -1 (, 2, -2) and infinity). Checked
// by tests/winograd_test.cpp against the direct convolution.
template <int M, int R>
struct Mat;

template <>
struct Mat<2, 3> {
  static constexpr int N = 4;
  static constexpr float BT[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
  static constexpr float G[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
  static constexpr float AT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
};

// The six-point tiles (F(4x4, 3x3) and F(2x2, 5x5), same points) have their B^T and A^T written
// out by hand below (bt6, at43, at25: the shared terms save a third of the operations); as matrices:
//   B^T = | 4  0 -5  0  1  0 |    A^T (4x3) = | 1  1  1  1  1  0 |    A^T (2x5) = | 1  1  1  1  1  0 |
//         | 0 -4 -4  1  1  0 |                | 0  1 -1  2 -2  0 |                | 0  1 -1  2 -2  1 |
//         | 0  4 -4 -1  1  0 |                | 0  1  1  4  4  0 |
//         | 0 -2 -1  2  1  0 |                | 0  1 -1  8 -8  1 |
//         | 0  2 -1 -2  1  0 |
//         | 0  4  0 -5  0  1 |
template <>
struct Mat<4, 3> {
  static constexpr int N = 6;
  static constexpr float G[6][3] = {{1.0f / 4, 0, 0},
                                    {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                    {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                    {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                    {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                    {0, 0, 1}};
};

template <>
struct Mat<2, 5> {
  static constexpr int N = 6;
  static constexpr float G[6][5] = {{1.0f / 4, 0, 0, 0, 0},
                                    {-1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6},
                                    {-1.0f / 6, 1.0f / 6, -1.0f / 6, 1.0f / 6, -1.0f / 6},
                                    {1.0f / 24, 1.0f / 12, 1.0f / 6, 1.0f / 3, 2.0f / 3},
                                    {1.0f / 24, -1.0f / 12, 1.0f / 6, -1.0f / 3, 2.0f / 3},
                                    {0, 0, 0, 0, 1}};
};

// out[i] = sum over k of A[i][k] * in[k], for vectors or floats. Fully unrolled, so the zero
// coefficients are skipped and the ones and minus ones are plain adds and subtracts.
template <int R, int K, class T>
inline void mat_apply(const float (&A)[R][K], const T* in, T* out) {
  DL_UNROLL
  for (int i = 0; i < R; ++i) {
    T s{};
    bool first = true;
    DL_UNROLL
    for (int k = 0; k < K; ++k) {
      const float a = A[i][k];
      if (a == 0.0f) continue;
      if (first) s = a == 1.0f ? in[k] : a == -1.0f ? -in[k] : in[k] * a;
      else s = a == 1.0f ? s + in[k] : a == -1.0f ? s - in[k] : s + in[k] * a;
      first = false;
    }
    out[i] = s;
  }
}

// B^T of the six-point tiles with the shared terms (as NNPACK's input transform): 19 operations
// instead of the matrix's 28.
template <class T>
inline void bt6(const T* d, T* o) {
  const T t1 = d[4] - d[2] * 4.0f, t2 = d[3] - d[1] * 4.0f;
  const T t3 = d[4] - d[2], t4 = (d[3] - d[1]) * 2.0f;
  o[0] = d[0] * 4.0f - d[2] * 5.0f + d[4];
  o[1] = t1 + t2;
  o[2] = t1 - t2;
  o[3] = t3 + t4;
  o[4] = t3 - t4;
  o[5] = d[1] * 4.0f - d[3] * 5.0f + d[5];
}

// A^T of F(4x4, 3x3) and F(2x2, 5x5) with their shared sums.
template <class T>
inline void at43(const T* m, T* y) {
  const T s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
  y[0] = m[0] + s12 + s34;
  y[1] = d12 + d34 * 2.0f;
  y[2] = s12 + s34 * 4.0f;
  y[3] = d12 + d34 * 8.0f + m[5];
}
template <class T>
inline void at25(const T* m, T* y) {
  const T s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
  y[0] = m[0] + s12 + s34;
  y[1] = d12 + d34 * 2.0f + m[5];
}

// The input transform (B^T) and output transform (A^T) of one 1-D tile, per variant.
template <int M, int R>
struct Tr;
template <>
struct Tr<2, 3> {
  template <class T>
  static void bt(const T* d, T* o) {
    mat_apply(Mat<2, 3>::BT, d, o);
  }
  template <class T>
  static void at(const T* m, T* y) {
    mat_apply(Mat<2, 3>::AT, m, y);
  }
};
template <>
struct Tr<4, 3> {
  template <class T>
  static void bt(const T* d, T* o) {
    bt6(d, o);
  }
  template <class T>
  static void at(const T* m, T* y) {
    at43(m, y);
  }
};
template <>
struct Tr<2, 5> {
  template <class T>
  static void bt(const T* d, T* o) {
    bt6(d, o);
  }
  template <class T>
  static void at(const T* m, T* y) {
    at25(m, y);
  }
};

int round_up(int x, int to) { return (x + to - 1) / to * to; }

// phase[p][u] = x[M*u + p] for u < len (a multiple of V's lanes), M = 2 or 4; for M = 4 through
// the even/odd halves in `split`.
template <int M, class V>
void split_phases(const float* x, float* split, float* phase, int len) {
  constexpr int L = simd::lanes_of<V>();
  if constexpr (M == 2) {
    (void)split;
    for (int u = 0; u < len; u += L) {
      V e, o;
      simd::even_odd(simd::load<V>(x + 2 * u), simd::load<V>(x + 2 * u + L), e, o);
      simd::store(phase + u, e);
      simd::store(phase + len + u, o);
    }
  } else {
    split_phases<2, V>(x, nullptr, split, 2 * len);  // split[0 .. 2len) even, [2len .. 4len) odd
    for (int half = 0; half < 2; ++half) {           // even -> phases 0, 2; odd -> phases 1, 3
      const float* h = split + static_cast<size_t>(half) * 2 * len;
      for (int u = 0; u < len; u += L) {
        V e, o;
        simd::even_odd(simd::load<V>(h + 2 * u), simd::load<V>(h + 2 * u + L), e, o);
        simd::store(phase + static_cast<size_t>(half) * len + u, e);
        simd::store(phase + static_cast<size_t>(half + 2) * len + u, o);
      }
    }
  }
}

// out[M*l + b] = y[b][l]: the M outputs of each lane's tile, side by side (M = 2 or 4).
template <int M, class V>
void interleave(const V* y, float* out) {
  constexpr int L = simd::lanes_of<V>();
  if constexpr (M == 2) {
    V lo, hi;
    simd::zip(y[0], y[1], lo, hi);
    simd::store(out, lo);
    simd::store(out + L, hi);
  } else {
    V a_lo, a_hi, c_lo, c_hi, t0, t1, t2, t3;
    simd::zip(y[0], y[2], a_lo, a_hi);
    simd::zip(y[1], y[3], c_lo, c_hi);
    simd::zip(a_lo, c_lo, t0, t1);
    simd::zip(a_hi, c_hi, t2, t3);
    simd::store(out, t0);
    simd::store(out + L, t1);
    simd::store(out + 2 * L, t2);
    simd::store(out + 3 * L, t3);
  }
}

}  // namespace

const char* winograd_name(Winograd v) {
  switch (v) {
    case Winograd::F2x3: return "F(2x2,3x3)";
    case Winograd::F4x3: return "F(4x4,3x3)";
    case Winograd::F2x5: return "F(2x2,5x5)";
    case Winograd::None: break;
  }
  return "none";
}

int winograd_tile(Winograd v) { return v == Winograd::F4x3 ? 4 : v == Winograd::None ? 0 : 2; }
int winograd_kernel(Winograd v) { return v == Winograd::F2x5 ? 5 : v == Winograd::None ? 0 : 3; }

Winograd choose_winograd(int C, int H, int W, int F, int k, int stride, int pad, int images) {
  if (stride != 1 || (k != 3 && k != 5) || pad < 0 || pad > k - 1 || C < 2) return Winograd::None;
  const int OH = H + 2 * pad - k + 1, OW = W + 2 * pad - k + 1;
  if (OH <= 0 || OW <= 0) return Winograd::None;
    // Cost in multiply-adds of the GEMM, plus the data movement around it in the same unit: im2col and
    // packing about 2 per column entry, a transformed value (V or M) about n. Fitted to single-layer
    // timings (one Conv2D, each kernel forced) of R1's, R2's and the shipped model's convolutions at
    // batch 1 and 64. Natively with AVX-512 the GEMMs are cheap and the transforms weigh more:
    // F(4x4,3x3), whose rows of tiles are short (4 lanes of 16 used on a 14 x 14 output), lost to
    // F(2x2,3x3) on every shape but one (the shipped conv2 at batch 64, by 15%), so it is not offered;
    // Eigen's im2col products of one image are small and ran at half the rate of its large ones.
#if defined(__AVX512F__) && !defined(__wasm__)
  const Winograd cands[] = {Winograd::F2x3, Winograd::F2x5};
  constexpr double im2col_rate = 2.0;
#else
  const Winograd cands[] = {Winograd::F2x3, Winograd::F4x3, Winograd::F2x5};
  constexpr double im2col_rate = 1.0;
#endif
  const double pixels = static_cast<double>(OH) * OW * images;
  double best = im2col_rate * F * C * k * k * pixels + 2.0 * C * k * k * pixels;
  Winograd pick = Winograd::None;
  for (Winograd v : cands) {
    if (winograd_kernel(v) != k) continue;
    const int m = winograd_tile(v), n = m + k - 1;
    const double tiles = static_cast<double>((OH + m - 1) / m) * ((OW + m - 1) / m) * images;
    const double cols = std::ceil(tiles / 8.0) * 8.0;  // in double: tiles of a whole batch may pass INT_MAX
    const double cost = n * n * cols * (static_cast<double>(F) * C + 1.0 * n * (C + F));
    if (cost < best) {
      best = cost;
      pick = v;
    }
  }
  return pick;
}

WinogradConv::Layout WinogradConv::layout(Winograd v, int C, int H, int W, int F, int pad, int max_images,
                                          int block_cols) {
  Layout l;
  l.m = winograd_tile(v);
  l.r = winograd_kernel(v);
  l.n = l.m + l.r - 1;
  l.OH = H + 2 * pad - l.r + 1;
  l.OW = W + 2 * pad - l.r + 1;
  l.th = (l.OH + l.m - 1) / l.m;
  l.tw = (l.OW + l.m - 1) / l.m;
  // Vector width: the row pass works on one row of tiles, so the narrowest width the target has that
  // covers the row (at least 4), up to the widest.
  l.lanes = 4;
  while (l.lanes < kLanes && l.lanes < l.tw) l.lanes *= 2;
  l.tw_pad = round_up(l.tw, l.lanes);
  // V and M of one block within about 512 KiB (L2), whole tile rows, at least one. (The tile rows
  // of all images in 64 bits: max_images is a batch size.)
  const int budget = block_cols > 0 ? block_cols : std::max(8, (128 * 1024) / (l.n * l.n * (C + F)));
  const int64_t all_rows = int64_t{l.th} * std::max(1, max_images);
  l.block_rows = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(budget / l.tw, all_rows)));
  l.ld = round_up(l.block_rows * l.tw + l.lanes, 16);
  if ((l.ld / 16) % 2 == 0) l.ld += 16;  // an odd number of cache lines between rows: no set conflicts
  l.kp_ld = round_up(l.block_rows * l.tw + l.lanes, l.lanes);  // tiles of a block, and a vector's overrun
  l.u_len = round_up(l.tw_pad + (l.n - 1) / l.m + 1, l.lanes);
  // The padded row must hold the input at offset pad and end past the last phase value.
  l.xw = std::max(l.m * l.u_len, pad + W) + 2 * l.lanes;
  // Sizes in 64 bits: resources.cpp counts them before a layer exists.
  const uint64_t n2 = uint64_t(l.n) * l.n;
  l.v = n2 * uint64_t(C) * l.ld;
  l.mm = n2 * uint64_t(F) * l.ld;
  l.kp = n2 * uint64_t(l.kp_ld);
  l.split = uint64_t(l.m) * l.u_len;
  l.out = uint64_t(l.m) * l.m * l.kp_ld;
  l.u_plain = n2 * uint64_t(F) * C;
  l.u_block = uint64_t(gemm_prepared_a_size(F, C));
  l.u = n2 * l.u_block;
  l.w_seen = uint64_t(F) * C * l.r * l.r;
  return l;
}

uint64_t WinogradConv::planned_floats(Winograd v, int C, int H, int W, int F, int pad, int max_images, int threads,
                                      int block_cols) {
  if (v == Winograd::None) return 0;
  const Layout l = layout(v, C, H, W, F, pad, max_images, block_cols);
  // Per thread: v, m, kp, xrow, split, phase, out; shared: u_plain, u, w_seen.
  const uint64_t per_thread = l.v + l.mm + l.kp + uint64_t(l.xw) + 2 * l.split + l.out;
  return per_thread * uint64_t(std::max(1, threads)) + l.u_plain + l.u + l.w_seen;
}

uint64_t WinogradConv::allocated_floats() const {
  uint64_t n = uint64_t{u_plain_.size()} + u_.size() + w_seen_.size();
  for (const Scratch& s : scratch_)
    n += uint64_t{s.v.size()} + s.m.size() + s.kp.size() + s.xrow.size() + s.split.size() + s.phase.size() +
         s.out.size();
  return n;
}

void WinogradConv::plan(Winograd v, int C, int H, int W, int F, int pad, int max_images, int threads, int block_cols) {
  v_ = v;
  if (v == Winograd::None) {
    scratch_.clear();
    u_plain_.clear();
    u_.clear();
    w_seen_.clear();
    scratch_.shrink_to_fit();
    u_plain_.shrink_to_fit();
    u_.shrink_to_fit();
    w_seen_.shrink_to_fit();
    return;
  }
  const Layout l = layout(v, C, H, W, F, pad, max_images, block_cols);
  m_ = l.m;
  r_ = l.r;
  n_ = l.n;
  C_ = C;
  H_ = H;
  W_ = W;
  F_ = F;
  pad_ = pad;
  OH_ = l.OH;
  OW_ = l.OW;
  assert(OH_ > 0 && OW_ > 0 && pad <= r_ - 1 && "WinogradConv::plan: choose_winograd rejects this geometry");
  th_ = l.th;
  tw_ = l.tw;
  lanes_ = l.lanes;
  tw_pad_ = l.tw_pad;
  block_rows_ = l.block_rows;
  ld_ = l.ld;
  kp_ld_ = l.kp_ld;
  u_len_ = l.u_len;
  // Every size below is one of layout()'s, which planned_floats() adds up.
  scratch_.resize(std::max(1, threads));
  for (Scratch& s : scratch_) {
    s.v.assign(static_cast<size_t>(l.v), 0.0f);
    s.m.assign(static_cast<size_t>(l.mm), 0.0f);
    s.kp.assign(static_cast<size_t>(l.kp), 0.0f);
    s.xrow.assign(static_cast<size_t>(l.xw), 0.0f);
    s.split.assign(static_cast<size_t>(l.split), 0.0f);
    s.phase.assign(static_cast<size_t>(l.split), 0.0f);
    s.out.assign(static_cast<size_t>(l.out), 0.0f);
  }
  u_plain_.assign(static_cast<size_t>(l.u_plain), 0.0f);
  u_block_ = static_cast<size_t>(l.u_block);
  u_.assign(static_cast<size_t>(l.u), 0.0f);
  w_seen_.assign(static_cast<size_t>(l.w_seen), 0.0f);
  u_cached_ = false;
}

template <int M, int R>
void WinogradConv::transform_weights_t(const float* w, bool transpose_flip) {
  using T = Mat<M, R>;
  constexpr int N = T::N;
  const size_t plane = static_cast<size_t>(F_) * C_;
  for (int o = 0; o < F_; ++o) {
    for (int i = 0; i < C_; ++i) {
      float g[R][R];
      for (int ky = 0; ky < R; ++ky)
        for (int kx = 0; kx < R; ++kx)
          g[ky][kx] = transpose_flip ? w[((static_cast<size_t>(i) * F_ + o) * R + (R - 1 - ky)) * R + (R - 1 - kx)]
                                     : w[((static_cast<size_t>(o) * C_ + i) * R + ky) * R + kx];
      // t = G g (N x R), then u = t G^T (N x N): columns of g, then rows of t.
      float t[N][R], u[N][N];
      for (int kx = 0; kx < R; ++kx) {
        float col[R], tc[N];
        for (int ky = 0; ky < R; ++ky) col[ky] = g[ky][kx];
        mat_apply(T::G, col, tc);
        for (int a = 0; a < N; ++a) t[a][kx] = tc[a];
      }
      for (int a = 0; a < N; ++a) mat_apply(T::G, t[a], u[a]);
      for (int a = 0; a < N; ++a)
        for (int b = 0; b < N; ++b) u_plain_[(a * N + b) * plane + static_cast<size_t>(o) * C_ + i] = u[a][b];
    }
  }
  for (int xi = 0; xi < N * N; ++xi)
    gemm_prepare_a(F_, C_, u_plain_.data() + xi * plane, C_, u_.data() + xi * u_block_);
}

void WinogradConv::set_weights(const float* w, bool transpose_flip, bool cache) {
  assert(planned() && "WinogradConv::set_weights before plan");
  const size_t count = static_cast<size_t>(F_) * C_ * r_ * r_;
  if (cache && u_cached_ && u_flip_ == transpose_flip && simd::same_bits(w, w_seen_.data(), count)) return;
  switch (v_) {
    case Winograd::F2x3: transform_weights_t<2, 3>(w, transpose_flip); break;
    case Winograd::F4x3: transform_weights_t<4, 3>(w, transpose_flip); break;
    case Winograd::F2x5: transform_weights_t<2, 5>(w, transpose_flip); break;
    case Winograd::None: break;
  }
  u_cached_ = cache;
  u_flip_ = transpose_flip;
  if (cache) std::copy(w, w + count, w_seen_.begin());
}

void WinogradConv::run(const float* x, int images, float* y, const ConvEpilogue& ep, int thread) {
  assert(planned() && thread >= 0 && thread < static_cast<int>(scratch_.size()));
  Scratch& s = scratch_[thread];
  switch (v_) {
    case Winograd::F2x3: run_lanes<2, 3>(x, images, y, ep, s); break;
    case Winograd::F4x3: run_lanes<4, 3>(x, images, y, ep, s); break;
    case Winograd::F2x5: run_lanes<2, 5>(x, images, y, ep, s); break;
    case Winograd::None: break;
  }
}

template <int M, int R>
void WinogradConv::run_lanes(const float* x, int images, float* y, const ConvEpilogue& ep, Scratch& s) {
  if constexpr (kLanes >= 16) {
    if (lanes_ == 16) return run_t<M, R, 16>(x, images, y, ep, s);
  }
  if constexpr (kLanes >= 8) {
    if (lanes_ == 8) return run_t<M, R, 8>(x, images, y, ep, s);
  }
  run_t<M, R, 4>(x, images, y, ep, s);
}

template <int M, int R, int L>
void WinogradConv::run_t(const float* x, int images, float* y, const ConvEpilogue& ep, Scratch& s) {
  constexpr int N = Mat<M, R>::N;
  const int total_rows = images * th_;
  for (int g0 = 0; g0 < total_rows; g0 += block_rows_) {
    const int g1 = std::min(total_rows, g0 + block_rows_);
    input_transform_t<M, R, L>(x, g0, g1, s);
    // The n*n products M[xi] (F, tiles) = U[xi] (F, C) * V[xi] (C, tiles), whole 8-column panels.
    const int cols = round_up((g1 - g0) * tw_, 8);
    for (int xi = 0; xi < N * N; ++xi) {
      gemm_nn_prepared(F_, cols, C_, u_.data() + static_cast<size_t>(xi) * u_block_,
                       s.v.data() + static_cast<size_t>(xi) * C_ * ld_, ld_,
                       s.m.data() + static_cast<size_t>(xi) * F_ * ld_, ld_, false);
    }
    output_transform_t<M, R, L>(y, g0, g1, ep, s);
  }
}

// V[xi][c][tile] for the tile rows [g0, g1) (over all images: row g is image g / th, row g % th).
template <int M, int R, int L>
void WinogradConv::input_transform_t(const float* x, int g0, int g1, Scratch& s) {
  using T = Mat<M, R>;
  constexpr int N = T::N;
  using V = simd::Vec<L>;
  const int C = C_, H = H_, W = W_, th = th_, tw = tw_, ld = ld_, ulen = u_len_, kp_ld = kp_ld_;
  const int tiles = (g1 - g0) * tw;
  const size_t in_plane = static_cast<size_t>(H) * W;
  float* Vt = s.v.data();
  float* kp = s.kp.data();
  float* xrow = s.xrow.data();
  float* split = s.split.data();
  float* phase = s.phase.data();
  for (int c = 0; c < C; ++c) {
    // Row pass: each input row, split into phases and transformed along x, goes to kp[k][j][t] for
    // every tile t whose k-th row it is (one or two tile rows).
    for (int ga = g0; ga < g1;) {  // one image's tile rows [ty_a, ty_b) at a time
      const int img = ga / th, ty_a = ga % th;
      const int ty_b = std::min(th, ty_a + (g1 - ga));
      const float* plane = x + (static_cast<size_t>(img) * C + c) * in_plane;
      const int iy0 = M * ty_a - pad_;
      const int count = M * (ty_b - ty_a) + N - M;
      const int t_first = (ga - g0) * tw;  // block tile index of (img, ty_a, 0)
      for (int yl = 0; yl < count; ++yl) {
        // Phase rows of input row iy (zeros outside the image): phase[p][u] = row[M*u + p - pad].
        // xrow is zero outside [pad, pad + W) for good; only that span is written.
        const int iy = iy0 + yl;
        if (iy >= 0 && iy < H) simd::copy(xrow + pad_, plane + static_cast<size_t>(iy) * W, W);
        else simd::zero(xrow + pad_, W);
        split_phases<M, V>(xrow, split, phase, ulen);
        // Tile rows that use this row: ty = ty_a + (yl - k) / M for k = yl mod M, yl mod M + M, ...
        for (int tx = 0; tx < tw; tx += L) {
          V d[N], o[N];
          DL_UNROLL
          for (int k = 0; k < N; ++k) d[k] = simd::load<V>(phase + (k % M) * ulen + tx + k / M);
          Tr<M, R>::bt(d, o);
          for (int k = yl % M; k < N && k <= yl; k += M) {
            const int tr = (yl - k) / M;  // tile row within the segment
            if (tr >= ty_b - ty_a) continue;
            float* dst = kp + static_cast<size_t>(k) * N * kp_ld + t_first + tr * tw + tx;
            DL_UNROLL
            for (int j = 0; j < N; ++j) simd::store(dst + static_cast<size_t>(j) * kp_ld, o[j]);
          }
        }
      }
      ga += ty_b - ty_a;
    }
    // Column pass along y over all tiles of the block at once: V[i*N + j][c][t].
    for (int j = 0; j < N; ++j) {
      const float* kj = kp + static_cast<size_t>(j) * kp_ld;
      float* vj = Vt + (static_cast<size_t>(j) * C + c) * ld;
      for (int t = 0; t < tiles; t += L) {
        V d[N], o[N];
        DL_UNROLL
        for (int k = 0; k < N; ++k) d[k] = simd::load<V>(kj + static_cast<size_t>(k) * N * kp_ld + t);
        Tr<M, R>::bt(d, o);
        DL_UNROLL
        for (int i = 0; i < N; ++i) simd::store(vj + static_cast<size_t>(i) * N * C * ld + t, o[i]);
      }
    }
  }
}

// y = A^T M A for the tile rows [g0, g1) over all tiles at once, into output rows in tile order
// (out[a][M*t + b]); then per channel and image the rows are copied out and the epilogue runs over
// the contiguous span they make.
template <int M, int R, int L>
void WinogradConv::output_transform_t(float* y, int g0, int g1, const ConvEpilogue& ep, Scratch& s) {
  using T = Mat<M, R>;
  constexpr int N = T::N;
  using V = simd::Vec<L>;
  const int F = F_, th = th_, tw = tw_, ld = ld_, OW = OW_, OH = OH_;
  const int tiles = (g1 - g0) * tw;
  const size_t out_plane = static_cast<size_t>(OH) * OW, o_ld = static_cast<size_t>(M) * kp_ld_;
  const float* Mm = s.m.data();
  float* orow = s.out.data();
  for (int f = 0; f < F; ++f) {
    const float* mf = Mm + static_cast<size_t>(f) * ld;
    for (int t = 0; t < tiles; t += L) {
      // z = A^T m (along y, per column j), then y = z A (along x).
      V z[M][N], yv[M][M];
      DL_UNROLL
      for (int j = 0; j < N; ++j) {
        V col[N], zc[M];
        DL_UNROLL
        for (int i = 0; i < N; ++i) col[i] = simd::load<V>(mf + static_cast<size_t>(i * N + j) * F * ld + t);
        Tr<M, R>::at(col, zc);
        DL_UNROLL
        for (int a = 0; a < M; ++a) z[a][j] = zc[a];
      }
      DL_UNROLL
      for (int a = 0; a < M; ++a) Tr<M, R>::at(z[a], yv[a]);
      DL_UNROLL
      for (int a = 0; a < M; ++a) interleave<M, V>(yv[a], orow + a * o_ld + static_cast<size_t>(M) * t);
    }
    for (int ga = g0; ga < g1;) {  // one image's tile rows [ty_a, ty_b) at a time
      const int img = ga / th, ty_a = ga % th;
      const int ty_b = std::min(th, ty_a + (g1 - ga));
      const size_t plane = (static_cast<size_t>(img) * F + f) * out_plane;
      for (int ty = ty_a; ty < ty_b; ++ty) {
        const size_t src = static_cast<size_t>(M) * (ga - g0 + ty - ty_a) * tw;
        for (int a = 0; a < M && M * ty + a < OH; ++a)
          simd::copy(y + plane + static_cast<size_t>(M * ty + a) * OW, orow + a * o_ld + src, OW);
      }
      const size_t at = plane + static_cast<size_t>(M) * ty_a * OW;
      conv_epilogue(ep, f, y + at, y + at, at, (std::min(OH, M * ty_b) - M * ty_a) * OW);
      ga += ty_b - ty_a;
    }
  }
}

}  // namespace dl
