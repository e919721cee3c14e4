// training_app.h — the Train view wired into the app: the training session, the data's state, the
// panels, the use of the trained model on the drawing pad, the per-frame time budget, and the
// requests to the platform (fetch the MNIST files, offer a download, keep the run in browser
// storage). app.cpp calls draw_training_view() inside the Train tab and training_after_frame()
// once per frame; the automation API calls the training_* actions.
//
// Where the build has threads, the run trains on its own thread (background_trainer.h) and the
// frame loop only draws: every entry that reads or changes the session from the UI's side holds a
// TrainingTurn (the frame's training parts, each automation call, the platform's callbacks); none of
// them calls another. Without threads the frame loop trains in a per-frame budget and, in the
// browser, in slices between frames.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "dataset.h"
#include "compare_panel.h"
#include "background_trainer.h"
#include "evaluation_panel.h"
#include "status.h"
#include "training_panel.h"
#include "training_session.h"

namespace app {

struct State;

// Frames per second the page keeps while training (the budget adapts to the frame interval).
constexpr double kTargetFrameMs = 1000.0 / 30.0;
// The least training time per frame, even when drawing alone takes longer than kTargetFrameMs.
constexpr double kMinBudgetMs = 6.0;

struct Training {
  TrainingSession session;
  TrainingData data;
  TrainingPanel panel;
  EvaluationPanel evaluation;
  TrainCommands commands;
  TrainLayout layout;
  Compare compare;

  // The trained model on the drawing pad (State::model holds a copy; State::shipped the pad's own).
  bool use_trained = false;
  int pad_model_version = -1;  // State::model.version when the copy was put there
  int copied_weights = -1;     // session.weights_version() of that copy
  double last_copy_ms = 0;

  // The thread that trains the session (declared after it: it stops before the session goes).
  BackgroundTrainer trainer;
  int drawn_progress = -1;       // trainer.progress() at the last frame
  bool drawn_busy = false;       // trainer.busy() at the last frame
  double progress_frame_ms = 0;  // when a frame last showed the thread's progress
  TrainingSession::Status last_status = TrainingSession::Status::Empty;

  bool start_when_data = false;  // Start was pressed before the data was there
  TrainOptions pending;

  // Time budget: training work per frame, adapted so that frames come at least every kTargetFrameMs.
  double budget_ms = 8.0;
  double last_frame_ms = -1;
  double frame_interval_ms = 0;  // smoothed interval between frames while working
  double other_ms = 0;           // smoothed time of a frame's other work (interval - training)
  double last_work_ms = 0;       // training time in the last frame
  // The browser also trains between animation frames (training_between_frames), in the time the
  // page would otherwise wait for the next frame.
  bool between_frames = false;

  // Requests to the platform, taken by it after the frame (platform_web.cpp, platform_native.cpp).
  bool want_data = false;
  std::vector<uint8_t> download;  // bytes to offer as a file download (empty: none)
  std::string download_name;
  bool save_run = false;    // keep the run in browser storage now
  bool forget_run = false;  // delete the stored run
  double last_save_ms = 0;
  std::string mnist_missing;  // set when the build has no MNIST files next to the page
};

// The UI's hold on the training session (BackgroundTrainer::Turn): free without the thread.
using TrainingTurn = BackgroundTrainer::Turn;
// Starts the training thread where the build has threads (after the session is restored).
void training_start_thread(State& s);

void draw_training_view(State& s);
void training_after_frame(State& s);
// While the thread trains, a frame shows its progress at most every kProgressFrameMs, and less often
// when frames are slow to draw: those frames take at most kProgressShare of the main thread, so the
// page's frames stay free for the person drawing (a slow machine sees the curves move less often).
constexpr double kProgressFrameMs = 250.0;
constexpr double kProgressShare = 0.05;
bool training_wants_frame(const State& s);
// Trains for budget_ms outside a frame: the browser calls it from its own task queue while the
// page waits for the next animation frame (platform_web.cpp). Returns whether there is more to do.
bool training_between_frames(State& s, double budget_ms);

// Actions (the panel's buttons and the automation API). training_start fetches the data first when
// it is not there yet, then starts.
dl::Status training_start(State& s, const TrainOptions& o);
void training_pause(State& s);
void training_resume(State& s);
void training_step(State& s);
void training_reset(State& s);
void training_evaluate(State& s, int count);
void training_use_on_pad(State& s, bool on);
void training_download(State& s);
// Trains the hidden-layer family (softmax, mlp, conv1, R1, conv3; R2 too with include_slow) one
// after the other with the options' budget, for the compare view.
void training_compare(State& s, const TrainOptions& o, bool include_slow);

// The platform's answers.
void training_data_progress(State& s, double received, double total);
void training_set_data(State& s, dl::Dataset train, dl::Dataset test);
void training_data_failed(State& s, const std::string& message, bool missing);
dl::Status training_restore(State& s, const uint8_t* bytes, size_t size);
// A sentence for the Train view that is not about a run (e.g. a saved run that was removed).
void training_notice(State& s, const std::string& sentence);

}  // namespace app
