// saved_run_test.cpp — the page's training run as it comes from outside (issue 12): train.start's
// options JSON (web/train/train_options.h) and a saved run restored from its bytes
// (TrainingSession::RestoreBytes). Every value is typed and range-checked: a wrong one is a
// sentence and nothing changes. web/train/training_session.cpp and web/train/train_options.cpp have no UI, so
// they are compiled into engine_tests (tests/CMakeLists.txt) and run natively, under ASan and in
// WebAssembly.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model_io.h"
#include "tiny_data.h"
#include "train_options.h"
#include "training_session.h"

namespace app {
namespace {

using testdata::tiny;

dl::Status start_options(const std::string& json, TrainOptions* o) {
  bool compare = false, r2 = false;
  return parse_train_options(json, o, &compare, &r2);
}

TEST(TrainOptions, ReadsTypedValues) {
  TrainOptions o;
  bool compare = false, r2 = false;
  ASSERT_TRUE(parse_train_options(R"({"preset":"R2","optimizer":"sgd","schedule":"constant","lr":0.01,"batch":64,
      "epochs":1.5,"subset":2000,"seed":7,"augment":true,"compare":true,"includeR2":true,"unknown":[1,2]})",
                                  &o, &compare, &r2)
                  .ok());
  EXPECT_EQ(o.spec, "R2");
  EXPECT_EQ(o.optimizer, dl::OptimizerConfig::SGD);
  EXPECT_FALSE(o.cosine);
  EXPECT_FLOAT_EQ(o.lr, 0.01f);
  EXPECT_EQ(o.batch, 64);
  EXPECT_FLOAT_EQ(o.epochs, 1.5f);
  EXPECT_EQ(o.subset, 2000);
  EXPECT_EQ(o.seed, 7u);
  EXPECT_TRUE(o.augment && compare && r2);
  EXPECT_TRUE(start_options(R"({"batch":32.0})", &o).ok()) << "a whole number written as a float is fine";
  EXPECT_EQ(o.batch, 32);
}

// Finding 9 (the API side): values no option can have are sentences, not undefined conversions.
TEST(TrainOptions, RefusesWrongTypesAndRangesLeavingTheOptionsAlone) {
  const struct {
    const char* json;
    const char* word;
  } bad[] = {
      {R"({"lr":1e39})", "learning rate"},
      {R"({"lr":0})", "learning rate"},
      {R"({"lr":"fast"})", "learning rate"},
      {R"({"batch":1e300})", "batch"},
      {R"({"batch":2.5})", "batch"},
      {R"({"batch":0})", "batch"},
      {R"({"batch":-3})", "batch"},
      {R"({"batch":18446744073709551615})", "batch"},
      {R"({"epochs":1e39})", "epochs"},
      {R"({"epochs":-1})", "epochs"},
      {R"({"subset":-5})", "subset"},
      {R"({"subset":1e9})", "subset"},
      {R"({"seed":-1})", "seed"},
      {R"({"seed":1e300})", "seed"},
      {R"({"seed":0.5})", "seed"},
      {R"({"spec":5})", "spec"},
      {R"({"optimizer":"adamw"})", "optimizer"},
      {R"({"schedule":"wobbly"})", "schedule"},
      {R"({"augment":"yes"})", "augment"},
      {"[1,2]", "object"},
      {"{\"lr\":", "object"},
  };
  for (const auto& b : bad) {
    TrainOptions o;
    o.spec = "kept";
    const dl::Status s = start_options(b.json, &o);
    ASSERT_FALSE(s.ok()) << b.json;
    EXPECT_NE(s.message().find(b.word), std::string::npos) << b.json << ": " << s.message();
    EXPECT_EQ(o.spec, "kept") << b.json;
    EXPECT_EQ(o.batch, TrainOptions().batch) << b.json;
  }
}

// Finding 4 (the page side): a spec whose training at batch 1024 would need gigabytes is refused
// with the largest batch that fits, before any data or model exists.
TEST(TrainOptions, Finding4_CheckRefusesABatchTheBudgetCannotHold) {
  TrainOptions o;
  o.spec = "c1k1p28 c256k1p22 p16 f10";
  o.batch = 1024;
  dl::Status s = check_train_options(o, 1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("a batch of at most"), std::string::npos) << s.message();
  o.batch = 3;
  EXPECT_TRUE(check_train_options(o, 1).ok());
  o.spec = std::string(5000, 'f');
  s = check_train_options(o, 1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("characters"), std::string::npos) << s.message();
}

// A session with a tiny data set, trained a few steps.
TrainingSession trained_session(int steps) {
  TrainingSession s;
  s.SetThreads(1);
  s.SetData(tiny(300, 1), tiny(20, 2));
  TrainOptions o;
  o.spec = "c2k3 p2 f10";
  o.batch = 16;
  EXPECT_TRUE(s.Start(o).ok());
  for (int i = 0; i < steps; ++i) s.StepOnce();
  return s;
}

