// rng.h — a small, portable random number generator (PCG32 with Box-Muller normals).
// The standard library's distributions differ between libstdc++ (native) and libc++ (WebAssembly),
// so every random draw in DigitLab goes through this class: the same seed gives the same run on
// every platform.
#pragma once
#include <cmath>
#include <cstdint>

namespace dl {

class Rng {
 public:
  explicit Rng(uint64_t seed = 42, uint64_t stream = 54) { reseed(seed, stream); }
  void reseed(uint64_t seed, uint64_t stream = 54) {
    state_ = 0u;
    inc_ = (stream << 1u) | 1u;
    next_u32();
    state_ += seed;
    next_u32();
    has_spare_ = false;
  }
  uint32_t next_u32() {
    uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    uint32_t xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = static_cast<uint32_t>(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
  }
  // Uniform in [0, 1) with 24 bits of precision (exactly representable as float).
  float uniform() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), n > 0 (Lemire's method without the rejection step's bias fix:
  // the bias is below 2^-32 * n, irrelevant for shuffling datasets).
  uint32_t below(uint32_t n) { return static_cast<uint32_t>((static_cast<uint64_t>(next_u32()) * n) >> 32); }
  // Standard normal via Box-Muller, computed in double so the result does not depend on the
  // platform's float libm.
  float normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = (static_cast<double>(next_u32()) + 1.0) * (1.0 / 4294967296.0);
    double u2 = static_cast<double>(next_u32()) * (1.0 / 4294967296.0);
    double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = static_cast<float>(r * std::sin(6.283185307179586 * u2));
    has_spare_ = true;
    return static_cast<float>(r * std::cos(6.283185307179586 * u2));
  }
  template <class It>
  void shuffle(It first, It last) {
    for (auto n = last - first; n > 1; --n) {
      auto j = below(static_cast<uint32_t>(n));
      std::swap(first[n - 1], first[j]);
    }
  }

 private:
  uint64_t state_ = 0, inc_ = 1;
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

}  // namespace dl
