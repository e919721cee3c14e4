// preprocess_test.cpp — MNIST-style normalisation of drawn digits: bounding box to 20 px with the
// aspect ratio kept, centre of mass on pixel (14, 14), empty input, huge pads, and (with MNIST_DIR)
// real MNIST digits re-rendered at 10x coming back as they were.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "dataset.h"
#include "preprocess.h"

namespace {

constexpr int S = dl::kImageSide;

struct Box {
  int x0 = S, y0 = S, x1 = -1, y1 = -1;
  int w() const { return x1 - x0 + 1; }
  int h() const { return y1 - y0 + 1; }
};
Box ink_box(const float* img, float t = 0.05f) {
  Box b;
  for (int y = 0; y < S; ++y)
    for (int x = 0; x < S; ++x)
      if (img[y * S + x] >= t) {
        b.x0 = std::min(b.x0, x);
        b.x1 = std::max(b.x1, x);
        b.y0 = std::min(b.y0, y);
        b.y1 = std::max(b.y1, y);
      }
  return b;
}

// Centre of mass in pixel-index coordinates (pixel centre at (x, y)), the convention of PreprocessInfo.
void com(const float* img, int w, int h, double* cx, double* cy, double* mass = nullptr) {
  double m = 0, mx = 0, my = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double v = img[y * w + x];
      m += v;
      mx += v * x;
      my += v * y;
    }
  *cx = mx / m;
  *cy = my / m;
  if (mass) *mass = m;
}

double correlation(const float* a, const float* b, int n) {
  double ma = 0, mb = 0;
  for (int i = 0; i < n; ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < n; ++i) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) * (a[i] - ma);
    bb += (b[i] - mb) * (b[i] - mb);
  }
  return ab / std::sqrt(aa * bb);
}

// A thick line from (x0, y0) to (x1, y1) on a canvas, as a drawing pad would paint it.
void stroke(std::vector<float>& canvas, int w, float x0, float y0, float x1, float y1, float radius) {
  const int h = static_cast<int>(canvas.size()) / w;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float px = x + 0.5f, py = y + 0.5f, dx = x1 - x0, dy = y1 - y0;
      float t = ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy);
      t = std::min(1.0f, std::max(0.0f, t));
      const float d = std::hypot(px - (x0 + t * dx), py - (y0 + t * dy));
      float& v = canvas[y * w + x];
      v = std::max(v, std::min(1.0f, std::max(0.0f, radius + 0.5f - d)));
    }
}

TEST(Preprocess, EmptyInputGivesZeros) {
  std::vector<float> blank(280 * 280, 0.0f), out(dl::kImageSize, 0.7f);
  dl::PreprocessInfo info = dl::preprocess_digit(blank.data(), 280, 280, out.data());
  EXPECT_TRUE(info.empty);
  for (float v : out) ASSERT_EQ(v, 0.0f);
  // Faint noise below the threshold is not ink either.
  std::fill(blank.begin(), blank.end(), 0.04f);
  std::fill(out.begin(), out.end(), 0.7f);
  info = dl::preprocess_digit(blank.data(), 280, 280, out.data(), 0.05f);
  EXPECT_TRUE(info.empty);
  for (float v : out) ASSERT_EQ(v, 0.0f);
}

