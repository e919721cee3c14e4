// teach_test.cpp — a person's own digits: the pad's rasteriser (strokes.h), the pen-digit reader
// (pen_digits.h), the My digits collection and its storage bytes and IDX pair (my_digits.h), and
// the fine-tuning run (finetune.h) — on synthetic data, and on real pen digits with the shipped
// model when MNIST_DIR and PEN_DIGITS are set.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numeric>

#include "finetune.h"
#include "metrics.h"
#include "model_io.h"
#include "my_digits.h"
#include "pen_digits.h"
#include "tiny_data.h"

namespace {

// A "7" as a person draws it: a bar and a slanted stem, in pad units.
std::vector<dl::PenStroke> seven(float scale = 1.0f, float cx = 0.5f, float cy = 0.5f) {
  auto at = [&](float x, float y) { return dl::PenPoint{cx + scale * (x - 0.5f), cy + scale * (y - 0.5f)}; };
  dl::PenStroke s;
  for (int i = 0; i <= 20; ++i) s.push_back(at(0.3f + 0.4f * i / 20, 0.25f));
  for (int i = 1; i <= 30; ++i) s.push_back(at(0.7f - 0.25f * i / 30, 0.25f + 0.5f * i / 30));
  return {s};
}

std::vector<float> input_of(const std::vector<dl::PenStroke>& strokes) {
  std::vector<float> raster(dl::kPadRaster * dl::kPadRaster), input(dl::kImageSize);
  std::vector<dl::PenPoint> scratch;
  dl::strokes_to_input(strokes, raster.data(), input.data(), &scratch);
  return input;
}

TEST(Strokes, SmoothingPassesThroughTheSamples) {
  const dl::PenStroke s = {{0.1f, 0.1f}, {0.5f, 0.2f}, {0.6f, 0.7f}};
  std::vector<dl::PenPoint> out;
  dl::smooth_stroke(s.data(), 3, &out);
  ASSERT_GT(out.size(), 3u);
  for (const dl::PenPoint& p : s) {
    const bool found = std::any_of(out.begin(), out.end(), [&](dl::PenPoint q) {
      return std::fabs(q.x - p.x) < 1e-6f && std::fabs(q.y - p.y) < 1e-6f;
    });
    EXPECT_TRUE(found) << p.x << "," << p.y;
  }
  dl::smooth_stroke(s.data(), 0, &out);
  EXPECT_TRUE(out.empty());
}

TEST(Strokes, ALineIsInkOfThePenWidthAndNothingElse) {
  // A horizontal line across the middle, 0.5 of the pad long: the pen is 13% of that.
  const std::vector<dl::PenStroke> line = {{{0.25f, 0.5f}, {0.75f, 0.5f}}};
  const int side = 200;
  std::vector<float> img(side * side);
  std::vector<dl::PenPoint> scratch;
  dl::rasterise_strokes(line, side, img.data(), &scratch);
  const float pen_px = dl::network_pen_width(0.5f) * side;
  EXPECT_NEAR(pen_px, 0.13f * 0.5f * side, 1e-3);
  double ink = std::accumulate(img.begin(), img.end(), 0.0);
  // A capsule: length x width plus a disc, anti-aliased.
  const double expect = 0.5 * side * pen_px + M_PI * 0.25 * pen_px * pen_px;
  EXPECT_NEAR(ink, expect, 0.05 * expect);
  EXPECT_EQ(img[100 * side + 100], 1.0f);  // the middle of the line
  EXPECT_EQ(img[20 * side + 100], 0.0f);   // far above it
}

TEST(Strokes, TheInputDoesNotDependOnWhereOrHowBigThePersonDraws) {
  // The pen follows the drawing's size and preprocessing crops and centres: a small 7 in a
  // corner and a large one in the middle give nearly the same 28x28 input.
  const std::vector<float> big = input_of(seven(1.0f)), small = input_of(seven(0.35f, 0.25f, 0.7f));
  double diff = 0, ink = 0;
  for (int i = 0; i < dl::kImageSize; ++i) {
    diff += std::fabs(big[i] - small[i]);
    ink += big[i];
  }
  EXPECT_GT(ink, 40.0);
  EXPECT_LT(diff / ink, 0.12);
}

TEST(PenDigits, ReadsTheListAndPlacesItOnThePad) {
  std::vector<dl::PenDigit> d;
  ASSERT_TRUE(dl::parse_pen_digits(
      R"([{"label": 1, "writer": 4, "strokes": [[[100, 50], [100, 250]]]},
          {"label": 7, "writer": 2, "strokes": [[[0, 0], [200, 0], [100, 400]], [[50, 200], [150, 200]]]}])",
      "test", &d));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[1].label, 7);
  EXPECT_EQ(d[1].strokes.size(), 2u);
  EXPECT_EQ(dl::pen_writers(d), (std::vector<int>{2, 4}));
  // The 7 is 200 wide and 400 high: its height becomes 0.6 of the pad, centred.
  const std::vector<dl::PenStroke> placed = dl::place_on_pad(d[1], dl::PadPlacement{});
  EXPECT_NEAR(placed[0][0].y, 0.2f, 1e-6);
  EXPECT_NEAR(placed[0][2].y, 0.8f, 1e-6);
  EXPECT_NEAR(placed[0][0].x, 0.35f, 1e-6);
  EXPECT_NEAR(placed[1][0].y, 0.5f, 1e-6);
}

