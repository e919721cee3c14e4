// parallel.h — a fixed pool of worker threads for splitting a batch across cores.
// run(n, f) calls f(task, thread) for task in [0, n) and returns when all are done. Tasks are
// assigned statically (task t runs on thread t % threads), so per-thread partial results can be
// reduced in a fixed order: the same thread count gives bit-identical results. With one thread
// (the WebAssembly build without pthreads) everything runs inline and no thread is ever created.
// run() allocates nothing: the callable is passed by reference through a function pointer.
// The caller waits for the workers by spinning briefly, then sleeping on a condition variable: the
// tasks are short (a chunk of a batch), so the spin usually ends it. On the browser's main thread,
// which must not block, it only spins (the workers are other cores, so this is short).
#pragma once
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace dl {

// Whether this build can start threads: not in a WebAssembly build without pthreads, where a pool
// of any requested size runs everything on the calling thread.
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
constexpr bool kThreadsAvailable = false;
#else
constexpr bool kThreadsAvailable = true;
#endif

class ThreadPool {
 public:
  explicit ThreadPool(int threads = 1);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }

  template <class F>
  void run(int tasks, F&& f) {
    if (threads_ == 1 || tasks <= 1) {
      for (int t = 0; t < tasks; ++t) f(t, 0);
      return;
    }
    using Fn = typename std::remove_reference<F>::type;
    dispatch(
        tasks, [](void* p, int task, int thread) { (*static_cast<Fn*>(p))(task, thread); }, &f);
  }

 private:
  using Trampoline = void (*)(void*, int, int);
  void dispatch(int tasks, Trampoline fn, void* ctx);
  void worker(int thread);
  void work_on(int thread);
  static bool may_block();  // false on the browser's main thread

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  Trampoline fn_ = nullptr;
  void* ctx_ = nullptr;
  int tasks_ = 0;
  int generation_ = 0;
  std::atomic<int> pending_{0};  // workers still on the current generation
  bool quit_ = false;
};

}  // namespace dl
