// shipped_model_test.cpp — the model in assets/ loads, describes itself, and reaches its promised
// accuracy on the 10,000 MNIST test images (the accuracy part needs MNIST_DIR).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "dataset.h"
#include "metrics.h"
#include "model_io.h"

using namespace dl;

namespace {
const std::string kShipped = std::string(DIGITLAB_SOURCE_DIR) + "/assets/digitlab.safetensors";
}

TEST(ShippedModel, LoadsWithItsSpecAndTrainingFacts) {
  Model m;
  std::map<std::string, std::string> md;
  Status st = load_model_file(kShipped, &m, &md);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(md["format"], "digitlab");
  EXPECT_EQ(m.spec(), md["spec"]);
  EXPECT_FALSE(md["command"].empty()) << "the file should say how it was trained";
  EXPECT_LT(m.macs_per_image(), 20'000'000) << "the shipped model must stay cheap enough for live prediction";
}

// Issue 12, finding 10: the file records how it was trained (options), not the folders of the
// machine it was built on; a file a person shares must not say where their home folder is.
TEST(ShippedModel, Finding10_CommandRecordsOptionsNotLocalPaths) {
  Model m;
  std::map<std::string, std::string> md;
  ASSERT_TRUE(load_model_file(kShipped, &m, &md).ok());
  const std::string& cmd = md["command"];
  EXPECT_EQ(cmd.find('/'), std::string::npos) << "the command names a local path: " << cmd;
  EXPECT_NE(cmd.find("--data $MNIST_DIR"), std::string::npos) << cmd;
  EXPECT_NE(cmd.find("--epochs 20 --batch 64 --optimizer adam --lr 2e-3 --schedule cosine"), std::string::npos) << cmd;
}

TEST(ShippedModel, ReachesAtLeast99Point6PercentOnTheTestSet) {
  const char* dir = std::getenv("MNIST_DIR");
  if (!dir) GTEST_SKIP() << "MNIST_DIR is not set";
  Model m;
  ASSERT_TRUE(load_model_file(kShipped, &m).ok());
  Dataset test;
  Status st = load_mnist(dir, "test", &test);
  ASSERT_TRUE(st.ok()) << st.message();
  Evaluation e = evaluate(m, test, 250);
  ASSERT_EQ(e.count, 10000);
  EXPECT_GE(e.correct, 9960) << "test accuracy " << 100.0 * e.accuracy() << "%";
  int total = 0;
  for (const auto& row : e.confusion)
    for (int v : row) total += v;
  EXPECT_EQ(total, 10000);
}