TEST(PenDigits, RefusesBadEntriesWithASentenceAndKeepsWhatItHad) {
  std::vector<dl::PenDigit> d(1);
  d[0].label = 3;
  const char* bad[] = {
      "not json",
      "{}",
      "[]",
      R"([{"label": 10, "writer": 1, "strokes": [[[1, 2]]]}])",
      R"([{"label": 1, "strokes": [[[1, 2]]]}])",
      R"([{"label": 1, "writer": 1, "strokes": []}])",
      R"([{"label": 1, "writer": 1, "strokes": [[]]}])",
      R"([{"label": 1, "writer": 1, "strokes": [[[1, "a"]]]}])",
      R"([{"label": 1, "writer": 1, "strokes": [[[1, 2, 3]]]}])",
      R"([{"label": 1, "writer": 1, "strokes": [[[1e300, 2]]]}])",
  };
  for (const char* text : bad) {
    const dl::Status s = dl::parse_pen_digits(text, "pen.json", &d);
    EXPECT_FALSE(s) << text;
    EXPECT_NE(s.message().find("pen.json"), std::string::npos) << s.message();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].label, 3);
  }
  std::string many = "[";
  for (int i = 0; i <= dl::kPenMaxStrokes; ++i) many += std::string(i ? "," : "") + "[[1,2]]";
  EXPECT_FALSE(dl::parse_pen_digits(R"([{"label": 1, "writer": 1, "strokes": )" + many + "]}]", "x", &d));
  // A text of nothing but brackets is refused by counting, before a parser builds millions of values.
  const dl::Status deep = dl::parse_pen_digits(std::string(dl::kPenMaxJsonValues, ','), "commas.json", &d);
  EXPECT_FALSE(deep);
  EXPECT_NE(deep.message().find("JSON values"), std::string::npos) << deep.message();
  ASSERT_EQ(d.size(), 1u);
}

dl::MyDigits some_digits(int n) {
  dl::MyDigits m;
  const dl::Dataset d = testdata::tiny(n, 3);
  for (int i = 0; i < n; ++i) {
    std::vector<dl::PenStroke> strokes = i % 2 ? seven() : std::vector<dl::PenStroke>{};
    EXPECT_TRUE(m.add(d.labels[i], d.image(i), strokes));
  }
  return m;
}

