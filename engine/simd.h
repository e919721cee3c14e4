// simd.h — the short-vector types of the convolution kernels (winograd.cpp, conv_direct.cpp,
// conv_kernels.cpp), written with GCC's vector extensions, which GCC and clang both compile: SIMD128
// in WebAssembly (-msimd128), AVX / AVX-512 natively under -march=native, SSE otherwise. Arithmetic
// is the plain operators (+ - *, a scalar operand is broadcast); loads and stores are unaligned.
//
// Vec<L> is L floats (L = 4, 8 or 16; the widths the target has: 4 only, in WebAssembly), VecI<L> as
// many int32. vf is Vec<kLanes>, the widest: 16 with AVX-512, 8 with AVX, else 4. Kernels whose rows
// are short pick a narrower width (a 14-wide row in 16 lanes wastes more than it gains). Results do
// not depend on the width unless a kernel sums across lanes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

// Fully unroll the next loop (small constant trip counts in the transforms); GCC and clang both
// read this spelling.
#define DL_UNROLL _Pragma("GCC unroll 16")

namespace dl::simd {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif

template <int L>
struct VecTypes {
  typedef float f __attribute__((vector_size(L * sizeof(float))));
  typedef int32_t i __attribute__((vector_size(L * sizeof(int32_t))));
};
template <int L>
using Vec = typename VecTypes<L>::f;
template <int L>
using VecI = typename VecTypes<L>::i;
template <class V>
constexpr int lanes_of() {
  return static_cast<int>(sizeof(V) / sizeof(float));
}

typedef Vec<kLanes> vf;
typedef VecI<kLanes> vi;

// Unaligned loads and stores (memcpy of a vector's size compiles to one vector move).
template <class V = vf>
inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
inline void store(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
template <class V>
inline V load_i(const int32_t* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
inline void store_i(int32_t* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
template <class V = vf>
inline V splat(float s) {
  return V{} + s;
}

// max(v, 0) with the reference's meaning of `v > 0 ? v : 0` (NaN and -0 give +0).
template <class V>
inline V relu(V v) {
  using I = VecI<lanes_of<V>()>;
  const I m = v > 0.0f;
  return (V)((I)v & m);
}

// Lane masks and selects: greater(a, b) is all ones where a > b (false for NaN); select(m, a, b)
// takes a where m is all ones, else b.
template <class V>
inline auto greater(V a, V b) {
  return a > b;
}
template <class V, class I>
inline V select(I m, V a, V b) {
  return (V)(((I)a & m) | ((I)b & ~m));
}

// d where m > 0, else 0 (ReLU's backward: `m > 0 ? d : 0`, NaN in m gives 0).
template <class V>
inline V where_positive(V m, V d) {
  using I = VecI<lanes_of<V>()>;
  return (V)((I)d & (I)(m > 0.0f));
}

// Lane shuffles. even_odd: a = (x0 x1 x2 ...), b = the next lanes -> even (x0 x2 x4 ...), odd
// (x1 x3 x5 ...). zip, its inverse: lo = (a0 b0 a1 b1 ...), hi = the rest. (__builtin_shufflevector:
// clang, and GCC from 12 on, the compiler of Debian 12.)
template <class V>
inline void even_odd(V a, V b, V& even, V& odd) {
  constexpr int L = lanes_of<V>();
  if constexpr (L == 4) {
    even = __builtin_shufflevector(a, b, 0, 2, 4, 6);
    odd = __builtin_shufflevector(a, b, 1, 3, 5, 7);
  } else if constexpr (L == 8) {
    even = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
    odd = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
  } else {
    even = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    odd = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  }
}
template <class V>
inline void zip(V a, V b, V& lo, V& hi) {
  constexpr int L = lanes_of<V>();
  if constexpr (L == 4) {
    lo = __builtin_shufflevector(a, b, 0, 4, 1, 5);
    hi = __builtin_shufflevector(a, b, 2, 6, 3, 7);
  } else if constexpr (L == 8) {
    lo = __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
    hi = __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
  } else {
    lo = __builtin_shufflevector(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    hi = __builtin_shufflevector(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  }
}

// d[i] = s[i] and d[i] = 0 for i < n, inline (in WebAssembly a short std::copy / std::fill is a call
// into the C library's memcpy / memset). Four-lane tails, so short rows are not left to scalars.
inline void copy(float* d, const float* s, int n) {
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) store(d + i, load(s + i));
  for (; i + 4 <= n; i += 4) store(d + i, load<Vec<4>>(s + i));
  for (; i < n; ++i) d[i] = s[i];
}
inline void zero(float* d, int n) {
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) store(d + i, vf{});
  for (; i + 4 <= n; i += 4) store(d + i, Vec<4>{});
  for (; i < n; ++i) d[i] = 0.0f;
}

// Whether n floats at a and b have the same bits (the differences are OR-ed over spans of 256
// floats before a span is tested).
inline bool same_bits(const float* a, const float* b, size_t n) {
  size_t i = 0;
  while (i + 4 * kLanes <= n) {
    vi d = vi{};
    const size_t end = i + 256 <= n ? i + 256 : n - (n - i) % (4 * kLanes);
    for (; i < end; i += 4 * kLanes)
      for (int u = 0; u < 4; ++u) d |= (vi)load(a + i + u * kLanes) ^ (vi)load(b + i + u * kLanes);
    int32_t any = 0;
    for (int l = 0; l < kLanes; ++l) any |= d[l];
    if (any) return false;
  }
  for (; i < n; ++i) {
    uint32_t x, y;
    std::memcpy(&x, a + i, 4);
    std::memcpy(&y, b + i, 4);
    if (x != y) return false;
  }
  return true;
}

}  // namespace dl::simd
