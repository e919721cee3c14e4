// hostile_files_test.cpp — regression tests for issue 12 ("No file, spec or saved run can crash
// DigitLab or make it eat the machine"): each test is named after the finding it covers and was
// seen failing (or crashing) on the code before the fix. What a parsed file or spec *turns into* is
// bounded before anything is allocated; what cannot be bounded is refused with a sentence.
//
// The CLI's findings (resume metadata, images, command metadata, checkpoint temporaries) are in
// tests/cli/cli_test.sh, the page's (heap, saved runs, API options) in tests/browser/limits.test.mjs.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "model.h"
#include "model_io.h"
#include "optimizer.h"
#include "spec.h"
#include "train.h"

namespace dl {
namespace {

std::vector<uint8_t> file_from_header(std::string header, const std::vector<float>& data = {}) {
  header.append((8 - header.size() % 8) % 8, ' ');
  std::vector<uint8_t> out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
  out.insert(out.end(), header.begin(), header.end());
  const size_t at = out.size();
  out.resize(at + 4 * data.size());
  if (!data.empty()) std::memcpy(out.data() + at, data.data(), 4 * data.size());
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Finding 1: a 300-byte model file whose spec asks for 13.7 billion parameters (c1024k27 x 19) and
// holds no tensor. Before: Model::build zero-filled 110 GB (bad_alloc natively, an abort in the page).
TEST(HostileFiles, Finding1_TinyFileWithAHugeSpecIsRefusedBeforeBuilding) {
  std::string spec;
  for (int i = 0; i < 19; ++i) spec += "c1024k27 ";
  spec += "f10";
  const std::vector<uint8_t> bytes =
      file_from_header("{\"__metadata__\":{\"format\":\"digitlab\",\"spec\":\"" + spec + "\"}}");
  ASSERT_LT(bytes.size(), 400u);
  Model m;
  ASSERT_TRUE(Model::build("f10", 1, &m).ok());
  const std::vector<float> before = m.params();
  const auto t0 = std::chrono::steady_clock::now();
  Status s = load_model_bytes(bytes.data(), bytes.size(), &m);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("parameter"), std::string::npos) << s.message();
  EXPECT_EQ(m.params(), before) << "the model that was loaded is kept";
  EXPECT_LT(seconds_since(t0), 1.0);
}

// Finding 2: a valid spec whose second convolution's im2col scratch is 4,295,002,880 floats (17 GB;
// in 32-bit WebAssembly the size wrapped to 35,584 floats and im2col wrote far past it).
TEST(HostileFiles, Finding2_SpecWithAHugeIm2colScratchIsRefused) {
  Model m;
  Status s = Model::build("c620k10p23 c1k28p28 f10", 1, &m);
  ASSERT_FALSE(s.ok()) << "built a network whose im2col scratch is 17 GB";
  EXPECT_NE(s.message().find("conv2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("MiB"), std::string::npos) << s.message();
}

// Finding 5: a safetensors header of a million zero dimensions was accepted (at 2.3 GB peak for a
// 100 MB header); a long spec string was tokenised whole before the 64-token check.
TEST(HostileFiles, Finding5_HeaderWithMillionsOfDimensionsIsRefused) {
  std::string shape;
  for (int i = 0; i < 1000000; ++i) shape += i ? ",0" : "0";
  const std::vector<uint8_t> bytes =
      file_from_header("{\"t\":{\"dtype\":\"F32\",\"shape\":[" + shape + "],\"data_offsets\":[0,0]}}");
  SafeTensorsFile f;
  const auto t0 = std::chrono::steady_clock::now();
  Status s = parse_safetensors(bytes.data(), bytes.size(), &f);
  ASSERT_FALSE(s.ok()) << "accepted a tensor with a million dimensions";
  EXPECT_NE(s.message().find("dimensions"), std::string::npos) << s.message();
  EXPECT_LT(seconds_since(t0), 5.0);
}

TEST(HostileFiles, Finding5_LongSpecIsRefusedBeforeTokenising) {
  std::string spec;
  for (int i = 0; i < 3000000; ++i) spec += "f1 ";
  spec += "f10";
  std::vector<LayerSpec> layers;
  Status s = parse_spec(spec, &layers);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("characters"), std::string::npos) << s.message();
}

// Finding 9: an update that makes a parameter infinite (finite loss and gradients, a huge step) was
// applied and reported as fine, so the next checkpoint or snapshot held it.
TEST(HostileFiles, Finding9_AStepThatMakesParametersNonFiniteIsReported) {
  Model m;
  ASSERT_TRUE(Model::build("f10", 1, &m).ok());
  OptimizerConfig cfg;
  cfg.kind = OptimizerConfig::SGD;
  cfg.momentum = 0.0f;
  Trainer t(&m, cfg, 1);
  std::vector<float> x(4 * kImageSize, 0.0f);
  for (int n = 0; n < 4; ++n) x[static_cast<size_t>(n) * kImageSize + 400] = 100.0f;  // bright pixels: large gradients
  const std::vector<uint8_t> y = {1, 2, 3, 4};
  const StepResult r = t.step(x.data(), y.data(), 4, 3e38f);
  ASSERT_TRUE(std::isfinite(r.loss)) << "the loss itself is finite: only the update overflows";
  EXPECT_FALSE(r.finite) << "a step that made parameters infinite was reported as fine";
}

TEST(HostileFiles, Finding9_NoCheckpointWithNonFiniteParameters) {
  Model good, bad;
  ASSERT_TRUE(Model::build("f10", 1, &good).ok());
  ASSERT_TRUE(Model::build("f10", 2, &bad).ok());
  bad.params()[17] = INFINITY;
  const std::string path = ::testing::TempDir() + "digitlab_hostile_checkpoint.safetensors";
  ASSERT_TRUE(save_model_file(path, good, {}).ok());
  Status s = save_model_file(path, bad, {});
  EXPECT_FALSE(s.ok()) << "wrote a checkpoint holding an infinite parameter";
  Model back;
  ASSERT_TRUE(load_model_file(path, &back).ok()) << "the previous good checkpoint survives";
  EXPECT_EQ(back.params(), good.params());
  std::remove(path.c_str());
}

// Finding 11 (engine side): the temporary file of a save had one fixed name (path + ".tmp"); whatever
// sat there (a stale file of another run, here a folder) made every save fail or be overwritten.
TEST(HostileFiles, Finding11_SaveDoesNotDependOnAFixedTemporaryName) {
  Model m;
  ASSERT_TRUE(Model::build("f10", 1, &m).ok());
  const std::string path = ::testing::TempDir() + "digitlab_hostile_tmpname.safetensors";
  std::remove(path.c_str());
  ::rmdir((path + ".tmp").c_str());
  ASSERT_EQ(::mkdir((path + ".tmp").c_str(), 0700), 0);
  Status s = save_model_file(path, m, {});
  EXPECT_TRUE(s.ok()) << s.message();
  ::rmdir((path + ".tmp").c_str());
  std::remove(path.c_str());
}

}  // namespace
}  // namespace dl