TEST(MyDigits, AddRemoveClearAndRefusals) {
  dl::MyDigits m = some_digits(12);
  EXPECT_EQ(m.count(), 12);
  EXPECT_EQ(m.count_of(0), 2);
  EXPECT_EQ(m.count_of(9), 1);
  EXPECT_EQ(m.label(3), 3);
  ASSERT_TRUE(m.remove(3));
  EXPECT_EQ(m.count(), 11);
  EXPECT_EQ(m.label(3), 4);
  EXPECT_EQ(m.strokes(3).size(), 0u);  // digit 4 had none, digit 5 has the 7's strokes
  EXPECT_EQ(m.strokes(4).size(), 1u);
  EXPECT_FALSE(m.remove(11));
  EXPECT_FALSE(m.remove(-1));
  std::vector<float> img(dl::kImageSize, 0.5f);
  EXPECT_FALSE(m.add(10, img.data(), {}));
  img[5] = NAN;
  EXPECT_FALSE(m.add(1, img.data(), {}));
  img[5] = 0;
  std::vector<dl::PenStroke> huge(1, dl::PenStroke(dl::kMyDigitPointsMax + 1));
  EXPECT_FALSE(m.add(1, img.data(), huge));
  EXPECT_EQ(m.count(), 11);
  // Stored as bytes: the dataset gives pixel / 255 of the rounded input.
  ASSERT_TRUE(m.add(2, img.data(), {}));
  const dl::Dataset d = m.dataset();
  EXPECT_EQ(d.count, 12);
  EXPECT_FLOAT_EQ(d.image(11)[0], 128 / 255.0f);
  EXPECT_EQ(m.dataset(10, 5).count, 2);
  m.clear();
  EXPECT_EQ(m.count(), 0);
}

TEST(MyDigits, TheStorageBytesRoundTripAndDamagedBytesChangeNothing) {
  const dl::MyDigits m = some_digits(7);
  const std::vector<uint8_t> bytes = m.serialize();
  dl::MyDigits back;
  ASSERT_TRUE(back.deserialize(bytes.data(), bytes.size()));
  EXPECT_EQ(back.serialize(), bytes);
  ASSERT_EQ(back.strokes(1).size(), 1u);
  EXPECT_EQ(back.strokes(1)[0].size(), seven()[0].size());
  EXPECT_EQ(back.strokes(1)[0][7].x, seven()[0][7].x);

  // Every truncation, and a flipped byte in each header field, is refused; the collection stays.
  dl::MyDigits keep = some_digits(2);
  const std::vector<uint8_t> kept = keep.serialize();
  for (size_t n = 0; n < bytes.size(); n += 97) EXPECT_FALSE(keep.deserialize(bytes.data(), n)) << n;
  for (size_t at : {size_t{0}, size_t{7}, size_t{11}, size_t{12}}) {
    std::vector<uint8_t> b = bytes;
    b[at] ^= 0x40;
    EXPECT_FALSE(keep.deserialize(b.data(), b.size())) << at;
  }
  std::vector<uint8_t> extra = bytes;
  extra.push_back(0);
  EXPECT_FALSE(keep.deserialize(extra.data(), extra.size()));
  // A count of a million digits in 20 bytes is refused before anything is reserved.
  std::vector<uint8_t> liar = {'D', 'L', 'M', 'D', 0, 0, 0, 1, 0, 0, 7, 0};
  EXPECT_FALSE(keep.deserialize(liar.data(), liar.size()));
  EXPECT_EQ(keep.serialize(), kept);
}

TEST(MyDigits, TheIdxPairRoundTripsThroughAFolder) {
  const dl::MyDigits m = some_digits(9);
  dl::IdxArray images, labels;
  const std::vector<uint8_t> ib = m.idx_images(), lb = m.idx_labels();
  ASSERT_TRUE(dl::parse_idx(ib.data(), ib.size(), "images", &images));
  ASSERT_TRUE(dl::parse_idx(lb.data(), lb.size(), "labels", &labels));
  EXPECT_EQ(images.dims, (std::vector<int>{9, 28, 28}));
  dl::MyDigits back;
  ASSERT_TRUE(back.append_idx(images, labels, "import"));
  ASSERT_TRUE(back.append_idx(images, labels, "import"));
  EXPECT_EQ(back.count(), 18);
  EXPECT_EQ(back.label(9 + 4), m.label(4));
  EXPECT_TRUE(std::equal(m.image(4), m.image(4) + dl::kImageSize, back.image(13)));
  EXPECT_FALSE(back.append_idx(labels, images, "swapped"));
  EXPECT_EQ(back.count(), 18);

  const std::string dir = ::testing::TempDir() + "/my_digits_pair";
  std::filesystem::remove_all(dir);  // a previous run's files
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::vector<uint8_t>& b) {
    FILE* f = std::fopen((dir + "/" + name).c_str(), "wb");
    ASSERT_TRUE(f);
    std::fwrite(b.data(), 1, b.size(), f);
    std::fclose(f);
  };
  write("my-digits-images-idx3-ubyte", ib);
  write("my-digits-labels-idx1-ubyte", lb);
  dl::Dataset d;
  ASSERT_TRUE(dl::load_digits_dir(dir, &d));
  EXPECT_EQ(d.count, 9);
  EXPECT_EQ(d.labels[4], m.label(4));
  write("more-images-idx3-ubyte", ib);
  const dl::Status s = dl::load_digits_dir(dir, &d);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("exactly one"), std::string::npos) << s.message();
  EXPECT_FALSE(dl::load_digits_dir(dir + "/nope", &d));
}

