// train_run_test.cpp — dl::TrainRun (engine/train_run.h), the one training run every front end
// drives: a run paused, or saved and restored, continues bit for bit as one that never stopped; a
// diverging step is rolled back to the last good snapshot; the CLI's way of driving it (step() in a
// loop) and the page's (TrainingSession) give the same weights for the same options and seed; the
// schedule's warm-up and cosine values; chunked evaluation equals one-shot evaluation. Small
// synthetic data (tiny_data.h), one thread, so it runs natively and in WebAssembly in seconds.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "metrics.h"
#include "model_io.h"
#include "optimizer.h"
#include "tiny_data.h"
#include "train_run.h"
#include "training_session.h"

namespace {

using testdata::tiny;

// Dropout and augmentation on, so the seeded streams matter.
constexpr const char* kSpec = "c4k3 p2 d.25 f10";

dl::RunConfig config() {
  dl::RunConfig c;
  c.optimizer.kind = dl::OptimizerConfig::Adam;
  c.optimizer.lr = 3e-3f;
  EXPECT_TRUE(dl::parse_schedule("cosine", &c.schedule).ok());
  c.schedule.warmup_epochs = 0.5f;
  c.batch = 16;
  c.epochs = 2;
  c.augment = true;
  c.seed = 5;
  c.snapshot_every = 4;
  return c;
}

struct Fixture {
  dl::Dataset data = tiny(100, 3);  // 7 steps per epoch, the last one of 4 images
  dl::Model model;
  dl::TrainRun run;
  explicit Fixture(const dl::RunConfig& c = config()) {
    EXPECT_TRUE(dl::Model::build(kSpec, 1, &model).ok());
    EXPECT_TRUE(run.begin(&model, &data, c).ok());
  }
};

bool all_finite(const std::vector<float>& v) {
  for (float x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

TEST(TrainRun, PositionAndTotalSteps) {
  Fixture f;
  EXPECT_EQ(f.run.steps_per_epoch(), 7);
  EXPECT_EQ(f.run.total_steps(), 14);
  EXPECT_EQ(dl::run_total_steps(1.5, 7), 11);  // a run may end mid-epoch
  for (int i = 0; i < 8; ++i) EXPECT_EQ(f.run.step().steps, 1);
  EXPECT_EQ(f.run.epoch(), 1);
  EXPECT_EQ(f.run.step_in_epoch(), 1);
  for (int i = 0; i < 6; ++i) f.run.step();
  EXPECT_TRUE(f.run.finished());
  EXPECT_EQ(f.run.step().steps, 0) << "a finished run trains no more";
}

TEST(TrainRun, PausedRunEqualsUninterruptedRunBitForBit) {
  Fixture whole;
  for (int i = 0; i < 11; ++i) ASSERT_FALSE(whole.run.step().diverged);

  // The same run in pieces through advance() with step budgets (a pause between each).
  Fixture paused;
  int done = 0;
  for (int64_t piece : {3, 1, 5, 2}) {
    dl::Budget b;
    b.steps = piece;
    done += paused.run.advance(b).steps;
  }
  EXPECT_EQ(done, 11);
  EXPECT_EQ(paused.model.params(), whole.model.params());
  EXPECT_EQ(paused.run.optimizer().m(), whole.run.optimizer().m());
  EXPECT_EQ(paused.run.optimizer().v(), whole.run.optimizer().v());
}

TEST(TrainRun, SnapshotRestoreEqualsUninterruptedRunBitForBit) {
  Fixture whole;
  for (int i = 0; i < 12; ++i) whole.run.step();

  // 5 steps, saved; a new model and run from the bytes, 7 more steps.
  Fixture first;
  for (int i = 0; i < 5; ++i) first.run.step();
  const std::vector<uint8_t> bytes = first.run.save_bytes({{"note", "a test"}});
  ASSERT_FALSE(bytes.empty());
  dl::SafeTensorsFile file;
  ASSERT_TRUE(dl::parse_safetensors(bytes.data(), bytes.size(), &file).ok());
  EXPECT_EQ(file.metadata["run_step"], "5");
  EXPECT_EQ(file.metadata["note"], "a test");
  dl::Model model;
  ASSERT_TRUE(dl::model_from_safetensors(file, &model).ok());
  dl::TrainRun run;
  ASSERT_TRUE(run.begin(&model, &first.data, config()).ok());
  const dl::Status st = run.restore(file);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(run.steps_done(), 5);
  EXPECT_EQ(run.snapshot_step(), 5);
  for (int i = 0; i < 7; ++i) run.step();
  EXPECT_EQ(model.params(), whole.model.params());
  EXPECT_EQ(run.optimizer().m(), whole.run.optimizer().m());
  EXPECT_EQ(run.optimizer().steps(), whole.run.optimizer().steps());
}

TEST(TrainRun, RestoreRefusesAStateOfAnotherRun) {
  Fixture a;
  for (int i = 0; i < 3; ++i) a.run.step();
  dl::SafeTensorsFile file;
  const std::vector<uint8_t> bytes = a.run.save_bytes({});
  ASSERT_TRUE(dl::parse_safetensors(bytes.data(), bytes.size(), &file).ok());

  dl::RunConfig other = config();
  other.batch = 32;  // 4 steps per epoch, not 7
  Fixture b(other);
  dl::Status st = b.run.restore(file);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("steps per epoch"), std::string::npos) << st.message();
  EXPECT_EQ(b.run.steps_done(), 0) << "a refused state changes nothing";

  for (const char* bad : {"-1", "15", "3x", ""}) {
    dl::SafeTensorsFile f = file;
    f.metadata["run_step"] = bad;
    Fixture c;
    st = c.run.restore(f);
    EXPECT_FALSE(st.ok()) << "run_step '" << bad << "'";
    EXPECT_NE(st.message().find("run_step"), std::string::npos) << st.message();
  }
  dl::SafeTensorsFile f = file;
  f.metadata["plateau_scale"] = "nan";
  Fixture c;
  EXPECT_FALSE(c.run.restore(f).ok());
}

TEST(TrainRun, DivergingStepRollsBackToTheLastGoodSnapshot) {
  // Four good steps at a sane rate (SGD), saved: the snapshot a diverging run starts from.
  const dl::Dataset bright = tiny(64, 9, 1e10f);  // absurdly bright images: huge but finite gradients
  dl::RunConfig sane = config();
  sane.optimizer.kind = dl::OptimizerConfig::SGD;
  sane.optimizer.lr = 1e-25f;
  sane.schedule = dl::ScheduleConfig{};
  sane.batch = 8;
  dl::Model model;
  ASSERT_TRUE(dl::Model::build("f10", 1, &model).ok());
  dl::TrainRun good;
  ASSERT_TRUE(good.begin(&model, &bright, sane).ok());
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(good.step().diverged);
  const std::vector<float> at4 = model.params();
  ASSERT_TRUE(all_finite(at4));
  const std::vector<uint8_t> bytes = good.save_bytes({});
  dl::SafeTensorsFile file;
  ASSERT_TRUE(dl::parse_safetensors(bytes.data(), bytes.size(), &file).ok());

  // The same run continued at a rate no network survives.
  dl::RunConfig wild = sane;
  wild.optimizer.lr = 1e30f;
  dl::TrainRun run;
  ASSERT_TRUE(run.begin(&model, &bright, wild).ok());
  ASSERT_TRUE(run.restore(file).ok());
  const dl::RunProgress p = run.step();
  EXPECT_TRUE(p.diverged);
  EXPECT_EQ(p.steps, 0);
  EXPECT_EQ(run.divergence().step, 4);
  EXPECT_EQ(run.divergence().restored_step, 4);
  EXPECT_FLOAT_EQ(run.divergence().lr, 1e30f);
  EXPECT_EQ(run.steps_done(), 4) << "the position of the snapshot is back";
  EXPECT_EQ(model.params(), at4) << "the parameters of the snapshot are back";
  EXPECT_TRUE(all_finite(model.params()));
  EXPECT_TRUE(dl::first_non_finite(model, &run.optimizer()).empty());
  EXPECT_FALSE(run.save_bytes({}).empty()) << "the rolled-back run can be saved";

  // advance() stops at the divergence too, and rolls back the same way.
  const dl::RunProgress q = run.advance(dl::Budget{});
  EXPECT_TRUE(q.diverged);
  EXPECT_EQ(model.params(), at4);
}

TEST(TrainRun, CliAndPageGiveTheSameWeights) {
  // The page: TrainingSession with its options, one whole batch per StepOnce.
  const dl::Dataset train = tiny(330, 11), test = tiny(20, 12);
  app::TrainOptions o;
  o.spec = kSpec;
  o.optimizer = dl::OptimizerConfig::Adam;
  o.lr = 3e-3f;
  o.cosine = true;
  o.batch = 32;
  o.epochs = 2;
  o.augment = true;
  o.seed = 7;
  app::TrainingSession page;
  page.SetThreads(1);
  page.SetData(train, test);  // holds out the last 33 images for validation
  ASSERT_TRUE(page.Start(o).ok()) << page.message();
  const int kSteps = 13;  // past the first epoch (10 steps)
  for (int i = 0; i < kSteps; ++i) page.StepOnce();
  ASSERT_EQ(page.step(), kSteps);

  // The CLI: `digitlab train SPEC --optimizer adam --lr 0.003 --schedule cosine --warmup 0.06
  // --batch 32 --epochs 2 --augment --seed 7 --threads 1` builds this run and calls step().
  const dl::Dataset pool = dl::subset(train, 297);
  dl::RunConfig c;
  ASSERT_TRUE(dl::parse_optimizer("adam", &c.optimizer.kind).ok());
  c.optimizer.lr = 3e-3f;
  ASSERT_TRUE(dl::parse_schedule("cosine", &c.schedule).ok());
  c.schedule.warmup_epochs = 0.03f * 2;
  c.batch = 32;
  c.epochs = 2;
  c.augment = true;
  c.seed = 7;
  dl::Model cli_model;
  ASSERT_TRUE(dl::Model::build(kSpec, 7, &cli_model).ok());
  dl::TrainRun cli;
  ASSERT_TRUE(cli.begin(&cli_model, &pool, c).ok());
  for (int i = 0; i < kSteps; ++i) ASSERT_FALSE(cli.step().diverged);

  EXPECT_EQ(page.model().params(), cli_model.params());
  EXPECT_EQ(page.model().buffers(), cli_model.buffers());
  EXPECT_FLOAT_EQ(page.lr_now(), cli.schedule().lr(kSteps - 1));
}

TEST(TrainRun, ScheduleWarmupAndCosineValues) {
  // 10 epochs of 10 steps, one warm-up epoch: (step + 1) / 10 of the cosine's value.
  dl::ScheduleConfig c;
  c.kind = dl::ScheduleConfig::Cosine;
  c.warmup_epochs = 1;
  const dl::LrSchedule s(c, 1.0f, 100, 10);
  const auto cosine = [](double t) { return 0.5 * (1.0 + std::cos(3.14159265358979 * t)); };
  EXPECT_NEAR(s.lr(0), 0.1 * cosine(0.00), 1e-6);
  EXPECT_NEAR(s.lr(4), 0.5 * cosine(0.04), 1e-6);
  EXPECT_NEAR(s.lr(9), 1.0 * cosine(0.09), 1e-6);
  EXPECT_NEAR(s.lr(10), cosine(0.10), 1e-6);  // warm-up over
  EXPECT_NEAR(s.lr(50), 0.5, 1e-6);
  EXPECT_NEAR(s.lr(75), cosine(0.75), 1e-6);
  EXPECT_NEAR(s.lr(100), 0.0, 1e-6);

  // A fractional warm-up (the page: 3% of the run) on a constant rate.
  c.kind = dl::ScheduleConfig::Constant;
  c.warmup_epochs = 0.3f;  // 3 steps
  const dl::LrSchedule k(c, 2.0f, 100, 10);
  EXPECT_NEAR(k.lr(0), 2.0 / 3, 1e-6);
  EXPECT_NEAR(k.lr(1), 4.0 / 3, 1e-6);
  EXPECT_FLOAT_EQ(k.lr(2), 2.0f);
  EXPECT_FLOAT_EQ(k.lr(3), 2.0f);

  // The page's "cosine" is this family: 1 epoch of 100 steps, warm-up 3 steps.
  app::TrainOptions o;
  o.cosine = true;
  o.lr = 3e-3f;
  o.epochs = 1;
  const dl::RunConfig rc = app::RunConfigOf(o);
  EXPECT_EQ(rc.schedule.kind, dl::ScheduleConfig::Cosine);
  const dl::LrSchedule page(rc.schedule, rc.optimizer.lr, 100, 100);
  EXPECT_NEAR(page.lr(0), 3e-3 / 3, 1e-9);
  EXPECT_NEAR(page.lr(2), 3e-3 * cosine(0.02), 1e-9);
  EXPECT_NEAR(page.lr(50), 1.5e-3, 1e-9);
  o.cosine = false;
  EXPECT_EQ(app::RunConfigOf(o).schedule.kind, dl::ScheduleConfig::Constant);
  EXPECT_EQ(app::RunConfigOf(o).schedule.warmup_epochs, 0.0f);
}

TEST(TrainRun, ChunkedEvaluationEqualsOneShot) {
  const dl::Dataset data = tiny(600, 21);
  Fixture f;
  for (int i = 0; i < 5; ++i) f.run.step();
  const dl::Evaluation once = dl::evaluate(f.model, data);

  // Chunks on the 256-image batch grid: the same logits, the same bits.
  dl::ChunkedEvaluation aligned(&data, 0);
  int calls = 0;
  while (!aligned.done()) {
    aligned.evaluate_some(f.model, 256);
    ++calls;
  }
  EXPECT_EQ(calls, 3);
  const dl::Evaluation a = aligned.result();
  EXPECT_EQ(a.count, once.count);
  EXPECT_EQ(a.correct, once.correct);
  EXPECT_EQ(a.loss, once.loss);
  EXPECT_EQ(a.confusion, once.confusion);
  ASSERT_EQ(a.mistakes.size(), once.mistakes.size());
  for (size_t i = 0; i < a.mistakes.size(); ++i) EXPECT_EQ(a.mistakes[i].index, once.mistakes[i].index);

  // Odd chunks, as a frame budget makes them: the same counts.
  dl::ChunkedEvaluation odd(&data, 0);
  while (!odd.done()) odd.evaluate_some(f.model, 37);
  const dl::Evaluation b = odd.result();
  EXPECT_EQ(b.count, once.count);
  EXPECT_EQ(b.correct, once.correct);
  EXPECT_EQ(b.confusion, once.confusion);
  EXPECT_NEAR(b.loss, once.loss, 1e-5);

  // The first n images only.
  dl::ChunkedEvaluation part(&data, 100);
  EXPECT_EQ(part.evaluate_some(f.model, 1000), 100);
  EXPECT_TRUE(part.done());
  EXPECT_EQ(part.result().count, 100);
}

}  // namespace