TEST(Preprocess, SmallOffCentreBlockIsScaledAndCentred) {
  // A 6 x 10 block near the top-left corner of a 280 x 280 canvas.
  const int W = 280;
  std::vector<float> canvas(W * W, 0.0f), out(dl::kImageSize);
  for (int y = 5; y < 15; ++y)
    for (int x = 3; x < 9; ++x) canvas[y * W + x] = 1.0f;
  dl::PreprocessInfo info = dl::preprocess_digit(canvas.data(), W, W, out.data());
  ASSERT_FALSE(info.empty);
  EXPECT_EQ(info.box_x, 3);
  EXPECT_EQ(info.box_y, 5);
  EXPECT_EQ(info.box_w, 6);
  EXPECT_EQ(info.box_h, 10);
  const Box b = ink_box(out.data());
  EXPECT_EQ(b.h(), 20);       // the longer side becomes 20
  EXPECT_NEAR(b.w(), 12, 1);  // 6:10 kept
  double cx, cy;
  com(out.data(), S, S, &cx, &cy);
  EXPECT_NEAR(cx, 14.0, 0.5);
  EXPECT_NEAR(cy, 14.0, 0.5);
  EXPECT_NEAR(info.com_x, cx, 1e-4);
  EXPECT_NEAR(info.com_y, cy, 1e-4);
  // A solid block stays solid: the inside is full ink.
  EXPECT_FLOAT_EQ(out[14 * S + 14], 1.0f);
}

TEST(Preprocess, DrawnStrokeKeepsItsAspectRatio) {
  // A "7" drawn in the bottom-right corner: a bar and a slanted stem, 90 x 150 px.
  const int W = 280;
  std::vector<float> canvas(W * W, 0.0f), out(dl::kImageSize);
  stroke(canvas, W, 170, 110, 260, 110, 6);
  stroke(canvas, W, 260, 110, 200, 260, 6);
  dl::PreprocessInfo info = dl::preprocess_digit(canvas.data(), W, W, out.data());
  ASSERT_FALSE(info.empty);
  const float aspect = static_cast<float>(info.box_w) / info.box_h;
  EXPECT_LT(info.box_w, info.box_h);
  const Box b = ink_box(out.data());
  EXPECT_NEAR(b.h(), 20, 1);
  EXPECT_NEAR(b.w(), 20 * aspect, 1.0);
  double cx, cy;
  com(out.data(), S, S, &cx, &cy);
  EXPECT_NEAR(cx, 14.0, 0.5);
  EXPECT_NEAR(cy, 14.0, 0.5);
}

TEST(Preprocess, AreaAveragingKeepsTheInk) {
  // Downscaling by area averaging conserves ink: mass_out = mass_in * scale^2 (no clipping here).
  const int W = 400;
  std::vector<float> canvas(W * W, 0.0f), out(dl::kImageSize);
  stroke(canvas, W, 100, 60, 180, 340, 9);
  stroke(canvas, W, 100, 60, 60, 120, 9);
  dl::PreprocessInfo info = dl::preprocess_digit(canvas.data(), W, W, out.data());
  ASSERT_FALSE(info.empty);
  double cx, cy, m_in, m_out;
  com(canvas.data(), W, W, &cx, &cy, &m_in);
  com(out.data(), S, S, &cx, &cy, &m_out);
  const double s = 20.0 / std::max(info.box_w, info.box_h);
  EXPECT_NEAR(m_out, m_in * s * s, 1e-3 * m_out);
  for (float v : out) {
    ASSERT_GE(v, 0.0f);
    ASSERT_LE(v, 1.0f);
  }
}

TEST(Preprocess, HugePadRingComesOutAsARing) {
  const int W = 1200;
  std::vector<float> pad(W * W, 0.0f), out(dl::kImageSize);
  for (int y = 0; y < W; ++y)
    for (int x = 0; x < W; ++x) {
      const double r = std::hypot(x + 0.5 - 500, y + 0.5 - 600);
      if (r > 250 && r < 330) pad[y * W + x] = 1.0f;
    }
  dl::PreprocessInfo info = dl::preprocess_digit(pad.data(), W, W, out.data());
  ASSERT_FALSE(info.empty);
  EXPECT_EQ(info.box_w, 660);  // columns 170..829
  EXPECT_EQ(info.box_h, 660);
  const Box b = ink_box(out.data());
  EXPECT_EQ(b.w(), 20);
  EXPECT_EQ(b.h(), 20);
  EXPECT_EQ(out[14 * S + 14], 0.0f);  // the hole stays empty
  EXPECT_NEAR(info.com_x, 14.0, 0.5);
  EXPECT_NEAR(info.com_y, 14.0, 0.5);
}