// A small network and a task it gets wrong: images of noise scaled by 0.2 with labels i % 10 (the
// "MNIST" it knows), and "my digits" of bright noise whose label is always 3.
struct TeachSetup {
  dl::Model model;
  dl::Dataset known = testdata::tiny(400, 11, 0.2f), test = testdata::tiny(200, 12, 0.2f);
  dl::Dataset mine;
  TeachSetup() {
    EXPECT_TRUE(dl::Model::build("c4k3p0 p2 f10", 5, &model));
    mine = testdata::tiny(20, 13, 1.0f);
    std::fill(mine.labels.begin(), mine.labels.end(), 3);
  }
};

TEST(Finetune, RefusesBadOptionsBeforeItStarts) {
  TeachSetup t;
  dl::FinetuneRun run;
  dl::FinetuneOptions o;
  dl::Dataset none;
  EXPECT_FALSE(run.begin(&t.model, &none, &t.known, &t.test, o));
  for (auto change : std::vector<void (*)(dl::FinetuneOptions*)>{
           [](dl::FinetuneOptions* o) { o->steps = 0; }, [](dl::FinetuneOptions* o) { o->batch = 1; },
           [](dl::FinetuneOptions* o) { o->lr = 0; }, [](dl::FinetuneOptions* o) { o->lr = NAN; },
           [](dl::FinetuneOptions* o) { o->holdout = 0.95; }, [](dl::FinetuneOptions* o) { o->mnist_before = 2; }}) {
    dl::FinetuneOptions bad;
    change(&bad);
    EXPECT_FALSE(run.begin(&t.model, &t.mine, &t.known, &t.test, bad));
  }
  EXPECT_FALSE(run.finished());
  EXPECT_EQ(run.progress(), 0.0);
}

TEST(Finetune, LearnsTheNewDigitsMeasuresHeldOutOnesAndReportsTheMeasuredFigures) {
  TeachSetup t;
  dl::Model before;
  ASSERT_TRUE(dl::clone_model(t.model, &before));
  dl::FinetuneOptions o;
  o.steps = 80;
  o.lr = 3e-3f;
  o.mnist_test = 200;
  dl::FinetuneRun run;
  ASSERT_TRUE(run.begin(&t.model, &t.mine, &t.known, &t.test, o));
  double last = -1;
  while (!run.advance(2.0)) {
    EXPECT_GE(run.progress(), last);
    last = run.progress();
  }
  const dl::FinetuneReport& r = run.report();
  EXPECT_EQ(r.held_out, 4);  // the newest 20% of 20
  EXPECT_EQ(r.taught, 16);
  // The figures are those of independent evaluations of the models before and after.
  const dl::Dataset held = [&] {
    dl::Dataset h = t.mine;
    h.images.erase(h.images.begin(), h.images.begin() + 16 * dl::kImageSize);
    h.labels.erase(h.labels.begin(), h.labels.begin() + 16);
    h.count = 4;
    return h;
  }();
  EXPECT_EQ(r.before_correct, dl::evaluate(before, held).correct);
  EXPECT_EQ(r.after_correct, dl::evaluate(t.model, held).correct);
  EXPECT_FLOAT_EQ(r.mnist_before, dl::evaluate(before, t.test).accuracy());
  EXPECT_FLOAT_EQ(r.mnist_after, dl::evaluate(t.model, t.test).accuracy());
  EXPECT_EQ(r.after_correct, 4);  // the held-out bright images are 3s now
  EXPECT_LT(r.before_correct, 4);
  EXPECT_GT(r.train_seconds, 0.0);
  EXPECT_FALSE(r.diverged);
  EXPECT_EQ(run.progress(), 1.0);
  EXPECT_STREQ(run.phase_name(), "done");
}

