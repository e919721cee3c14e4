// parallel.cpp — see parallel.h.
#include "parallel.h"

#include <cassert>

#if defined(__EMSCRIPTEN_PTHREADS__)
#include <emscripten/threading.h>  // emscripten_is_main_browser_thread
#endif

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
    assert(pending_.load() == 0 && "ThreadPool::run is not re-entrant");
    fn_ = fn;
    ctx_ = ctx;
    tasks_ = tasks;
    pending_.store(threads_ - 1, std::memory_order_relaxed);
    ++generation_;
  }
  start_cv_.notify_all();
  work_on(0);
  constexpr int kSpins = 1 << 14;  // ~tens of microseconds before sleeping
  for (int i = 0; pending_.load(std::memory_order_acquire) != 0; ++i) {
    if (i >= kSpins && may_block()) {
      std::unique_lock<std::mutex> lock(mu_);
      done_cv_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
      break;
    }
  }
}

bool ThreadPool::may_block() {
#if defined(__EMSCRIPTEN_PTHREADS__)
  return !emscripten_is_main_browser_thread();
#else
  return true;
#endif
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
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mu_);  // a caller between its check and its wait sees this
      done_cv_.notify_one();
    }
  }
}

}  // namespace dl
