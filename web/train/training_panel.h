// training_panel.h — the Train view's controls and live read-out: the network (a preset of the
// hidden-layer family or an edited spec), optimizer, learning rate, batch, epochs, augmentation,
// subset and seed; Start, Pause/Resume, Step, Reset, Evaluate; the data's download progress;
// step, epoch, loss, accuracies, images/s, elapsed time, ETA; the loss and accuracy curves; "use
// on the drawing pad" and "Download model". It reads the session through a const reference and
// asks for changes through TrainCommands, which training_app.cpp applies after drawing.
#pragma once
#include <string>

#include "imgui.h"
#include "training_session.h"

namespace app {

// The MNIST files in the browser: fetched on first need.
struct TrainingData {
  enum Kind { NotLoaded, Loading, Ready, Missing, Failed } kind = NotLoaded;
  double received = 0, total = 0;  // bytes of the download so far / expected
  std::string message;             // Missing / Failed: what to do
};

struct TrainCommands {
  bool start = false, pause = false, resume = false, step = false, reset = false, evaluate = false;
  bool toggle_use_trained = false, download = false, compare = false;
  TrainOptions options;  // for start
  bool any() const {
    return start || pause || resume || step || reset || evaluate || toggle_use_trained || download || compare;
  }
};

struct WRect {  // a control's rectangle in window coordinates (CSS pixels in the browser)
  float x = 0, y = 0, w = 0, h = 0;
};

// Where the controls are this frame, for the automation API (tests click them).
struct TrainLayout {
  WRect start, pause, resume, step, reset, evaluate, use_trained, download, lr, preset, compare;
  WRect confusion;  // the whole 10x10 confusion matrix (cell (t, p) is row t, column p)
};

class TrainingPanel {
 public:
  // Left column: data, options, buttons, read-out. width: the column's width.
  void DrawControls(const TrainingSession& s, bool use_trained, float width, TrainCommands* cmd, TrainLayout* layout);
  // Status, step, epoch, loss, accuracies, images/s, elapsed time, ETA.
  void DrawReadout(const TrainingSession& s, const TrainingData& data, float width);
  // The loss and accuracy curves, side by side or stacked, in width x height.
  void DrawCurves(const TrainingSession& s, float width, float height);

  TrainOptions edit;          // the options as edited (used by Start)
  bool compare_slow = false;  // the compare run includes R2

 private:
  void SyncSpecText();
  char spec_[256] = "R1";
  int preset_ = -1;  // index into dl::presets(), -1 = custom spec
  bool synced_ = false;
};

}  // namespace app