TEST(Finetune, TooFewDigitsAreAllTaughtAndAKnownMnistFigureIsNotMeasuredAgain) {
  TeachSetup t;
  t.mine = dl::subset(t.mine, 4);
  dl::FinetuneOptions o;
  o.steps = 5;
  o.mnist_test = 200;
  o.mnist_before = 0.5;
  dl::FinetuneRun run;
  ASSERT_TRUE(run.begin(&t.model, &t.mine, &t.known, &t.test, o));
  while (!run.advance(1e9)) {
  }
  EXPECT_EQ(run.report().held_out, 0);
  EXPECT_EQ(run.report().reported(), 4);
  EXPECT_EQ(run.report().mnist_before, 0.5);
  EXPECT_TRUE(run.report().forgot() == (100 * (0.5 - run.report().mnist_after) > dl::kMaxForgettingPoints));
}

// The shipped model and a real writer: teaching 3 digits per class raises the accuracy on that
// writer's other 220 digits by at least a point and keeps MNIST within the forgetting bound.
TEST(Finetune, TeachingAWriterHelpsOnTheirOtherDigitsWithoutForgettingMnist) {
  const char* mnist = std::getenv("MNIST_DIR");
  const char* pen = std::getenv("PEN_DIGITS");
  if (!mnist || !pen) GTEST_SKIP() << "MNIST_DIR and PEN_DIGITS (the pen-digit JSON) are not both set";
  std::vector<dl::PenDigit> digits;
  ASSERT_TRUE(dl::read_pen_digits(pen, &digits));
  dl::Dataset train, test;
  ASSERT_TRUE(dl::load_mnist(mnist, "train", &train));
  ASSERT_TRUE(dl::load_mnist(mnist, "test", &test));
  dl::Model model, taught_model;
  ASSERT_TRUE(dl::load_model_file(std::string(DIGITLAB_SOURCE_DIR) + "/assets/digitlab.safetensors", &model));
  ASSERT_TRUE(dl::clone_model(model, &taught_model));
  // The writer the shipped model reads worst (28, one it was not taught: 89.1% of the 220 measured).
  dl::Dataset taught, rest;
  int per_class[10] = {};
  std::vector<float> raster(dl::kPadRaster * dl::kPadRaster), input(dl::kImageSize);
  std::vector<dl::PenPoint> scratch;
  for (const dl::PenDigit& d : digits) {
    if (d.writer != 28) continue;
    dl::strokes_to_input(dl::place_on_pad(d, dl::PadPlacement{}), raster.data(), input.data(), &scratch);
    dl::Dataset& to = per_class[d.label]++ < 3 ? taught : rest;
    to.images.insert(to.images.end(), input.begin(), input.end());
    to.labels.push_back(static_cast<uint8_t>(d.label));
    ++to.count;
  }
  ASSERT_EQ(taught.count, 30);
  ASSERT_GT(rest.count, 200);
  dl::FinetuneOptions o;
  o.holdout = 0;
  o.mnist_test = 2000;
  dl::FinetuneRun run;
  ASSERT_TRUE(run.begin(&taught_model, &taught, &train, &test, o));
  while (!run.advance(1e9)) {
  }
  const float before = dl::evaluate(model, rest).accuracy(), after = dl::evaluate(taught_model, rest).accuracy();
  EXPECT_GE(after, before + 0.01f) << before << " -> " << after;  // measured: +1.8 points
  EXPECT_GE(100 * (run.report().mnist_after - run.report().mnist_before), -dl::kMaxForgettingPoints)
      << run.report().mnist_before << " -> " << run.report().mnist_after;
}

}  // namespace
