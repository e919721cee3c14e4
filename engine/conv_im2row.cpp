// conv_im2row.cpp — the weight gradient through im2row blocks (conv_im2row.h).
//
// Per image: the input channels into zero-padded planes (rows of wp floats); then per block of P
// output pixels: dy's columns for the block become the GEMM's prepared left operand (F x P, a
// transposing copy of F*P floats), the block's im2row rows are written, and one product adds the
// block's contribution to dw. A run of k floats (one kernel row of one channel for one pixel) is
// copied with one vector load and store of 4 lanes (k <= 4) or 8 (k <= 8; two overlapping 4-lane
// ones in WebAssembly): the store runs past the k floats into the next run's place, which is
// written afterwards (runs are written in increasing order), or into the slack at the block's end.
//
// Sums: each dw element adds the block products in block order (and within a block, the GEMM's
// order), so a given image count repeats bit for bit.
#include "conv_im2row.h"

#include <algorithm>
#include <vector>

#include "conv_direct.h"
#include "gemm.h"
#include "simd.h"

namespace dl {

namespace {

// Pixels per block: WebAssembly's packed kernel reads a right operand of at most 64 rows in place
// (deeper ones it packs); natively the AVX-512 kernel always reads it in place.
#if defined(__AVX512F__) && !defined(__wasm__)
constexpr int kBlock = 128;
#else
constexpr int kBlock = 64;
#endif

// The vector a run is copied with: 4 lanes up to k = 4, 8 up to 8 (two overlapping 4-lane ones
// where 8 lanes do not exist), the widest beyond.
int run_width(int k) { return k <= 4 ? 4 : k <= 8 ? 8 : simd::kLanes; }

// The scratch, in 64 bits (resources.cpp counts it before anything is built), in this order:
//   planes (C, hp, wp): the padded input;  rows (kBlock, C*k*k) + run: one block of im2row;
//   a gemm_prepared_a_size(F, kBlock): dy's block prepared;  at (F, kBlock): dy's block, contiguous
struct Scratch {
  uint64_t planes, rows, a, at;
};
Scratch scratch_sizes(const ConvGeometry& g, int F) {
  const uint64_t k = uint64_t(g.k), s = uint64_t(g.stride), run = uint64_t(run_width(g.k));
  const uint64_t hp = (uint64_t(g.OH) - 1) * s + k, wp = (uint64_t(g.OW) - 1) * s + k + run;
  return {uint64_t(g.C) * hp * wp, uint64_t(kBlock) * g.C * k * k + run, uint64_t(gemm_prepared_a_size(F, kBlock)),
          uint64_t(F) * kBlock};
}

// The C*k runs of one im2row row. Two = true: each run as two overlapping vectors at 0 and k - L
// (5 floats through 4 lanes).
template <class V, bool Two>
void write_runs(const float* planes, int C, int k, size_t plane_size, int wp, int iy0, int ix0, float* dst) {
  constexpr int L = simd::lanes_of<V>();
  for (int c = 0; c < C; ++c) {
    const float* p = planes + c * plane_size + static_cast<size_t>(iy0) * wp + ix0;
    for (int ky = 0; ky < k; ++ky, p += wp, dst += k) {
      simd::store(dst, simd::load<V>(p));
      if (Two) simd::store(dst + k - L, simd::load<V>(p + k - L));
    }
  }
}

}  // namespace

uint64_t conv_weight_grad_im2row_scratch_floats(const ConvGeometry& g, int F) {
  if (g.k > std::max(8, simd::kLanes)) return 0;  // the reference loops need none
  const Scratch sz = scratch_sizes(g, F);
  return sz.planes + sz.rows + sz.a + sz.at;
}

void conv_weight_grad_im2row(const ConvGeometry& g, int F, const float* x, const float* dy, int images, float* dw,
                             float* scratch) {
  const int C = g.C, k = g.k, s = g.stride, OW = g.OW, N = g.OH * g.OW;
  const int Kl = C * k * k;
  const int run = run_width(k);
  if (k > std::max(8, simd::kLanes)) {  // the plain loops (no layer of DigitLab has k > 8)
    const size_t in = static_cast<size_t>(C) * g.H * g.W, out = static_cast<size_t>(F) * N;
    for (int n = 0; n < images; ++n) conv_weight_grad_reference(g, F, x + n * in, dy + n * out, dw);
    return;
  }
  // Padded planes: every run read, x up to (OW - 1) * s + k - 1 + run, lies inside.
  const int hp = (g.OH - 1) * s + k, wp = (OW - 1) * s + k + run;
  const size_t plane_size = static_cast<size_t>(hp) * wp;
  const Scratch sz = scratch_sizes(g, F);
  float* planes = scratch;
  float* rows = planes + sz.planes;
  float* a = rows + sz.rows;
  float* at = a + sz.a;
  std::fill(planes, planes + C * plane_size, 0.0f);
  const size_t in_size = static_cast<size_t>(C) * g.H * g.W;
  for (int n = 0; n < images; ++n) {
    const float* xn = x + n * in_size;
    for (int c = 0; c < C; ++c)
      for (int iy = 0; iy < g.H; ++iy) {
        const int py = iy + g.pad;
        if (py < 0 || py >= hp) continue;
        // Columns past the padded width are never read by a run that matters; clip to the plane.
        const int x0 = std::max(0, -g.pad), x1 = std::min(g.W, wp - g.pad);
        if (x1 > x0)
          simd::copy(planes + c * plane_size + static_cast<size_t>(py) * wp + x0 + g.pad,
                     xn + (static_cast<size_t>(c) * g.H + iy) * g.W + x0, x1 - x0);
      }
    const float* dyn = dy + static_cast<size_t>(n) * F * N;
    for (int p0 = 0; p0 < N; p0 += kBlock) {
      const int P = std::min(kBlock, N - p0);
      // im2row rows of pixels p0 .. p0 + P.
      float* dst = rows;
      for (int p = p0; p < p0 + P; ++p, dst += Kl) {
        const int oy = p / OW, ox = p % OW;
        if (run == 4) write_runs<simd::Vec<4>, false>(planes, C, k, plane_size, wp, oy * s, ox * s, dst);
        else if (run == 8 && simd::kLanes >= 8)
          write_runs<simd::Vec<simd::kLanes >= 8 ? 8 : 4>, false>(planes, C, k, plane_size, wp, oy * s, ox * s, dst);
        else if (run == 8) write_runs<simd::Vec<4>, true>(planes, C, k, plane_size, wp, oy * s, ox * s, dst);
        else write_runs<simd::vf, false>(planes, C, k, plane_size, wp, oy * s, ox * s, dst);
      }
      // dy's block (F, P), contiguous, prepared as the left operand.
      for (int f = 0; f < F; ++f) simd::copy(at + static_cast<size_t>(f) * P, dyn + static_cast<size_t>(f) * N + p0, P);
      gemm_prepare_a(F, P, at, P, a);
      gemm_nn_prepared(F, Kl, P, a, rows, Kl, dw, Kl, true);
    }
    // The padding stays zero: only the image's own span of each plane row is ever written.
  }
}

}  // namespace dl
