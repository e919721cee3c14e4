// background_trainer.h — the training run on its own thread, off the page's frame loop.
//
// Where the build has threads (the native app, and the page when it is cross-origin isolated), a
// thread of its own advances the TrainingSession in slices of kSliceMs; the frame loop only draws
// and reads. The session is one object guarded by one mutex: the thread holds it for a slice, the
// UI takes a Turn whenever it reads or changes the session (a frame's drawing, an API call). A UI
// that asks for its turn sets a flag the thread looks at after every slice, so the UI waits for at
// most the slice in progress. No copy of the run exists, so what the panels show is the run.
// Without threads (a page that is not cross-origin isolated) nothing starts and the frame loop
// trains in budgets as before (training_app.cpp).
#pragma once
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "training_session.h"

namespace app {

class BackgroundTrainer {
 public:
  // A slice of training between two looks at the UI's flag. A UI turn waits for at most one, and
  // a batch of R1 (32 images) takes about this long on one core, so slices seldom split a batch.
  static constexpr double kSliceMs = 8.0;

  BackgroundTrainer() = default;
  ~BackgroundTrainer() { Stop(); }
  BackgroundTrainer(const BackgroundTrainer&) = delete;
  BackgroundTrainer& operator=(const BackgroundTrainer&) = delete;

  // Starts the thread that trains `session` (once; nothing in a build without threads).
  void Start(TrainingSession* session);
  void Stop();  // ends the slice in progress and joins the thread
  bool active() const { return thread_.joinable(); }

  // The UI's hold on the session: it waits for the slice in progress, and when it ends the thread
  // looks at the session again (a Start or a Resume gives it work). Without the thread it is free.
  class Turn {
   public:
    explicit Turn(BackgroundTrainer& t);
    ~Turn();
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    BackgroundTrainer& t_;
    std::unique_lock<std::mutex> lock_;
  };

  // Counts the slices that trained or evaluated something: the UI redraws when it moved.
  int progress() const { return progress_.load(std::memory_order_acquire); }
  // The session is running or evaluating, as of the end of the last slice or UI turn.
  bool busy() const { return busy_.load(std::memory_order_acquire); }

 private:
  void Loop();
  bool SessionBusy() const;  // with mu_ held

  TrainingSession* session_ = nullptr;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::atomic<bool> quit_{false}, ui_waiting_{false}, busy_{false};
  std::atomic<int> progress_{0};
};

}  // namespace app