// The run's JSON in `bytes`, changed by `edit`, written back (tensors as they were).
std::vector<uint8_t> with_run(const std::vector<uint8_t>& bytes, const std::function<void(nlohmann::json&)>& edit) {
  dl::SafeTensorsFile f;
  EXPECT_TRUE(dl::parse_safetensors(bytes.data(), bytes.size(), &f).ok());
  nlohmann::json run = nlohmann::json::parse(f.metadata["digitlab_run"]);
  edit(run);
  f.metadata["digitlab_run"] = run.dump();
  return dl::serialize_safetensors(f);
}

TEST(SavedRun, RoundTrip) {
  TrainingSession a = trained_session(3);
  const std::vector<uint8_t> bytes = a.SaveBytes();
  TrainingSession b;
  ASSERT_TRUE(b.RestoreBytes(bytes.data(), bytes.size()).ok());
  EXPECT_EQ(b.step(), 3);
  EXPECT_EQ(b.status(), TrainingSession::Status::Paused);
  EXPECT_EQ(b.options().spec, "c2k3 p2 f10");
  EXPECT_EQ(b.model().params(), a.model().params());
  EXPECT_EQ(b.curve().size(), a.curve().size());
}

// Finding 9 (restored runs): "lr":1e39, "batch":1e300 and the like are refused with a sentence
// (get<int> on them was undefined behaviour: a trap in WebAssembly, so every reload aborted).
TEST(SavedRun, Finding9_RefusesValuesNoRunCanHave) {
  TrainingSession a = trained_session(2);
  const std::vector<uint8_t> good = a.SaveBytes();
  const struct {
    const char* key;
    nlohmann::json value;
    const char* word;
  } bad[] = {
      {"lr", 1e39, "lr"},
      {"batch", 1e300, "batch"},
      {"batch", 0, "batch"},
      {"epochs", 1e39, "epochs"},
      {"step", -7, "step"},
      {"step", 1e12, "step"},
      {"total_steps", "x", "total_steps"},
      {"steps_per_epoch", 3, "steps per epoch"},
      {"seed", -1, "seed"},
      {"subset", 1e300, "subset"},
      {"images_seen", -1, "images_seen"},
      {"elapsed", nullptr, "elapsed"},
      {"curve", nlohmann::json::array({{0.1, 1e300, 1.0, 0.5}}), "curve"},
      {"curve", nlohmann::json::array({{0.1, 1, 1e39, 0.5}}), "curve"},
      {"curve", "all of it", "curve"},
      {"validation", nlohmann::json::array({{0.1, 1}}), "validation"},
      {"spec", "R2", "spec"},
      {"spec", std::string(5000, 'f'), "characters"},
      {"optimizer", "adamw", "optimizer"},
  };
  for (const auto& b : bad) {
    const std::vector<uint8_t> bytes = with_run(good, [&](nlohmann::json& run) { run[b.key] = b.value; });
    TrainingSession s;
    const dl::Status st = s.RestoreBytes(bytes.data(), bytes.size());
    ASSERT_FALSE(st.ok()) << b.key << " = " << b.value.dump();
    EXPECT_NE(st.message().find(b.word), std::string::npos) << b.key << ": " << st.message();
    EXPECT_FALSE(s.HasModel()) << "a refused run changes nothing";
  }
  for (const char* key : {"lr", "batch", "step", "curve", "spec"}) {
    const std::vector<uint8_t> bytes = with_run(good, [&](nlohmann::json& run) { run.erase(key); });
    TrainingSession s;
    EXPECT_FALSE(s.RestoreBytes(bytes.data(), bytes.size()).ok()) << "without " << key;
  }
}

// Finding 9 (snapshots): a step whose update makes the weights infinite (finite loss and
// gradients) rolls back to the last good snapshot; no snapshot and no saved run holds it.
TEST(SavedRun, Finding9_AnInfiniteUpdateRollsBackAndIsNeverSaved) {
  TrainingSession s;
  s.SetThreads(1);
  s.SetData(tiny(200, 1, 1e10f), tiny(20, 2));  // absurdly bright images: huge but finite gradients
  TrainOptions o;
  o.spec = "f10";
  o.optimizer = dl::OptimizerConfig::SGD;
  o.lr = 1e30f;
  o.cosine = false;
  o.batch = 8;
  const dl::Status started = s.Start(o);
  ASSERT_TRUE(started.ok()) << started.message();
  const std::vector<float> before = s.model().params();
  s.StepOnce();
  EXPECT_TRUE(s.diverged()) << s.message();
  EXPECT_EQ(s.model().params(), before) << "the weights of the last good snapshot are back";
  const std::vector<uint8_t> bytes = s.SaveBytes();
  TrainingSession back;
  ASSERT_TRUE(back.RestoreBytes(bytes.data(), bytes.size()).ok());
  EXPECT_TRUE(dl::first_non_finite(back.model()).empty());
}

}  // namespace
}  // namespace app
