// parallel_test.cpp — dl::ThreadPool: every task runs exactly once, on thread task % threads, and
// run() returns only when all are done, over many back-to-back runs (the caller's spin-then-sleep
// wait and the workers' wake-ups race each time). In a WebAssembly build without pthreads the pool
// runs everything on the calling thread.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "parallel.h"

namespace {

TEST(ThreadPool, EachTaskRunsOnceOnItsThread) {
  for (int threads : {1, 2, 3}) {
    dl::ThreadPool pool(threads);
    const int expected_threads = dl::kThreadsAvailable ? threads : 1;
    EXPECT_EQ(pool.threads(), expected_threads);
    for (int tasks : {0, 1, 2, 5, 17}) {
      std::vector<int> runs(tasks, 0), on(tasks, -1);
      pool.run(tasks, [&](int task, int thread) {
        ++runs[task];  // each task has its own slot: no race
        on[task] = thread;
      });
      for (int t = 0; t < tasks; ++t) {
        EXPECT_EQ(runs[t], 1) << "task " << t << " of " << tasks << ", " << threads << " threads";
        if (tasks > 1) { EXPECT_EQ(on[t], t % expected_threads) << "task " << t; }
      }
    }
  }
}

TEST(ThreadPool, ManyShortRunsAllComplete) {
  dl::ThreadPool pool(2);
  std::vector<std::thread::id> ids(2);
  std::atomic<long> sum{0};
  long expected = 0;
  for (int r = 0; r < 5000; ++r) {
    const int tasks = 1 + r % 4;
    pool.run(tasks, [&](int task, int thread) {
      sum.fetch_add(task + 1, std::memory_order_relaxed);
      ids[thread] = std::this_thread::get_id();
    });
    expected += static_cast<long>(tasks) * (tasks + 1) / 2;
    ASSERT_EQ(sum.load(), expected) << "run " << r << " returned before its tasks were done";
  }
  if (dl::kThreadsAvailable) { EXPECT_NE(ids[0], ids[1]) << "two threads did the work"; }
}

TEST(ThreadPool, WorkIsSplitAcrossThreadsAtTheSameTime) {
  if (!dl::kThreadsAvailable) GTEST_SKIP() << "no threads in this build";
  dl::ThreadPool pool(2);
  // Task 0 waits for task 1 (on the other thread) to start: only true parallel runs finish.
  std::atomic<bool> second_started{false};
  pool.run(2, [&](int task, int) {
    if (task == 1) second_started = true;
    else
      while (!second_started) std::this_thread::yield();
  });
  EXPECT_TRUE(second_started.load());
}

}  // namespace