TEST(Preprocess, AnMnistShapedInputIsKept) {
  // Already 20 px tall with its centre of mass on pixel (14, 14): comes back unchanged.
  std::vector<float> img(dl::kImageSize, 0.0f), out(dl::kImageSize);
  for (int y = 4; y < 24; ++y)
    for (int x = 10; x < 19; ++x) img[y * S + x] = (x == 10 || x == 18 || y == 4) ? 0.5f : 1.0f;
  double cx, cy;
  com(img.data(), S, S, &cx, &cy);
  ASSERT_EQ(cx, 14.0);
  ASSERT_GT(cy, 13.5);  // rows 4..23, lighter on top: within half a pixel of 14 already
  dl::PreprocessInfo info = dl::preprocess_digit(img.data(), S, S, out.data());
  EXPECT_FLOAT_EQ(info.com_x, 14.0f);
  EXPECT_NEAR(info.com_y, cy, 1e-5);
  EXPECT_EQ(out, img);
}

// With pixel centres at (x, y), MNIST's mean centre of mass is (14, 14): the convention
// preprocess_digit targets (see preprocess.cpp). Also: MNIST test digits re-rendered at 10x on a
// 280 x 280 pad come back close to the originals.
TEST(Preprocess, MatchesRealMnist) {
  const char* dir = std::getenv("MNIST_DIR");
  if (!dir) GTEST_SKIP() << "MNIST_DIR not set";
  dl::Dataset test;
  dl::Status st = dl::load_mnist(dir, "test", &test);
  ASSERT_TRUE(st.ok()) << st.message();
  double sx = 0, sy = 0;
  for (int i = 0; i < test.count; ++i) {
    double cx, cy;
    com(test.image(i), S, S, &cx, &cy);
    sx += cx;
    sy += cy;
  }
  EXPECT_NEAR(sx / test.count, 14.0, 0.05);
  EXPECT_NEAR(sy / test.count, 14.0, 0.05);

  const int N = 100, W = 280;
  std::vector<float> block(W * W), smooth(W * W), out(dl::kImageSize);
  double sum_block = 0, sum_smooth = 0, min_block = 1;
  for (int i = 0; i < N; ++i) {
    const float* im = test.image(i);
    for (int y = 0; y < W; ++y)
      for (int x = 0; x < W; ++x) {
        block[y * W + x] = im[(y / 10) * S + x / 10];  // each pixel a 10 x 10 square
        // Bilinear, pixel centres at (10 i + 5): soft edges, as a pen on a pad draws.
        const float u = (x + 0.5f) / 10 - 0.5f, v = (y + 0.5f) / 10 - 0.5f;
        const int x0 = static_cast<int>(std::floor(u)), y0 = static_cast<int>(std::floor(v));
        const float fx = u - x0, fy = v - y0;
        auto at = [im](int yy, int xx) { return (xx < 0 || yy < 0 || xx >= S || yy >= S) ? 0.0f : im[yy * S + xx]; };
        smooth[y * W + x] = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
                            fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
      }
    dl::preprocess_digit(block.data(), W, W, out.data());
    const double cb = correlation(im, out.data(), dl::kImageSize);
    sum_block += cb;
    min_block = std::min(min_block, cb);
    dl::preprocess_digit(smooth.data(), W, W, out.data());
    sum_smooth += correlation(im, out.data(), dl::kImageSize);
  }
  // Square pixels: area averaging undoes the 10x exactly, the box and shift come out the same.
  EXPECT_GT(min_block, 0.99);
  EXPECT_GT(sum_block / N, 0.999);
  // Soft edges widen the ink box a little (about 4%), so the digit comes back slightly smaller.
  EXPECT_GT(sum_smooth / N, 0.9);
}

}  // namespace
