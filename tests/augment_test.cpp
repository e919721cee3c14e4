// augment_test.cpp — the random affine augmentation: exact identity, reproducibility by seed, and
// the geometry of each part (shift, rotation, zoom) checked against the draws it documents.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "dataset.h"

namespace {

constexpr int S = dl::kImageSide;

// A test "digit": a soft blob of radius r at (cx, cy) (continuous coordinates, pixel centres at
// i + 0.5), values in [0, 1].
std::vector<float> blob(float cx, float cy, float r) {
  std::vector<float> img(dl::kImageSize);  // (28, 28)
  for (int y = 0; y < S; ++y)
    for (int x = 0; x < S; ++x) {
      const float d = std::hypot(x + 0.5f - cx, y + 0.5f - cy);
      img[y * S + x] = std::min(1.0f, std::max(0.0f, r - d));
    }
  return img;
}

struct Moments {
  double mass, x, y;
};  // mass and centre of mass, pixel centres at i + 0.5
Moments moments(const float* img) {
  double m = 0, mx = 0, my = 0;
  for (int y = 0; y < S; ++y)
    for (int x = 0; x < S; ++x) {
      const double v = img[y * S + x];
      m += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  return {m, m > 0 ? mx / m : 0, m > 0 ? my / m : 0};
}

// The five draws augment_image documents, in its order.
struct Draws {
  float deg, zx, zy, tx, ty;
};
Draws replay(dl::Rng rng, const dl::AugmentConfig& c) {
  Draws d;
  d.deg = rng.uniform(-c.rotation_deg, c.rotation_deg);
  d.zx = rng.uniform(1 - c.zoom, 1 + c.zoom);
  d.zy = rng.uniform(1 - c.zoom, 1 + c.zoom);
  d.tx = rng.uniform(-c.shift, c.shift) * S;
  d.ty = rng.uniform(-c.shift, c.shift) * S;
  return d;
}

// A digit-like image with texture everywhere, including the border rows and columns.
std::vector<float> textured() {
  std::vector<float> img(dl::kImageSize);
  dl::Rng rng(3);
  for (float& v : img) v = rng.uniform();
  return img;
}

TEST(Augment, ZeroConfigCopiesExactly) {
  const dl::AugmentConfig none{0.0f, 0.0f, 0.0f};
  std::vector<float> src = textured(), dst(dl::kImageSize, -1.0f);
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    dl::Rng rng(seed);
    dl::augment_image(src.data(), dst.data(), none, rng);
    for (int i = 0; i < dl::kImageSize; ++i) ASSERT_EQ(dst[i], src[i]) << "pixel " << i << " seed " << seed;
  }
}

TEST(Augment, SameSeedSameOutputDifferentSeedsDiffer) {
  const dl::AugmentConfig cfg;  // the Keras-like defaults
  std::vector<float> src = blob(13.0f, 15.0f, 6.0f);
  std::vector<float> a(dl::kImageSize), b(dl::kImageSize), c(dl::kImageSize);
  dl::Rng r1(42), r2(42), r3(43);
  dl::augment_image(src.data(), a.data(), cfg, r1);
  dl::augment_image(src.data(), b.data(), cfg, r2);
  dl::augment_image(src.data(), c.data(), cfg, r3);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, src);
  // Exactly five draws per image.
  dl::Rng r4(42);
  for (int i = 0; i < 5; ++i) r4.next_u32();
  EXPECT_EQ(r1.next_u32(), r4.next_u32());
}

TEST(Augment, ShiftMovesTheCentreOfMassByTheDrawnAmount) {
  const dl::AugmentConfig shift_only{0.0f, 0.0f, 0.1f};
  std::vector<float> src = blob(14.0f, 14.0f, 5.0f), dst(dl::kImageSize);
  const Moments m0 = moments(src.data());
  dl::Rng rng(7);
  double max_shift = 0;
  for (int trial = 0; trial < 50; ++trial) {
    const Draws d = replay(rng, shift_only);
    dl::augment_image(src.data(), dst.data(), shift_only, rng);
    const Moments m1 = moments(dst.data());
    // Bilinear interpolation moves a fully inside image's centre of mass exactly.
    EXPECT_NEAR(m1.x - m0.x, d.tx, 1e-3) << "trial " << trial;
    EXPECT_NEAR(m1.y - m0.y, d.ty, 1e-3) << "trial " << trial;
    EXPECT_NEAR(m1.mass, m0.mass, 1e-3 * m0.mass);
    EXPECT_LE(std::fabs(d.tx), 2.8f + 1e-5f);
    max_shift = std::max(max_shift, static_cast<double>(std::fabs(d.tx)));
  }
  EXPECT_GT(max_shift, 2.0);  // the draws use the range
}

