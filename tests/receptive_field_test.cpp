// receptive_field_test.cpp — the input box behind a unit, worked out by hand for small specs.
#include "receptive_field.h"

#include <gtest/gtest.h>

namespace {

dl::Model build(const char* spec) {
  dl::Model m;
  EXPECT_TRUE(dl::Model::build(spec, 1, &m).ok()) << spec;
  return m;
}

TEST(ReceptiveField, SameConvolutionIsItsKernelAroundTheUnit) {
  // c8k5: conv1 (pad 2), relu1, then f10 (flatten, fc1).
  dl::Model m = build("c8k5 f10");
  ASSERT_EQ(m.layer(0).name(), "conv1");
  EXPECT_EQ(dl::receptive_field(m, 0, 10, 12), (dl::PixelBox{10, 8, 14, 12}));
  EXPECT_EQ(dl::receptive_field(m, 1, 10, 12), (dl::PixelBox{10, 8, 14, 12}));  // ReLU keeps it
  // At the corner the padding falls outside the image and is clamped away.
  EXPECT_EQ(dl::receptive_field(m, 0, 0, 0), (dl::PixelBox{0, 0, 2, 2}));
}

TEST(ReceptiveField, PoolAndSecondConvolutionGrowTheBox) {
  // c8k3p0: 28 -> 26; p2: 26 -> 13; c16k3p0: 13 -> 11.
  dl::Model m = build("c8k3p0 p2 c16k3p0 f10");
  ASSERT_EQ(m.layer(2).name(), "pool1");
  ASSERT_EQ(m.layer(3).name(), "conv2");
  // pool unit (y, x) = (1, 2) covers conv1 rows 2..3, cols 4..5, i.e. input rows 2..5, cols 4..7.
  EXPECT_EQ(dl::receptive_field(m, 2, 1, 2), (dl::PixelBox{4, 2, 7, 5}));
  // conv2 unit (0, 0): pool rows 0..2 -> conv1 rows 0..5 -> input rows 0..7 (8x8 box).
  EXPECT_EQ(dl::receptive_field(m, 3, 0, 0), (dl::PixelBox{0, 0, 7, 7}));
  EXPECT_EQ(dl::receptive_field(m, 3, 10, 10), (dl::PixelBox{20, 20, 27, 27}));
}

TEST(ReceptiveField, VectorsAndBadIndicesSeeTheWholeImage) {
  dl::Model m = build("c8k3p0 p2 f10");
  const dl::PixelBox whole{0, 0, 27, 27};
  EXPECT_EQ(dl::receptive_field(m, m.num_layers() - 1, 0, 0), whole);
  EXPECT_EQ(dl::receptive_field(m, -1, 0, 0), whole);
  EXPECT_EQ(dl::receptive_field(m, 99, 0, 0), whole);
}

TEST(ReceptiveField, TableBuiltOnceAnswersAsTheOneShotQuestion) {
  // Strided pools and an unpadded convolution: every unit of every layer, both ways.
  dl::Model m = build("c4k5p0 p3s2 c8k3 p2 f10");
  const dl::ReceptiveFields fields(m);
  int checked = 0;
  for (int l = 0; l < m.num_layers(); ++l) {
    const dl::Shape out = m.layer(l).out();
    for (int y = 0; y < out.h; ++y)
      for (int x = 0; x < out.w; ++x, ++checked) ASSERT_EQ(fields.box(l, y, x), dl::receptive_field(m, l, y, x));
  }
  EXPECT_GT(checked, 0);
  // pool1 (kernel 3, stride 2) unit (1, 1): conv1 rows 2..4 -> input rows 2..8.
  ASSERT_EQ(m.layer(2).name(), "pool1");
  EXPECT_EQ(fields.box(2, 1, 1), (dl::PixelBox{2, 2, 8, 8}));
}

}  // namespace
