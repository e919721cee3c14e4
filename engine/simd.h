// simd.h — the one short-vector type of the convolution kernels (winograd.cpp, conv_direct.cpp),
// written with GCC's vector extensions, which GCC and clang both compile: SIMD128 in WebAssembly
// (-msimd128), AVX natively under -march=native, SSE otherwise. Arithmetic is the plain operators
// (+ - *, a scalar operand is broadcast); loads and stores are unaligned.
//
// kLanes is the vector width in floats: 16 with AVX-512, 8 with AVX, else 4 (SSE2, SIMD128). A kernel written
// for vf works for either width; its results do not depend on the width unless it sums across lanes.
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

typedef float vf __attribute__((vector_size(kLanes * sizeof(float))));
typedef int32_t vi __attribute__((vector_size(kLanes * sizeof(int32_t))));
// The same types, for unaligned memory that may alias floats.
typedef float vf_mem __attribute__((vector_size(kLanes * sizeof(float)), aligned(4), __may_alias__));
typedef int32_t vi_mem __attribute__((vector_size(kLanes * sizeof(int32_t)), aligned(4), __may_alias__));

inline vf load(const float* p) { return *reinterpret_cast<const vf_mem*>(p); }
inline void store(float* p, vf v) { *reinterpret_cast<vf_mem*>(p) = v; }
inline vf splat(float s) { return vf{} + s; }

// max(v, 0) with the reference's meaning of `v > 0 ? v : 0` (NaN and -0 give +0).
inline vf relu(vf v) {
#ifdef __wasm_simd128__
  return reinterpret_cast<vf>(wasm_f32x4_pmax(wasm_f32x4_splat(0.0f), reinterpret_cast<v128_t>(v)));
#else
  return v > 0.0f ? v : vf{};
#endif
}

// Lane masks and selects: greater(a, b) is all ones where a > b (false for NaN); select(m, a, b)
// takes a where m is all ones, else b.
inline vi greater(vf a, vf b) { return a > b; }
inline vf select(vi m, vf a, vf b) { return (vf)(((vi)a & m) | ((vi)b & ~m)); }
inline vi select(vi m, vi a, vi b) { return (a & m) | (b & ~m); }

// d where m > 0, else 0 (ReLU's backward: `m > 0 ? d : 0`, NaN in m gives 0).
inline vf where_positive(vf m, vf d) {
#ifdef __wasm_simd128__
  const v128_t z = wasm_f32x4_splat(0.0f);
  return reinterpret_cast<vf>(wasm_v128_and(reinterpret_cast<v128_t>(d), wasm_f32x4_gt(reinterpret_cast<v128_t>(m), z)));
#else
  return m > 0.0f ? d : vf{};
#endif
}

// Lane shuffles. even_odd: a = (x0 x1 x2 ...), b = the next kLanes values -> even (x0 x2 x4 ...),
// odd (x1 x3 x5 ...). zip, its inverse: lo = (a0 b0 a1 b1 ...), hi = the rest.
// (__builtin_shufflevector: clang, and GCC from 12 on, the compiler of Debian 12.)
#if defined(__AVX512F__)
inline void even_odd(vf a, vf b, vf& even, vf& odd) {
  even = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  odd = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}
inline void zip(vf a, vf b, vf& lo, vf& hi) {
  lo = __builtin_shufflevector(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  hi = __builtin_shufflevector(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}
#elif defined(__AVX__)
inline void even_odd(vf a, vf b, vf& even, vf& odd) {
  even = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
  odd = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
}
inline void zip(vf a, vf b, vf& lo, vf& hi) {
  lo = __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
  hi = __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
}
#else
inline void even_odd(vf a, vf b, vf& even, vf& odd) {
  even = __builtin_shufflevector(a, b, 0, 2, 4, 6);
  odd = __builtin_shufflevector(a, b, 1, 3, 5, 7);
}
inline void zip(vf a, vf b, vf& lo, vf& hi) {
  lo = __builtin_shufflevector(a, b, 0, 4, 1, 5);
  hi = __builtin_shufflevector(a, b, 2, 6, 3, 7);
}
#endif

// d[i] = s[i] and d[i] = 0 for i < n, inline (in WebAssembly a short std::copy / std::fill is a call
// into the C library's memcpy / memset).
inline void copy(float* d, const float* s, int n) {
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) store(d + i, load(s + i));
  for (; i < n; ++i) d[i] = s[i];
}
inline void zero(float* d, int n) {
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) store(d + i, vf{});
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
      for (int u = 0; u < 4; ++u)
        d |= *reinterpret_cast<const vi_mem*>(a + i + u * kLanes) ^ *reinterpret_cast<const vi_mem*>(b + i + u * kLanes);
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
