// parallel.cpp — see parallel.h.
#include "parallel.h"

#include <cassert>

namespace dl {

ThreadPool::ThreadPool(int threads) : threads_(threads < 1 || !kThreadsAvailable ? 1 : threads) {
  for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { worker(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  start_cv_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::work_on(int thread) {
  for (int task = thread; task < tasks_; task += threads_) fn_(ctx_, task, thread);
}

void ThreadPool::dispatch(int tasks, Trampoline fn, void* ctx) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    assert(pending_ == 0 && "ThreadPool::run is not re-entrant");
    fn_ = fn; ctx_ = ctx; tasks_ = tasks;
    pending_ = threads_ - 1;
    ++generation_;
  }
  start_cv_.notify_all();
  work_on(0);
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [this] { return pending_ == 0; });
}

void ThreadPool::worker(int thread) {
  int seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_cv_.wait(lock, [&] { return quit_ || generation_ != seen; });
      if (quit_) return;
      seen = generation_;
    }
    work_on(thread);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }
}

}  // namespace dl
