// gradcheck.h — the one central-difference gradient checker every layer and model test uses.
//
// For a scalar loss L(x) and an analytic gradient g, it compares g[i] with
//   (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)
// by relative error |g - n| / max(|g| + |n|, floor). Points where the loss is not differentiable
// within eps (ReLU at 0, a max-pool tie) are skipped by the caller's predicate.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>

#include "layers.h"
#include "rng.h"

namespace dl_test {

struct GradCheckResult {
  double max_rel_error = 0.0;  // relative to max(|analytic| + |numeric|, floor)
  size_t worst = 0;            // index of the worst coordinate
  int checked = 0;
  int skipped = 0;
};

// x: the values perturbed in place (restored afterwards); n of them, analytic gradient alongside.
// loss: recomputes the loss from the current x (double for a clean difference).
// At most max_points coordinates are checked, spread evenly over [0, n).
// skip_kinks: also evaluate L(x) and skip coordinates whose left and right one-sided differences
// disagree by more than kink_tol relative: a ReLU or max-pool kink lies within eps there.
inline GradCheckResult gradcheck(float* x, size_t n, const float* analytic, const std::function<double()>& loss,
                                 float eps = 1e-2f, size_t max_points = 200,
                                 const std::function<bool(size_t)>& skip = nullptr, double floor = 1e-3,
                                 bool skip_kinks = false, double kink_tol = 0.02) {
  GradCheckResult r;
  const size_t step = std::max<size_t>(1, n / max_points);
  const double l0 = skip_kinks ? loss() : 0.0;
  for (size_t i = 0; i < n; i += step) {
    if (skip && skip(i)) {
      ++r.skipped;
      continue;
    }
    const float keep = x[i];
    x[i] = keep + eps;
    const double lp = loss();
    x[i] = keep - eps;
    const double lm = loss();
    x[i] = keep;
    const double numeric = (lp - lm) / (2.0 * eps);
    if (skip_kinks) {
      const double right = (lp - l0) / eps, left = (l0 - lm) / eps;
      if (std::fabs(right - left) > kink_tol * std::max(std::fabs(right) + std::fabs(left), floor)) {
        ++r.skipped;
        continue;
      }
    }
    const double rel = std::fabs(analytic[i] - numeric) / std::max(std::fabs(analytic[i]) + std::fabs(numeric), floor);
    if (rel > r.max_rel_error) {
      r.max_rel_error = rel;
      r.worst = i;
    }
    ++r.checked;
  }
  return r;
}

// Values spread so that no two are within `gap` of each other (no max-pool ties, no ReLU kinks
// within a finite-difference step smaller than gap/2), in random order, centred on 0.
inline void fill_separated(float* x, size_t n, dl::Rng& rng, float gap = 0.05f) {
  for (size_t i = 0; i < n; ++i) x[i] = (static_cast<float>(i) + 0.5f) * gap;
  rng.shuffle(x, x + n);
  const float shift = 0.5f * gap * static_cast<float>(n);
  for (size_t i = 0; i < n; ++i) x[i] -= shift;
}

}  // namespace dl_test
