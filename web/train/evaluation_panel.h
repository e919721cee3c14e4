// evaluation_panel.h — what the original project showed, interactive: test accuracy, accuracy per
// digit, the confusion matrix (a click on a cell opens a gallery of the test images behind it) and
// the most confident mistakes with true label, prediction and probability. Reads a session's
// evaluation; draws MNIST images as ImDrawList rectangles (a handful on screen at a time, no textures).
#pragma once
#include "imgui.h"
#include "training_session.h"

namespace app {

struct TrainLayout;

class EvaluationPanel {
 public:
  void Draw(const TrainingSession& s, float width, TrainLayout* layout);
  int sel_true = -1, sel_pred = -1;  // the open confusion cell, -1 = none
};

// Draws a 28x28 image (784 values in [0, 1], ink = 1) as light ink on dark at the cursor.
void DrawDigit(const float* image, float side);

}  // namespace app
