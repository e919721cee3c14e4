// conv_kernels.cpp — im2col, col2im and max pooling (conv_kernels.h), fast and reference.
//
// Why the fast versions exist: in WebAssembly every std::fill / std::memcpy of a short row (14 or
// 28 floats here) is a call into the C library's memset / memcpy, and the profile of an R1
// training step under Node showed those calls, the im2col around them and the generic pooling loop
// taking about as much time as the GEMMs. The fast versions (stride 1, the only stride DigitLab's
// networks use; others fall back to the reference) first copy each input plane into a zero-padded
// plane, so every column row is a straight copy of OW floats with no bounds to test, done inline
// with SIMD128 loads and stores (`no_builtin` stops clang from turning the loops back into library
// calls). col2im accumulates on the padded plane in the reference's order, so the results are
// bit-identical.
#include "conv_kernels.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "simd.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#if defined(__clang__)
#define DL_INLINE_LOOPS __attribute__((no_builtin))
#else
#define DL_INLINE_LOOPS
#endif

namespace dl {

namespace {

DL_INLINE_LOOPS inline void copy_row(float* d, const float* s, int n) {
  int i = 0;
#ifdef __wasm_simd128__
  for (; i + 4 <= n; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
#endif
  for (; i < n; ++i) d[i] = s[i];
}

DL_INLINE_LOOPS inline void add_row(float* d, const float* s, int n) {
  int i = 0;
#ifdef __wasm_simd128__
  for (; i + 4 <= n; i += 4) wasm_v128_store(d + i, wasm_f32x4_add(wasm_v128_load(d + i), wasm_v128_load(s + i)));
#endif
  for (; i < n; ++i) d[i] += s[i];
}

}  // namespace

// One zero-padded input plane (H + 2 pad, W + 2 pad), the caller's (Conv2D plans one per thread):
// with it every stride-1 im2col row is a straight copy and every col2im row a straight add, with
// no bounds. Computed in 64 bits: resources.cpp counts it before a layer is built.
uint64_t im2col_scratch_floats(const ConvGeometry& g) {
  if (g.stride != 1) return 0;
  return (uint64_t(g.H) + 2 * uint64_t(g.pad)) * (uint64_t(g.W) + 2 * uint64_t(g.pad));
}

DL_INLINE_LOOPS void im2col(const ConvGeometry& g, const float* img, float* col, float* scratch) {
  if (g.stride != 1) {
    im2col_reference(g, img, col);
    return;
  }
  const int k = g.k, p = g.pad, W = g.W, H = g.H, OW = g.OW, OH = g.OH;
  const int Wp = W + 2 * p, Hp = H + 2 * p;
  const size_t N = static_cast<size_t>(OH) * OW;
  float* pad = scratch;  // (Hp, Wp)
  for (int i = 0; i < Hp * Wp; ++i) pad[i] = 0.0f;
  for (int c = 0; c < g.C; ++c) {
    const float* plane = img + static_cast<size_t>(c) * H * W;
    for (int y = 0; y < H; ++y) copy_row(pad + (y + p) * Wp + p, plane + y * W, W);
    for (int ky = 0; ky < k; ++ky)
      for (int kx = 0; kx < k; ++kx) {
        float* row = col + ((static_cast<size_t>(c) * k + ky) * k + kx) * N;
        for (int oy = 0; oy < OH; ++oy) copy_row(row + oy * OW, pad + (oy + ky) * Wp + kx, OW);
      }
  }
}

DL_INLINE_LOOPS void col2im(const ConvGeometry& g, const float* col, float* img, float* scratch) {
  if (g.stride != 1) {
    col2im_reference(g, col, img);
    return;
  }
  const int k = g.k, p = g.pad, W = g.W, H = g.H, OW = g.OW, OH = g.OH;
  const int Wp = W + 2 * p, Hp = H + 2 * p;
  const size_t N = static_cast<size_t>(OH) * OW;
  float* pad = scratch;  // (Hp, Wp)
  for (int c = 0; c < g.C; ++c) {
    // Accumulate on the padded plane in the reference's order (ky, kx, oy, ox), keep the inside.
    for (int i = 0; i < Hp * Wp; ++i) pad[i] = 0.0f;
    for (int ky = 0; ky < k; ++ky)
      for (int kx = 0; kx < k; ++kx) {
        const float* row = col + ((static_cast<size_t>(c) * k + ky) * k + kx) * N;
        for (int oy = 0; oy < OH; ++oy) add_row(pad + (oy + ky) * Wp + kx, row + oy * OW, OW);
      }
    float* plane = img + static_cast<size_t>(c) * H * W;
    for (int y = 0; y < H; ++y) copy_row(plane + y * W, pad + (y + p) * Wp + p, W);
  }
}

namespace {

// conv_epilogue with its three choices made at compile time (the loop stays free of branches).
template <bool kBias, bool kAffine, bool kRelu>
void epilogue_t(float b, float s, float t, const float* src, float* y, float* z, float* r, int n) {
  using namespace simd;
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    vf v = load(src + i);
    if (kBias) v = v + b;
    store(y + i, v);
    if (kAffine) {
      v = v * s + t;
      store(z + i, v);
    }
    if (kRelu) store(r + i, relu(v));
  }
  for (; i < n; ++i) {
    float v = src[i];
    if (kBias) v = v + b;
    y[i] = v;
    if (kAffine) {
      v = v * s + t;
      z[i] = v;
    }
    if (kRelu) r[i] = v > 0.0f ? v : 0.0f;
  }
}

}  // namespace

void conv_epilogue(const ConvEpilogue& ep, int f, const float* src, float* y, size_t at, int n) {
  // Each output with the same operations as the separate layers (a bias add, BatchNorm's
  // x * scale + shift, ReLU's max), so fusing does not change a bit (FMA contraction aside).
  const float b = ep.bias ? ep.bias[f] : 0.0f;
  const float s = ep.scale ? ep.scale[f] : 1.0f, t = ep.scale ? ep.shift[f] : 0.0f;
  float* z = ep.scale ? ep.affine + at : nullptr;
  float* r = ep.relu ? ep.relu + at : nullptr;
  const int which = (ep.bias ? 4 : 0) | (z ? 2 : 0) | (r ? 1 : 0);
  switch (which) {
    case 0:
      if (src != y) epilogue_t<false, false, false>(b, s, t, src, y, z, r, n);
      break;
    case 1: epilogue_t<false, false, true>(b, s, t, src, y, z, r, n); break;
    case 2: epilogue_t<false, true, false>(b, s, t, src, y, z, r, n); break;
    case 3: epilogue_t<false, true, true>(b, s, t, src, y, z, r, n); break;
    case 4: epilogue_t<true, false, false>(b, s, t, src, y, z, r, n); break;
    case 5: epilogue_t<true, false, true>(b, s, t, src, y, z, r, n); break;
    case 6: epilogue_t<true, true, false>(b, s, t, src, y, z, r, n); break;
    default: epilogue_t<true, true, true>(b, s, t, src, y, z, r, n); break;
  }
}

void maxpool_forward(const float* x, int C, int H, int W, int k, int stride, int OH, int OW, float* y,
                     int32_t* argmax) {
  if (k != 2 || stride != 2) {
    maxpool_forward_reference(x, C, H, W, k, stride, OH, OW, y, argmax);
    return;
  }
  // 2x2, stride 2: the four candidates in the reference's order (strict >, so the first wins ties),
  // four outputs at a time: the even and odd columns of both rows are split into vectors and the
  // same four compare-and-selects run per lane.
  // Four lanes on every target: pooled rows are short (14 and 7 in R1 / R2).
  using V = simd::Vec<4>;
  using I = simd::VecI<4>;
  constexpr int L = 4;
  const I lane2 = {0, 2, 4, 6};
  const float ninf = -std::numeric_limits<float>::infinity();
  for (int c = 0; c < C; ++c) {
    const int base = c * H * W;
    for (int oy = 0; oy < OH; ++oy) {
      const float* r0 = x + base + (2 * oy) * W;
      const float* r1 = r0 + W;
      float* yo = y + (c * OH + oy) * OW;
      int32_t* ao = argmax + (c * OH + oy) * OW;
      const int i0 = base + (2 * oy) * W;
      int ox = 0;
      for (; ox + L <= OW; ox += L) {
        const int x0 = 2 * ox;
        V a, b, cc, d;
        simd::even_odd(simd::load<V>(r0 + x0), simd::load<V>(r0 + x0 + L), a, b);
        simd::even_odd(simd::load<V>(r1 + x0), simd::load<V>(r1 + x0 + L), cc, d);
        const I ia = lane2 + (i0 + x0);
        V best = simd::splat<V>(ninf);
        I bi = ia;
        I m = simd::greater(a, best);
        best = simd::select(m, a, best);
        bi = simd::select(m, ia, bi);
        m = simd::greater(b, best);
        best = simd::select(m, b, best);
        bi = simd::select(m, ia + 1, bi);
        m = simd::greater(cc, best);
        best = simd::select(m, cc, best);
        bi = simd::select(m, ia + W, bi);
        m = simd::greater(d, best);
        best = simd::select(m, d, best);
        bi = simd::select(m, ia + (W + 1), bi);
        simd::store(yo + ox, best);
        simd::store_i(ao + ox, bi);
      }
      for (; ox < OW; ++ox) {
        const int x0 = 2 * ox;
        float best = -std::numeric_limits<float>::infinity();
        int bi = i0 + x0;
        if (r0[x0] > best) {
          best = r0[x0];
          bi = i0 + x0;
        }
        if (r0[x0 + 1] > best) {
          best = r0[x0 + 1];
          bi = i0 + x0 + 1;
        }
        if (r1[x0] > best) {
          best = r1[x0];
          bi = i0 + W + x0;
        }
        if (r1[x0 + 1] > best) {
          best = r1[x0 + 1];
          bi = i0 + W + x0 + 1;
        }
        yo[ox] = best;
        ao[ox] = bi;
      }
    }
  }
}

void add_row_sums(const float* x, int rows, int n, float* sums) {
  for (int r = 0; r < rows; ++r) {
    const float* row = x + static_cast<size_t>(r) * n;
    float lane[8];
    int i = 0;
#ifdef __wasm_simd128__
    v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
    for (; i + 8 <= n; i += 8) {
      s0 = wasm_f32x4_add(s0, wasm_v128_load(row + i));
      s1 = wasm_f32x4_add(s1, wasm_v128_load(row + i + 4));
    }
    wasm_v128_store(lane, s0);
    wasm_v128_store(lane + 4, s1);
#else
    for (float& l : lane) l = 0.0f;
    for (; i + 8 <= n; i += 8)
      for (int l = 0; l < 8; ++l) lane[l] += row[i + l];
#endif
    float s = ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
    for (; i < n; ++i) s += row[i];
    sums[r] += s;
  }
}

// ---- references: the obvious loops -------------------------------------------------------------

void add_row_sums_reference(const float* x, int rows, int n, float* sums) {
  for (int r = 0; r < rows; ++r) {
    float s = 0.0f;
    for (int i = 0; i < n; ++i) s += x[static_cast<size_t>(r) * n + i];
    sums[r] += s;
  }
}

void im2col_reference(const ConvGeometry& g, const float* img, float* col) {
  const size_t N = static_cast<size_t>(g.OH) * g.OW;
  for (int c = 0; c < g.C; ++c)
    for (int ky = 0; ky < g.k; ++ky)
      for (int kx = 0; kx < g.k; ++kx)
        for (int oy = 0; oy < g.OH; ++oy)
          for (int ox = 0; ox < g.OW; ++ox) {
            const int iy = oy * g.stride - g.pad + ky, ix = ox * g.stride - g.pad + kx;
            const bool inside = iy >= 0 && iy < g.H && ix >= 0 && ix < g.W;
            col[((static_cast<size_t>(c) * g.k + ky) * g.k + kx) * N + oy * g.OW + ox] =
                inside ? img[(static_cast<size_t>(c) * g.H + iy) * g.W + ix] : 0.0f;
          }
}

void col2im_reference(const ConvGeometry& g, const float* col, float* img) {
  const size_t N = static_cast<size_t>(g.OH) * g.OW;
  std::fill(img, img + static_cast<size_t>(g.C) * g.H * g.W, 0.0f);
  for (int c = 0; c < g.C; ++c)
    for (int ky = 0; ky < g.k; ++ky)
      for (int kx = 0; kx < g.k; ++kx)
        for (int oy = 0; oy < g.OH; ++oy)
          for (int ox = 0; ox < g.OW; ++ox) {
            const int iy = oy * g.stride - g.pad + ky, ix = ox * g.stride - g.pad + kx;
            if (iy >= 0 && iy < g.H && ix >= 0 && ix < g.W)
              img[(static_cast<size_t>(c) * g.H + iy) * g.W + ix] +=
                  col[((static_cast<size_t>(c) * g.k + ky) * g.k + kx) * N + oy * g.OW + ox];
          }
}

void maxpool_forward_reference(const float* x, int C, int H, int W, int k, int stride, int OH, int OW, float* y,
                               int32_t* argmax) {
  for (int c = 0; c < C; ++c) {
    const float* plane = x + c * H * W;
    for (int oy = 0; oy < OH; ++oy) {
      for (int ox = 0; ox < OW; ++ox) {
        float best = -std::numeric_limits<float>::infinity();
        int best_i = (oy * stride) * W + ox * stride;
        for (int ky = 0; ky < k; ++ky) {
          const float* row = plane + (oy * stride + ky) * W + ox * stride;
          for (int kx = 0; kx < k; ++kx) {
            if (row[kx] > best) {
              best = row[kx];
              best_i = (oy * stride + ky) * W + ox * stride + kx;
            }
          }
        }
        const int o = (c * OH + oy) * OW + ox;
        y[o] = best;
        argmax[o] = c * H * W + best_i;
      }
    }
  }
}

}  // namespace dl
