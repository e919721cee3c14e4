// background_trainer_test.cpp — the training run on its own thread (web/train/background_trainer.h): it
// trains to the weights of the same run stepped on the caller's thread (to rounding), while the
// caller takes turns reading the session as the page's frames do; a Pause in a turn stops it; a
// thread count changed in the middle of a batch completes that batch first. Skipped in a build
// without threads (the page then trains in its frame loop).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "background_trainer.h"
#include "parallel.h"
#include "train_options.h"
#include "tiny_data.h"
#include "training_session.h"

namespace {

using Clock = std::chrono::steady_clock;
using testdata::tiny;

app::TrainOptions options() {
  app::TrainOptions o;
  o.spec = "c4k3 p2 d.25 f10";  // dropout and augmentation: the seeded streams matter
  o.batch = 16;
  o.epochs = 3;
  o.augment = true;
  o.seed = 3;
  return o;
}

void start(app::TrainingSession* s) {
  s->SetThreads(1);
  s->SetData(tiny(220, 5), tiny(40, 6));
  ASSERT_TRUE(s->Start(options()).ok()) << s->message();
}

float max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float d = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

// Takes turns like the page's frames until the session is neither running nor evaluating.
int turns_until_idle(app::BackgroundTrainer& trainer, app::TrainingSession& s) {
  const auto give_up = Clock::now() + std::chrono::seconds(120);
  int turns = 0;
  for (;;) {
    {
      app::BackgroundTrainer::Turn turn(trainer);
      ++turns;
      (void)s.curve().size();  // what a frame reads
      if (s.status() != app::TrainingSession::Status::Running && !s.Evaluating()) return turns;
    }
    if (Clock::now() > give_up) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

TEST(BackgroundTrainer, TrainsToTheSameWeightsAsTheCallersThread) {
  if (!dl::kThreadsAvailable) GTEST_SKIP() << "no threads in this build: the frame loop trains";
  app::TrainingSession here;
  start(&here);
  while (here.status() != app::TrainingSession::Status::Finished) here.StepOnce();

  app::TrainingSession off;
  start(&off);
  app::BackgroundTrainer trainer;
  trainer.Start(&off);
  ASSERT_TRUE(trainer.active());
  const int turns = turns_until_idle(trainer, off);
  ASSERT_GT(turns, 0) << "the run did not finish within 120 s";
  app::BackgroundTrainer::Turn turn(trainer);
  EXPECT_EQ(off.status(), app::TrainingSession::Status::Finished) << off.message();
  EXPECT_EQ(off.step(), here.step());
  EXPECT_GT(off.step(), 0);
  EXPECT_GT(trainer.progress(), 0);
  // The same run: the thread trains in chunks sized by time, whose gradients are summed in another
  // order than whole batches', so the weights agree to rounding (bit for bit at batch boundaries:
  // TrainRun's tests, and the test below).
  EXPECT_LT(max_difference(off.model().params(), here.model().params()), 1e-4f);
  EXPECT_LT(std::abs(off.last_loss() - here.last_loss()), 1e-4f);
  EXPECT_TRUE(off.HasEvaluation());  // the thread also ran the finished run's test evaluation
}

TEST(BackgroundTrainer, PauseInATurnStopsTheThread) {
  if (!dl::kThreadsAvailable) GTEST_SKIP() << "no threads in this build: the frame loop trains";
  app::TrainingSession s;
  start(&s);
  app::BackgroundTrainer trainer;
  trainer.Start(&s);
  // Wait for a few steps, then pause.
  const auto give_up = Clock::now() + std::chrono::seconds(60);
  int paused_at = -1;
  while (paused_at < 0 && Clock::now() < give_up) {
    app::BackgroundTrainer::Turn turn(trainer);
    if (s.step() >= 3) {
      s.Pause();
      paused_at = s.step();
    }
  }
  ASSERT_GE(paused_at, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  {
    app::BackgroundTrainer::Turn turn(trainer);
    EXPECT_EQ(s.step(), paused_at);
    EXPECT_EQ(s.status(), app::TrainingSession::Status::Paused);
    s.Resume();
  }
  EXPECT_GT(turns_until_idle(trainer, s), 0);
  app::BackgroundTrainer::Turn turn(trainer);
  EXPECT_EQ(s.status(), app::TrainingSession::Status::Finished);
}

TEST(BackgroundTrainer, ARunStartedPausedWaitsForStep) {
  if (!dl::kThreadsAvailable) GTEST_SKIP() << "no threads in this build: the frame loop trains";
  app::TrainingSession s;
  s.SetThreads(1);
  s.SetData(tiny(220, 5), tiny(40, 6));
  app::BackgroundTrainer trainer;
  trainer.Start(&s);
  app::TrainOptions o = options();
  bool compare = false, r2 = false;
  ASSERT_TRUE(app::parse_train_options(R"({"paused":true})", &o, &compare, &r2).ok());
  ASSERT_TRUE(o.start_paused);
  {
    app::BackgroundTrainer::Turn turn(trainer);
    ASSERT_TRUE(s.Start(o).ok()) << s.message();
    EXPECT_EQ(s.status(), app::TrainingSession::Status::Paused);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  app::BackgroundTrainer::Turn turn(trainer);
  EXPECT_EQ(s.step(), 0);  // the thread took no slice
  s.StepOnce();
  EXPECT_EQ(s.step(), 1);
}

TEST(TrainingSession, ThreadCountChangedMidBatchCompletesTheBatchFirst) {
  // Part of a batch (the session trains in chunks sized by time: give it almost none), then two
  // threads: the batch in progress is completed there and then, so the run stands at a batch
  // boundary with the weights of one whole step (to rounding: the chunks sum in another order).
  app::TrainingSession mid, whole;
  start(&mid);
  start(&whole);
  for (int i = 0; i < 10000 && mid.between_batches() && mid.step() == 0; ++i) mid.Advance(0.05);
  ASSERT_FALSE(mid.between_batches());
  ASSERT_EQ(mid.step(), 0);
  mid.SetThreads(2);
  EXPECT_TRUE(mid.between_batches());
  EXPECT_EQ(mid.step(), 1);
  EXPECT_EQ(mid.threads(), dl::kThreadsAvailable ? 2 : 1);
  whole.StepOnce();
  EXPECT_LT(max_difference(mid.model().params(), whole.model().params()), 1e-5f);
  mid.StepOnce();  // and training goes on with two threads from that boundary
  EXPECT_EQ(mid.step(), 2);
}

}  // namespace