TEST(Augment, RotationTurnsAboutTheCentreClockwise) {
  const dl::AugmentConfig rot_only{90.0f, 0.0f, 0.0f};
  std::vector<float> src = blob(21.0f, 14.0f, 3.5f), dst(dl::kImageSize);  // right of centre
  const Moments m0 = moments(src.data());
  dl::Rng rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    const Draws d = replay(rng, rot_only);
    dl::augment_image(src.data(), dst.data(), rot_only, rng);
    const Moments m1 = moments(dst.data());
    const double th = d.deg * 3.14159265358979 / 180.0;
    const double ex = 14.0 + std::cos(th) * (m0.x - 14.0) - std::sin(th) * (m0.y - 14.0);
    const double ey = 14.0 + std::sin(th) * (m0.x - 14.0) + std::cos(th) * (m0.y - 14.0);
    EXPECT_NEAR(m1.x, ex, 0.1) << "angle " << d.deg;
    EXPECT_NEAR(m1.y, ey, 0.1) << "angle " << d.deg;  // positive angle: down on screen
    EXPECT_NEAR(m1.mass, m0.mass, 0.05 * m0.mass);
  }
}

TEST(Augment, ZoomScalesTheInkAreaPerAxis) {
  const dl::AugmentConfig zoom_only{0.0f, 0.3f, 0.0f};
  std::vector<float> src = blob(14.0f, 14.0f, 5.0f), dst(dl::kImageSize);
  const Moments m0 = moments(src.data());
  dl::Rng rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    const Draws d = replay(rng, zoom_only);
    dl::augment_image(src.data(), dst.data(), zoom_only, rng);
    const Moments m1 = moments(dst.data());
    EXPECT_NEAR(m1.mass / m0.mass, d.zx * d.zy, 0.03 * d.zx * d.zy) << d.zx << " " << d.zy;
    EXPECT_NEAR(m1.x, 14.0, 1e-2);  // zoom is about the centre
    EXPECT_NEAR(m1.y, 14.0, 1e-2);
  }
}

TEST(Augment, DefaultsRoughlyKeepTheInk) {
  const dl::AugmentConfig cfg;
  std::vector<float> src = blob(14.0f, 14.0f, 6.0f), dst(dl::kImageSize);
  const Moments m0 = moments(src.data());
  dl::Rng rng(9);
  double sum = 0;
  for (int trial = 0; trial < 200; ++trial) {
    dl::augment_image(src.data(), dst.data(), cfg, rng);
    const Moments m1 = moments(dst.data());
    const double r = m1.mass / m0.mass;
    EXPECT_GT(r, 0.78);  // zoom 0.9 x 0.9 = 0.81, minus interpolation
    EXPECT_LT(r, 1.24);  // 1.1 x 1.1 = 1.21
    sum += r;
    for (float v : dst) {
      ASSERT_GE(v, 0.0f);
      ASSERT_LE(v, 1.0f);
    }
  }
  EXPECT_NEAR(sum / 200, 1.0, 0.05);
}

TEST(Augment, BatchIsPerImageInTurn) {
  const dl::AugmentConfig cfg;
  const int B = 3;
  std::vector<float> src(B * dl::kImageSize), dst(B * dl::kImageSize), one(dl::kImageSize);
  for (int b = 0; b < B; ++b) {
    std::vector<float> img = blob(12.0f + 2 * b, 14.0f, 5.0f);
    std::copy(img.begin(), img.end(), src.begin() + b * dl::kImageSize);
  }
  dl::Rng rb(21), ri(21);
  dl::augment_batch(src.data(), dst.data(), B, cfg, rb);
  for (int b = 0; b < B; ++b) {
    dl::augment_image(src.data() + b * dl::kImageSize, one.data(), cfg, ri);
    EXPECT_TRUE(std::equal(one.begin(), one.end(), dst.begin() + b * dl::kImageSize)) << "image " << b;
  }
}

}  // namespace
