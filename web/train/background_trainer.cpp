// background_trainer.cpp — see background_trainer.h.
#include "background_trainer.h"

#include "parallel.h"

namespace app {

void BackgroundTrainer::Start(TrainingSession* session) {
  if (!dl::kThreadsAvailable || thread_.joinable()) return;
  session_ = session;
  quit_ = false;
  busy_ = SessionBusy();
  thread_ = std::thread([this] { Loop(); });
}

void BackgroundTrainer::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  work_cv_.notify_all();
  thread_.join();
}

bool BackgroundTrainer::SessionBusy() const {
  return session_ && (session_->status() == TrainingSession::Status::Running || session_->Evaluating());
}

BackgroundTrainer::Turn::Turn(BackgroundTrainer& t) : t_(t) {
  if (!t_.active()) return;
  t_.ui_waiting_.store(true, std::memory_order_release);
  lock_ = std::unique_lock<std::mutex>(t_.mu_);
  t_.ui_waiting_.store(false, std::memory_order_release);
}

BackgroundTrainer::Turn::~Turn() {
  if (!lock_.owns_lock()) return;
  t_.busy_.store(t_.SessionBusy(), std::memory_order_release);
  lock_.unlock();
  t_.work_cv_.notify_one();
}

void BackgroundTrainer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!quit_) {
    if (!SessionBusy()) {
      busy_.store(false, std::memory_order_release);
      work_cv_.wait(lock);
      continue;
    }
    if (session_->Advance(kSliceMs)) progress_.fetch_add(1, std::memory_order_acq_rel);
    busy_.store(SessionBusy(), std::memory_order_release);
    if (ui_waiting_.load(std::memory_order_acquire)) {
      // Let the UI have its turn: it takes the mutex as soon as it is free and clears the flag.
      lock.unlock();
      while (ui_waiting_.load(std::memory_order_acquire) && !quit_) std::this_thread::yield();
      lock.lock();
    }
  }
}

}  // namespace app
