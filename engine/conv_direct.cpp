// conv_direct.cpp — direct convolution kernels (conv_direct.h) and the plain references.
//
// Both fast kernels first copy the image into zero-padded planes (in the caller's scratch, sized by
// conv_direct_*_scratch_floats; Conv2D plans one per thread) wide enough that every vector load is
// inside them, so the inner loops have no bounds to test.
//   forward (one channel): per output row, blocks of 2 vectors of outputs for 4 filters (8
//                accumulators); each tap loads 2 input vectors and multiplies them by 4 broadcast
//                weights
//   weight grad: per pair of filters, input channel and kernel row, k accumulators per filter run
//                over the image; each step loads one vector of dy per filter and k shifted input
//                vectors (2k multiply-adds for k + 2 loads, no im2col matrix, no packing)
// Sums run in a fixed order (taps in order; pixels in order within each lane, images in order,
// then the lanes), so results repeat bit for bit; they differ from the references by rounding only.
#include "conv_direct.h"

#include <algorithm>
#include <vector>

#include "simd.h"

namespace dl {

namespace {

using simd::kLanes;
using simd::vf;

constexpr int kFB = 4;  // filters per block (forward)
constexpr int kXB = 2;  // output vectors per block (forward)

int round_up(int x, int to) { return (x + to - 1) / to * to; }

// The padded plane's row length: every load x0 + kx + lane with x0 < owq stays inside.
int plane_width(const ConvGeometry& g) { return round_up(g.OW, kXB * kLanes) + g.k; }

// The scratch of each kernel, in 64 bits (resources.cpp counts it before anything is built), laid
// out in this order:
//   forward      plane (OH + k - 1, wq): the zero-padded image;  rows (kFB, owq): output rows
//   weight grad  planes (C, OH + k - 1, wq);  rows (2, OH, round_up(OW, kLanes)): dy rows of two
//                filters;  lanes (F, C, k, k, kLanes): running sums per lane
struct ForwardScratch {
  uint64_t plane, rows;
};
ForwardScratch forward_scratch(const ConvGeometry& g) {
  const uint64_t wq = uint64_t(plane_width(g)), owq = uint64_t(round_up(g.OW, kXB * kLanes));
  return {(uint64_t(g.OH) + g.k - 1) * wq, uint64_t(kFB) * owq};
}
struct WeightGradScratch {
  uint64_t planes, rows, lanes;
};
WeightGradScratch weight_grad_scratch(const ConvGeometry& g, int F) {
  const uint64_t wq = uint64_t(plane_width(g)), owq = uint64_t(round_up(g.OW, kLanes));
  const uint64_t k = uint64_t(g.k), C = uint64_t(g.C);
  return {C * (uint64_t(g.OH) + k - 1) * wq, 2 * uint64_t(g.OH) * owq, uint64_t(F) * C * k * k * kLanes};
}

// Copies image x (H, W) into plane (OH + k - 1 rows of wq), zeros around it.
void fill_plane(const ConvGeometry& g, const float* x, float* plane, int wq) {
  const int hp = g.OH + g.k - 1;
  std::fill(plane, plane + static_cast<size_t>(hp) * wq, 0.0f);
  // (stride 1: hp = H + 2 pad and wq > W + pad, so every input row fits)
  for (int iy = 0; iy < g.H; ++iy)
    simd::copy(plane + static_cast<size_t>(iy + g.pad) * wq + g.pad, x + static_cast<size_t>(iy) * g.W, g.W);
}

}  // namespace

bool conv_direct_supports(const ConvGeometry& g) { return g.C == 1 && g.stride == 1; }

uint64_t conv_direct_forward_scratch_floats(const ConvGeometry& g) {
  const ForwardScratch s = forward_scratch(g);
  return s.plane + s.rows;
}

void conv_direct_forward(const ConvGeometry& g, int F, const float* w, const float* x, int images, float* y,
                         const ConvEpilogue& ep, float* scratch) {
  const int k = g.k, kk = k * k, OW = g.OW, OH = g.OH;
  const int wq = plane_width(g), owq = round_up(OW, kXB * kLanes);
  float* plane = scratch;
  float* rows = plane + forward_scratch(g).plane;
  const size_t in_size = static_cast<size_t>(g.H) * g.W, out_plane = static_cast<size_t>(OH) * OW;
  for (int n = 0; n < images; ++n) {
    fill_plane(g, x + n * in_size, plane, wq);
    for (int f0 = 0; f0 < F; f0 += kFB) {
      const int fb = std::min(kFB, F - f0);
      const float* wf[kFB];  // a missing filter of the last block repeats the block's last one
      for (int f = 0; f < kFB; ++f) wf[f] = w + static_cast<size_t>(f0 + std::min(f, fb - 1)) * kk;
      for (int oy = 0; oy < OH; ++oy) {
        for (int x0 = 0; x0 < owq; x0 += kXB * kLanes) {
          vf acc[kFB][kXB] = {};
          for (int ky = 0; ky < k; ++ky) {
            const float* in = plane + static_cast<size_t>(oy + ky) * wq + x0;
            for (int kx = 0; kx < k; ++kx) {
              const vf i0 = simd::load(in + kx), i1 = simd::load(in + kx + kLanes);
              DL_UNROLL
              for (int f = 0; f < kFB; ++f) {
                const float wt = wf[f][ky * k + kx];
                acc[f][0] += i0 * wt;
                acc[f][1] += i1 * wt;
              }
            }
          }
          DL_UNROLL
          for (int f = 0; f < kFB; ++f) {
            simd::store(rows + static_cast<size_t>(f) * owq + x0, acc[f][0]);
            simd::store(rows + static_cast<size_t>(f) * owq + x0 + kLanes, acc[f][1]);
          }
        }
        for (int f = 0; f < fb; ++f) {
          float* dst = y + (static_cast<size_t>(n) * F + f0 + f) * out_plane + static_cast<size_t>(oy) * OW;
          simd::copy(dst, rows + static_cast<size_t>(f) * owq, OW);
        }
      }
      for (int f = 0; f < fb; ++f) {  // the epilogue over each whole output plane, in place
        const size_t at = (static_cast<size_t>(n) * F + f0 + f) * out_plane;
        conv_epilogue(ep, f0 + f, y + at, y + at, at, static_cast<int>(out_plane));
      }
    }
  }
}

namespace {

// The weight gradient of a k x k kernel known at compile time (its 2k accumulators stay in
// registers). Per image: every input channel into a padded plane; per pair of filters their dy rows
// zero-padded to whole vectors; per (channel, kernel row) the 2k accumulators run over the image,
// then are added lane by lane into lanes (F, C, k, k, kLanes). The lanes are summed once, at the end.
template <int K>
void weight_grad_t(const ConvGeometry& g, int F, const float* x, const float* dy, int images, float* dw,
                   float* scratch) {
  const int C = g.C, OW = g.OW, OH = g.OH;
  const int wq = plane_width(g), owq = round_up(OW, kLanes), hp = OH + K - 1;
  const size_t plane_size = static_cast<size_t>(hp) * wq, in_size = static_cast<size_t>(C) * g.H * g.W;
  const size_t out_plane = static_cast<size_t>(OH) * OW;
  const WeightGradScratch sizes = weight_grad_scratch(g, F);
  const size_t lanes_size = static_cast<size_t>(sizes.lanes);
  float* planes = scratch;
  float* dq = planes + sizes.planes;
  float* lanes = dq + sizes.rows;
  std::fill(lanes, lanes + lanes_size, 0.0f);
  for (int n = 0; n < images; ++n) {
    const ConvGeometry g1{1, g.H, g.W, g.k, g.stride, g.pad, g.OH, g.OW};
    for (int c = 0; c < C; ++c)
      fill_plane(g1, x + n * in_size + static_cast<size_t>(c) * g.H * g.W, planes + c * plane_size, wq);
    const float* dyn = dy + static_cast<size_t>(n) * F * out_plane;
    for (int f0 = 0; f0 < F; f0 += 2) {
      const int fb = std::min(2, F - f0);
      // dy rows of the pair, zero-padded to whole vectors (a lone last filter pairs with zeros).
      std::fill(dq, dq + static_cast<size_t>(2) * OH * owq, 0.0f);
      for (int f = 0; f < fb; ++f)
        for (int oy = 0; oy < OH; ++oy)
          simd::copy(dq + (static_cast<size_t>(f) * OH + oy) * owq,
                     dyn + (f0 + f) * out_plane + static_cast<size_t>(oy) * OW, OW);
      for (int c = 0; c < C; ++c) {
        const float* plane = planes + c * plane_size;
        for (int ky = 0; ky < K; ++ky) {
          vf a0[K] = {}, a1[K] = {};
          for (int oy = 0; oy < OH; ++oy) {
            const float* in = plane + static_cast<size_t>(oy + ky) * wq;
            const float* d0 = dq + static_cast<size_t>(oy) * owq;
            const float* d1 = d0 + static_cast<size_t>(OH) * owq;
            for (int x0 = 0; x0 < owq; x0 += kLanes) {
              const vf v0 = simd::load(d0 + x0), v1 = simd::load(d1 + x0);
              DL_UNROLL
              for (int kx = 0; kx < K; ++kx) {
                const vf i = simd::load(in + x0 + kx);
                a0[kx] += v0 * i;
                a1[kx] += v1 * i;
              }
            }
          }
          float* l0 = lanes + ((static_cast<size_t>(f0) * C + c) * K + ky) * K * kLanes;
          float* l1 = l0 + static_cast<size_t>(C) * K * K * kLanes;  // filter f0 + 1 (zeros if fb == 1)
          DL_UNROLL
          for (int kx = 0; kx < K; ++kx) {
            simd::store(l0 + kx * kLanes, simd::load(l0 + kx * kLanes) + a0[kx]);
            if (fb > 1) simd::store(l1 + kx * kLanes, simd::load(l1 + kx * kLanes) + a1[kx]);
          }
        }
      }
    }
  }
  for (size_t i = 0, n = static_cast<size_t>(F) * C * K * K; i < n; ++i) {
    const float* l = lanes + i * kLanes;
    float s = 0.0f;
    for (int j = 0; j < kLanes; ++j) s += l[j];
    dw[i] += s;
  }
}

}  // namespace

bool conv_direct_weight_grad_supports(const ConvGeometry& g) { return g.stride == 1 && (g.k == 3 || g.k == 5); }

uint64_t conv_direct_weight_grad_scratch_floats(const ConvGeometry& g, int F) {
  if (!conv_direct_weight_grad_supports(g)) return 0;  // the reference loops need none
  const WeightGradScratch s = weight_grad_scratch(g, F);
  return s.planes + s.rows + s.lanes;
}

void conv_direct_weight_grad(const ConvGeometry& g, int F, const float* x, const float* dy, int images, float* dw,
                             float* scratch) {
  switch (g.k) {
    case 3: weight_grad_t<3>(g, F, x, dy, images, dw, scratch); break;
    case 5: weight_grad_t<5>(g, F, x, dy, images, dw, scratch); break;
    default: {
      const size_t in = static_cast<size_t>(g.C) * g.H * g.W, out = static_cast<size_t>(F) * g.OH * g.OW;
      for (int n = 0; n < images; ++n) conv_weight_grad_reference(g, F, x + n * in, dy + n * out, dw);
    }
  }
}

// ---- references: the obvious loops -------------------------------------------------------------

void conv_reference(const ConvGeometry& g, int F, const float* w, const float* bias, const float* x, float* y) {
  for (int f = 0; f < F; ++f)
    for (int oy = 0; oy < g.OH; ++oy)
      for (int ox = 0; ox < g.OW; ++ox) {
        float s = bias ? bias[f] : 0.0f;
        for (int c = 0; c < g.C; ++c)
          for (int ky = 0; ky < g.k; ++ky)
            for (int kx = 0; kx < g.k; ++kx) {
              const int iy = oy * g.stride - g.pad + ky, ix = ox * g.stride - g.pad + kx;
              if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
              s += w[((static_cast<size_t>(f) * g.C + c) * g.k + ky) * g.k + kx] *
                   x[(static_cast<size_t>(c) * g.H + iy) * g.W + ix];
            }
        y[(static_cast<size_t>(f) * g.OH + oy) * g.OW + ox] = s;
      }
}

void conv_weight_grad_reference(const ConvGeometry& g, int F, const float* x, const float* dy, float* dw) {
  for (int f = 0; f < F; ++f)
    for (int c = 0; c < g.C; ++c)
      for (int ky = 0; ky < g.k; ++ky)
        for (int kx = 0; kx < g.k; ++kx) {
          float s = 0.0f;
          for (int oy = 0; oy < g.OH; ++oy)
            for (int ox = 0; ox < g.OW; ++ox) {
              const int iy = oy * g.stride - g.pad + ky, ix = ox * g.stride - g.pad + kx;
              if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
              s += dy[(static_cast<size_t>(f) * g.OH + oy) * g.OW + ox] *
                   x[(static_cast<size_t>(c) * g.H + iy) * g.W + ix];
            }
          dw[((static_cast<size_t>(f) * g.C + c) * g.k + ky) * g.k + kx] += s;
        }
}

}  // namespace dl
